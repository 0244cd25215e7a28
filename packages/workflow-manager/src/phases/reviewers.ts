import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { abortedError, GadugiError, redactSecrets } from "@gadugi/error-handling";
import { type CommandSetting, formatCommand, toArgv } from "@gadugi/git";
import type { AgentConfig, GadugiConfig } from "@gadugi/interfaces";
import { type DirtySnapshot, discardChangesSince } from "@gadugi/worktree-manager";
import { agentByName } from "../agent-setting.js";
import { reviewPrompt } from "../prompts.js";
import { parseReviewOutput, type ReviewVerdict } from "../review-verdict.js";
import type { PhaseContext, PhaseOutcome } from "../types.js";
import { describeError, tailText } from "../util.js";
import { agentFailure, agentSummary, workspaceOf } from "./shared.js";

// The two kinds of reviewer (a command with the diff on stdin, an agent run read-only) and the
// undoing of whatever a read-only reviewer changed.

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

export interface Review {
  reviewer: string;
  verdict: ReviewVerdict;
  verdictFound: boolean;
  comments: string;
  extra: Record<string, unknown>;
}

export async function reviewByCommand(
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

export async function reviewByAgent(
  ctx: PhaseContext,
  name: string,
  diff: string,
  round: number,
): Promise<Review | PhaseOutcome> {
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
  const label = round === 1 ? "review" : `review-${round}`;
  const result = await ctx.runAgent({ purpose: "review", label, agent, agentName: name, prompt });
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
export async function undoReviewerChanges(
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
