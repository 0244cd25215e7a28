import { redactSecrets } from "@gadugi/error-handling";
import type { GitClient } from "@gadugi/git";
import type { AgentRunResult } from "@gadugi/interfaces";
import { commitWork } from "@gadugi/worktree-manager";
import type { PromptWorkspace } from "../prompts.js";
import type { PhaseContext, PhaseOutcome } from "../types.js";

export type Availability = { ok: true } | { ok: false; reason: string };

/** Whether GitHub can be used for this task, and why not. */
export async function githubAvailability(ctx: PhaseContext): Promise<Availability> {
  if (ctx.github === undefined) return { ok: false, reason: "GitHub operations are not configured" };
  try {
    const available = await ctx.github.isAvailable();
    return available.ok ? { ok: true } : { ok: false, reason: redactSecrets(available.reason) };
  } catch (error) {
    return { ok: false, reason: redactSecrets(error instanceof Error ? error.message : String(error)) };
  }
}

/** The facts every prompt states about the worktree. */
export function workspaceOf(ctx: PhaseContext, testCommand?: string): PromptWorkspace {
  const { facts } = ctx;
  const ws: PromptWorkspace = {
    runId: ctx.runId,
    worktree: facts.worktreePath ?? "",
    uvProject: facts.uvProject,
  };
  if (facts.branch !== undefined) ws.branch = facts.branch;
  if (facts.baseRef !== undefined) ws.baseRef = facts.baseRef;
  if (facts.baseCommit !== undefined) ws.baseCommit = facts.baseCommit;
  if (facts.issueNumber !== undefined) ws.issueNumber = facts.issueNumber;
  if (testCommand !== undefined) ws.testCommand = testCommand;
  return ws;
}

/** The facts of an agent run worth keeping in phase data (`transient` tells the scheduler whether to retry). */
export function agentSummary(result: AgentRunResult): Record<string, unknown> {
  const summary: Record<string, unknown> = {
    outcome: result.outcome,
    exitCode: result.exitCode,
    transient: result.transient,
    durationMs: result.durationMs,
  };
  if (result.reason !== undefined) summary.reason = redactSecrets(result.reason);
  if (result.sessionId !== undefined) summary.sessionId = result.sessionId;
  if (result.usage !== undefined) summary.usage = result.usage;
  if (result.permissionDenials > 0) summary.permissionDenials = result.permissionDenials;
  return summary;
}

/** A failed outcome for an agent run that did not end `ok`. */
export function agentFailure(
  ctx: PhaseContext,
  what: string,
  result: AgentRunResult,
  data: Record<string, unknown> = {},
): PhaseOutcome {
  const reason = result.reason ? `: ${redactSecrets(result.reason)}` : "";
  return {
    status: "failed",
    reason: `${what} (${ctx.agent.kind}) ended ${result.outcome}${reason}`,
    data: { ...data, agent: agentSummary(result), transient: result.transient, logFile: ctx.paths.log },
  };
}

/** The message of a commit the workflow makes for the agent: it names the task. */
export function workflowCommitMessage(
  task: { name: string; id: string },
  runId: string,
  what: string,
): string {
  return `${task.name}\n\nGadugi task ${task.id} (run ${runId}): ${what}, left uncommitted by the agent and committed by the workflow.\n`;
}

/**
 * Commits what an agent of the task left uncommitted (`what`: "implementation", "test fix 1"…),
 * never the setup's artifacts: every phase that runs an agent ends with this. The commit and its
 * files, or undefined when the agent left nothing.
 */
export function commitLeftovers(
  ctx: PhaseContext,
  what: string,
  git: GitClient = ctx.git(),
): Promise<{ commit: string; files: string[] } | undefined> {
  return commitWork(git, workflowCommitMessage(ctx.task, ctx.runId, what), {
    exclude: ctx.facts.setupArtifacts,
  });
}

/** The configured GitHub base ref as a branch name: `origin/main` and `refs/heads/main` → `main`. */
export function branchName(ref: string): string {
  return ref
    .replace(/^refs\/heads\//, "")
    .replace(/^refs\/remotes\/[^/]+\//, "")
    .replace(/^origin\//, "");
}
