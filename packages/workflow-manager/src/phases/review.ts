import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { abortedError, GadugiError, redactSecrets } from "@gadugi/error-handling";
import { type CommandSetting, formatCommand, toArgv } from "@gadugi/git";
import type { AgentConfig, GadugiConfig } from "@gadugi/interfaces";
import { type DirtySnapshot, discardChangesSince, snapshotDirty } from "@gadugi/worktree-manager";
import { agentByName } from "../agent-setting.js";
import { reviewPrompt } from "../prompts.js";
import { parseReviewOutput, type ReviewVerdict } from "../review-verdict.js";
import type { Phase, PhaseContext, PhaseOutcome } from "../types.js";
import { describeError, tailText } from "../util.js";
import { agentFailure, agentSummary, githubAvailability, workspaceOf } from "./shared.js";

/** Largest diff put into a reviewer agent's prompt; the command reviewer always gets all of it. */
const MAX_PROMPT_DIFF = 100_000;

export const NO_REVIEWER =
  "no reviewer configured: set workflow.reviewer (an agent, run read-only) or workflow.reviewCommand (gets the diff on stdin)";

/** The reviewer agent named by workflow.reviewer, always read-only. */
export function reviewerAgent(config: GadugiConfig, name: string): AgentConfig {
  const agent = agentByName(name, config, { autonomy: "read-only" });
  // The built-in command kind has no program to run: a command reviewer must be defined.
  if (agent.kind === "command" && (agent.command === undefined || agent.command.length === 0)) {
    throw new GadugiError(
      "GADUGI_AGENT_NOT_FOUND",
      { agent: name },
      {
        hint: `Define "${name}" under agents in gadugi.config.json with its command, or name another reviewer.`,
      },
    );
  }
  return agent;
}

/** Text events the agent wrote to the events file after `offset`. */
async function agentText(eventsFile: string, offset: number): Promise<string> {
  if (!existsSync(eventsFile)) return "";
  const all = await readFile(eventsFile);
  const lines = all.subarray(offset).toString("utf8").split("\n");
  const texts: string[] = [];
  for (const line of lines) {
    if (!line.includes('"text"')) continue;
    try {
      const event = JSON.parse(line) as { type?: unknown; text?: unknown };
      if (event.type === "text" && typeof event.text === "string") texts.push(event.text);
    } catch {
      // A torn line: ignored.
    }
  }
  return texts.join("\n");
}

interface Review {
  reviewer: string;
  verdict: ReviewVerdict;
  verdictFound: boolean;
  comments: string;
  extra: Record<string, unknown>;
}

async function reviewByCommand(
  ctx: PhaseContext,
  command: CommandSetting,
  diff: string,
): Promise<Review | PhaseOutcome> {
  let argv: string[];
  try {
    argv = toArgv(command);
  } catch (error) {
    return { status: "failed", reason: `workflow.reviewCommand: ${describeError(error)}` };
  }
  const shown = formatCommand(argv);
  const { facts } = ctx;
  let result: Awaited<ReturnType<PhaseContext["runner"]["run"]>>;
  try {
    result = await ctx.runner.run(argv[0]!, argv.slice(1), {
      cwd: facts.worktreePath ?? "",
      input: diff,
      env: {
        ...ctx.env,
        GADUGI_RUN_ID: ctx.runId,
        GADUGI_TASK_ID: ctx.task.id,
        GADUGI_WORKTREE: facts.worktreePath,
        GADUGI_BRANCH: facts.branch,
        GADUGI_BASE_COMMIT: facts.baseCommit,
      },
      reject: false,
      timeoutMs: ctx.commandTimeoutMs,
      signal: ctx.signal,
      operation: `review (${shown})`,
      logFile: ctx.paths.log,
      label: { taskId: ctx.task.id, purpose: "review" },
    });
  } catch (error) {
    return { status: "failed", reason: `the review command cannot run: ${describeError(error)}` };
  }
  if (result.aborted) throw abortedError(ctx.signal, `review (${shown})`);
  const parsed = parseReviewOutput(result.stdout);
  if (parsed.verdict === undefined && (result.timedOut || result.exitCode !== 0)) {
    const how = result.timedOut
      ? "timed out"
      : `exited with ${result.exitCode ?? result.signal ?? "a signal"}`;
    const stderr = tailText(result.stderr, 5, 500).trim();
    return {
      status: "failed",
      reason: `the review command \`${shown}\` ${how} without a verdict${stderr ? `: ${redactSecrets(stderr)}` : ""}`,
    };
  }
  return {
    reviewer: `command: ${shown}`,
    verdict: parsed.verdict ?? "comment",
    verdictFound: parsed.verdict !== undefined,
    comments: parsed.comments,
    extra: { exitCode: result.exitCode },
  };
}

