import { isAbortError } from "@gadugi/error-handling";
import { reviewFixPrompt } from "../prompts.js";
import type { PhaseContext, PhaseOutcome } from "../types.js";
import { describeError } from "../util.js";
import type { ReviewText } from "./review-post.js";
import { agentFailure, commitLeftovers, workspaceOf } from "./shared.js";

/** What a fix round did: the commit it left the branch at, and whether the pull request got it. */
export interface FixRound {
  round: number;
  commit: string;
  /** The agent changed the branch. */
  changed: boolean;
  pushed: boolean;
  pushError?: string;
}

/**
 * One fix round after a `request-changes` verdict: the task's agent gets the review's comments
 * (like a test fix), whatever it left uncommitted is committed, and with a pull request the
 * branch is pushed again so the reviewer's second look and the PR show the same commit. A failed
 * agent run is the phase's failure; a refused push is warned about (the branch is still merged
 * from the local repository).
 */
export async function runFixRound(
  ctx: PhaseContext,
  review: ReviewText,
  before: string,
): Promise<FixRound | PhaseOutcome> {
  await ctx.log(`review: ${review.verdict}; fix round ${review.round} with the review's comments`);
  const prompt = reviewFixPrompt(ctx.task, workspaceOf(ctx), {
    reviewer: review.reviewer,
    comments: review.comments,
    reviewFile: ctx.paths.review,
  });
  const label = `review-fix-${review.round}`;
  const result = await ctx.runAgent({ purpose: "review-fix", label, prompt });
  if (result.outcome !== "ok") return agentFailure(ctx, "the review-fixing agent", result);
  const git = ctx.git();
  const pending = await commitLeftovers(ctx, `review fix ${review.round}`, git);
  if (pending)
    await ctx.log(`committed the review fix the agent left uncommitted: ${pending.commit.slice(0, 12)}`);
  const commit = await git.headCommit();
  const fix: FixRound = { round: review.round, commit, changed: commit !== before, pushed: false };
  if (!fix.changed) await ctx.warn(`task ${ctx.task.id}: the review fix round changed nothing`);
  const branch = ctx.facts.branch;
  if (fix.changed && ctx.facts.prNumber !== undefined && branch !== undefined) {
    try {
      await git.push("origin", branch, {
        signal: ctx.signal,
        timeoutMs: ctx.commandTimeoutMs,
        forceWithLease: ctx.facts.forcePush === true,
      });
      fix.pushed = true;
      await ctx.log(`pushed the review fix of ${branch} (${commit.slice(0, 12)}) to origin`);
    } catch (error) {
      if (isAbortError(error)) throw error;
      fix.pushError = describeError(error);
      await ctx.warn(`task ${ctx.task.id}: pushing the review fix of ${branch} failed: ${fix.pushError}`);
    }
  }
  return fix;
}
