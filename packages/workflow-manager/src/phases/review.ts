import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CommandSetting } from "@gadugi/git";
import type { GadugiConfig, ReviewRound, ReviewSummary } from "@gadugi/interfaces";
import { snapshotDirty } from "@gadugi/worktree-manager";
import type { Phase, PhaseContext, PhaseOutcome } from "../types.js";
import { tailText } from "../util.js";
import { type FixRound, runFixRound } from "./review-fix.js";
import { postReview, type ReviewText, reviewMarkdown } from "./review-post.js";
import { NO_REVIEWER, reviewByAgent, reviewByCommand, undoReviewerChanges } from "./reviewers.js";

export { NO_REVIEWER, reviewerAgent } from "./reviewers.js";

/** Fix rounds a `request-changes` verdict gives the task's agent before the verdict stands. */
export const REVIEW_FIX_ROUNDS = 1;

type Reviewer = { command: CommandSetting } | { agent: string };

/** The configured reviewer: workflow.reviewCommand (with no reviewer or `command`), else workflow.reviewer. */
function reviewerOf(config: GadugiConfig): Reviewer | undefined {
  const { reviewer, reviewCommand } = config.workflow;
  const useCommand =
    reviewCommand !== undefined &&
    (typeof reviewCommand !== "string" || reviewCommand.trim() !== "") &&
    (!reviewer || reviewer === "command");
  if (useCommand) return { command: reviewCommand };
  return reviewer ? { agent: reviewer } : undefined;
}

/** One look of the reviewer at the branch. */
interface Look {
  text: ReviewText;
  record: ReviewRound;
  /** Facts of the reviewer's run (its exit code or agent summary, discarded changes). */
  extra: Record<string, unknown>;
  diffBytes: number;
}

/**
 * The reviewer reads the branch's diff (read-only: whatever it changed is undone), and its verdict
 * and comments are written to the review file, logged and posted on GitHub.
 */
async function lookAtBranch(
  ctx: PhaseContext,
  reviewer: Reviewer,
  base: string,
  round: number,
  pushed: boolean,
): Promise<Look | PhaseOutcome> {
  const git = ctx.git();
  const diff = await git.raw(["diff", "--no-color", "--no-ext-diff", base, "HEAD", "--"]);
  const before = { head: await git.headCommit(), dirty: await snapshotDirty(git) };
  const outcome =
    "command" in reviewer
      ? await reviewByCommand(ctx, reviewer.command, diff)
      : await reviewByAgent(ctx, reviewer.agent, diff, round);
  const undone = await undoReviewerChanges(ctx, before);
  if (undone.length > 0) {
    await ctx.warn(
      `task ${ctx.task.id}: the read-only reviewer changed the worktree (${undone.slice(0, 5).join(", ")}${undone.length > 5 ? ", …" : ""}); its changes were discarded, never committed`,
    );
  }
  if ("status" in outcome) return outcome;
  if (undone.length > 0) outcome.extra.discardedReviewerChanges = undone.slice(0, 50);
  const { verdict, verdictFound, comments } = outcome;
  const text: ReviewText = { round, reviewer: outcome.reviewer, verdict, verdictFound, comments };
  const body = reviewMarkdown(ctx, text);
  await mkdir(path.dirname(ctx.paths.review), { recursive: true });
  if (round === 1) await writeFile(ctx.paths.review, body);
  else await appendFile(ctx.paths.review, `\n${body}`);
  await ctx.log(`review round ${round}: ${verdict} by ${outcome.reviewer}`);
  // A fix GitHub does not have (its push failed) is reviewed at the PR's head instead.
  const posted = await postReview(ctx, text, body, { ...(pushed ? { commit: before.head } : {}), diff });
  const record: ReviewRound = {
    ...text,
    comments: tailText(comments, 40, 4000),
    commit: before.head,
    ...posted,
  };
  return { text, record, extra: outcome.extra, diffBytes: Buffer.byteLength(diff) };
}

/**
 * The phase's data: the last round's verdict, comments and posting (as before rounds existed),
 * `review` (a ReviewSummary: every round, whether the task may merge) and the fix rounds.
 */
function reviewData(ctx: PhaseContext, rounds: ReviewRound[], fixes: FixRound[], last: Look) {
  const final = last.record;
  const changesRequested = final.verdict === "request-changes";
  const review: ReviewSummary = {
    verdict: final.verdict,
    rounds,
    fixRounds: fixes.length,
    changesRequested,
    mergeable: !changesRequested || ctx.config.workflow.mergeOnRequestChanges,
  };
  return {
    reviewer: final.reviewer,
    verdict: final.verdict,
    verdictFound: final.verdictFound,
    comments: final.comments,
    reviewFile: ctx.paths.review,
    diffBytes: last.diffBytes,
    ...last.extra,
    posted: final.posted !== undefined,
    ...(final.posted?.url === undefined ? {} : { reviewUrl: final.posted.url }),
    ...(final.notPostedReason === undefined ? {} : { notPostedReason: final.notPostedReason }),
    review,
    fixes,
  };
}

/**
 * Phase 8: a reviewer reads the diff; a `request-changes` verdict gives the task's agent a fix
 * round with the review's comments, then the reviewer looks again. Every round is recorded and
 * posted; whether the task may merge is the last verdict's (see task-end's completeTask).
 */
export const reviewPhase: Phase = {
  name: "review",
  contract:
    "The configured reviewer (workflow.reviewer: an agent run read-only; workflow.reviewCommand: a command with the diff on stdin) reviewed the branch's diff; its verdict (`VERDICT: approve | request-changes | comment`) and comments are recorded and posted (a pull-request review, or a comment on the issue without a PR). `request-changes` gets one fix round by the task's agent and a second look; if changes are still requested the task ends changes-requested, unmerged (unless workflow.mergeOnRequestChanges). No reviewer → skipped.",
  async run(ctx) {
    const reviewer = reviewerOf(ctx.config);
    if (reviewer === undefined) return { status: "skipped", code: "no-reviewer", reason: NO_REVIEWER };
    const base = ctx.facts.baseCommit;
    if (base === undefined)
      return { status: "failed", reason: "setup recorded no base commit to diff against" };
    const rounds: ReviewRound[] = [];
    const fixes: FixRound[] = [];
    for (let round = 1; ; round++) {
      const pushed = fixes.every((f) => f.pushed || !f.changed);
      const look = await lookAtBranch(ctx, reviewer, base, round, pushed);
      if ("status" in look) return { ...look, data: { ...look.data, rounds, fixes } } as PhaseOutcome;
      rounds.push(look.record);
      if (look.record.verdict !== "request-changes" || fixes.length >= REVIEW_FIX_ROUNDS) {
        return { status: "completed", data: reviewData(ctx, rounds, fixes, look) };
      }
      const fix = await runFixRound(ctx, look.text, look.record.commit as string);
      if ("status" in fix) return { ...fix, data: { ...fix.data, rounds, fixes } } as PhaseOutcome;
      fixes.push(fix);
    }
  },
};