async function reviewByAgent(ctx: PhaseContext, name: string, diff: string): Promise<Review | PhaseOutcome> {
  let agent: AgentConfig;
  try {
    agent = reviewerAgent(ctx.config, name);
  } catch (error) {
    return { status: "failed", reason: `workflow.reviewer: ${describeError(error)}` };
  }
  const offset = existsSync(ctx.paths.events) ? (await stat(ctx.paths.events)).size : 0;
  const truncated = diff.length > MAX_PROMPT_DIFF;
  const prompt = reviewPrompt(ctx.task, workspaceOf(ctx), {
    text: truncated ? diff.slice(0, MAX_PROMPT_DIFF) : diff,
    truncated,
  });
  const result = await ctx.runAgent({ purpose: "review", agent, agentName: name, prompt });
  if (result.outcome !== "ok") return agentFailure(ctx, `the reviewer agent ${name}`, result);
  const parsed = parseReviewOutput(await agentText(ctx.paths.events, offset));
  const extra: Record<string, unknown> = { agent: agentSummary(result) };
  return {
    reviewer: `agent: ${name} (${agent.kind}, read-only)`,
    verdict: parsed.verdict ?? "comment",
    verdictFound: parsed.verdict !== undefined,
    comments: parsed.comments,
    extra,
  };
}

/**
 * A reviewer is read-only: whatever it committed or changed in the worktree is undone, so neither
 * the workflow nor cleanup can ever commit it. Returns the paths it had changed.
 */
async function undoReviewerChanges(
  ctx: PhaseContext,
  before: { head: string; dirty: DirtySnapshot },
): Promise<string[]> {
  const git = ctx.git();
  const moved = (await git.headCommit()) !== before.head;
  if (moved) await git.raw(["reset", "--quiet", "--mixed", before.head]);
  const discarded = await discardChangesSince(git, before.dirty);
  if (moved && discarded.length === 0) discarded.push("(commits only)");
  return discarded;
}

function reviewMarkdown(ctx: PhaseContext, review: Review): string {
  const lines = [
    `### Gadugi review: ${review.verdict}`,
    "",
    `Reviewer: ${review.reviewer.startsWith("command: ") ? `\`${review.reviewer.slice(9)}\`` : review.reviewer} · task \`${ctx.task.id}\``,
    "",
    review.comments.trim() === "" ? "_No comments._" : review.comments.trim(),
  ];
  if (!review.verdictFound) lines.push("", "_The reviewer gave no `VERDICT:` line; recorded as a comment._");
  return `${lines.join("\n")}\n`;
}

/** Phase 8: a reviewer reads the diff; verdict and comments are recorded and posted on the PR. */
export const reviewPhase: Phase = {
  name: "review",
  contract:
    "The configured reviewer (workflow.reviewer: an agent run read-only; workflow.reviewCommand: a command with the diff on stdin) reviewed the branch's diff; its verdict (`VERDICT: approve | request-changes | comment`) and comments are recorded and, with a pull request, posted on it. No reviewer → skipped.",
  async run(ctx) {
    const { reviewer, reviewCommand } = ctx.config.workflow;
    const useCommand =
      reviewCommand !== undefined &&
      (typeof reviewCommand !== "string" || reviewCommand.trim() !== "") &&
      (!reviewer || reviewer === "command");
    if (!useCommand && !reviewer) return { status: "skipped", code: "no-reviewer", reason: NO_REVIEWER };
    const base = ctx.facts.baseCommit;
    if (base === undefined)
      return { status: "failed", reason: "setup recorded no base commit to diff against" };
    const git = ctx.git();
    const diff = await git.raw(["diff", "--no-color", "--no-ext-diff", base, "HEAD", "--"]);
    const before = { head: await git.headCommit(), dirty: await snapshotDirty(git) };
    const outcome = useCommand
      ? await reviewByCommand(ctx, reviewCommand as CommandSetting, diff)
      : await reviewByAgent(ctx, reviewer as string, diff);
    const undone = await undoReviewerChanges(ctx, before);
    if (undone.length > 0) {
      await ctx.warn(
        `task ${ctx.task.id}: the read-only reviewer changed the worktree (${undone.slice(0, 5).join(", ")}${undone.length > 5 ? ", …" : ""}); its changes were discarded, never committed`,
      );
    }
    if ("status" in outcome) return outcome;
    if (undone.length > 0) outcome.extra.discardedReviewerChanges = undone.slice(0, 50);
    const review = outcome;

    const body = reviewMarkdown(ctx, review);
    await mkdir(path.dirname(ctx.paths.review), { recursive: true });
    await writeFile(ctx.paths.review, body);
    await ctx.log(`review: ${review.verdict} by ${review.reviewer}`);
    const data: Record<string, unknown> = {
      reviewer: review.reviewer,
      verdict: review.verdict,
      verdictFound: review.verdictFound,
      comments: tailText(review.comments, 40, 4000),
      reviewFile: ctx.paths.review,
      diffBytes: Buffer.byteLength(diff),
      ...review.extra,
    };
    const prNumber = ctx.facts.prNumber;
    if (prNumber === undefined) {
      data.posted = false;
      data.notPostedReason = "no pull request";
      return { status: "completed", data };
    }
    const available = await githubAvailability(ctx);
    if (!available.ok || ctx.github === undefined) {
      data.posted = false;
      data.notPostedReason = `GitHub unavailable: ${available.ok ? "not configured" : available.reason}`;
      return { status: "completed", data };
    }
    try {
      const comment = await ctx.github.addComment(prNumber, body);
      data.posted = true;
      data.commentUrl = comment.url;
    } catch (error) {
      data.posted = false;
      data.notPostedReason = describeError(error);
      await ctx.warn(
        `task ${ctx.task.id}: posting the review on PR #${prNumber} failed: ${describeError(error)}`,
      );
    }
    return { status: "completed", data };
  },
};
