import { existsSync } from "node:fs";
import { GadugiError } from "@gadugi/error-handling";
import type { AgentRunResult } from "@gadugi/interfaces";
import type { WorkflowStateManager } from "@gadugi/state";
import type { WorkflowDeps } from "./deps.js";
import type { TaskRun } from "./task-run.js";
import type { PhaseContext, RunTaskOptions, TaskFacts } from "./types.js";

/**
 * The phase running now was interrupted before (a crash): since when, and how many agent runs of
 * each purpose it has asked for so far.
 */
export interface Interruption {
  since?: string;
  calls: Map<string, number>;
}

/**
 * Redoes the task on top of `startPoint`: journaled first (`task.restarted`, which also forgets
 * the phases from implementation on), then applied, so a crash at any point resumes into the
 * restart and never into the old attempt's tested, pushed phases.
 */
export async function restartTask(
  deps: WorkflowDeps,
  run: TaskRun,
  restart: NonNullable<RunTaskOptions["restart"]>,
): Promise<void> {
  const { task, facts } = run;
  if (facts.worktreePath === undefined || facts.branch === undefined || !existsSync(facts.worktreePath)) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "restart",
      value: task.id,
      expected: "a resumed task whose worktree still exists",
    });
  }
  const backupBranch = `${facts.branch}-attempt-${Math.max(1, run.attempt - 1)}`;
  await deps.record({ type: "task.restarted", taskId: task.id, ...restart, backupBranch });
  // As the journal now says: every phase from implementation on runs again; and branch_creation
  // verifies that the branch now starts at the restart's start point (its record is replaced).
  const from = deps.phases.findIndex((p) => p.name === "implementation");
  for (const phase of deps.phases.slice(Math.max(0, from))) run.records.delete(phase.name);
  run.records.delete("branch_creation");
  await applyRestart(run.ctx, run.facts, { ...restart, backupBranch });
}

/**
 * Puts the task branch on `startPoint`, keeping its old head on the backup branch, for the phases
 * from implementation on to run again on top of the merged work (the journal's `task.restarted`
 * forgot their earlier records). Idempotent, so a resume can apply it again: the backup is made
 * once, and a branch whose redo already started there is not reset again.
 */
export async function applyRestart(
  ctx: PhaseContext,
  facts: TaskFacts,
  restart: { startPoint: string; reason: string; backupBranch?: string },
): Promise<void> {
  const git = ctx.git();
  const backup = restart.backupBranch;
  if (backup !== undefined && !(await git.branchExists(backup))) await git.raw(["branch", backup, "HEAD"]);
  if (facts.baseCommit !== restart.startPoint) {
    await git.raw(["reset", "--quiet", "--hard", restart.startPoint]);
    await ctx.update({ baseCommit: await git.headCommit() });
  }
  facts.restartNote = restart.reason;
  facts.forcePush = true;
  await ctx.log(
    `restart: previous work kept on ${backup ?? "(no backup)"}; ${facts.branch} on ${restart.startPoint.slice(0, 12)} (${restart.reason})`,
  );
}

/**
 * In a phase a crash interrupted: the result of the agent run this call repeats, when the journal
 * says it ended before the crash (`agent.run` after the phase started; the n-th call of a purpose
 * matches the n-th such run). Its work is in the worktree; the phase goes on from there instead of
 * running the agent again. A run ended by cancellation or at a budget is run again.
 */
export async function endedBeforeInterruption(
  state: WorkflowStateManager,
  runId: string,
  taskId: string,
  interruption: Interruption,
  purpose: string,
): Promise<AgentRunResult | undefined> {
  const since = interruption.since;
  if (since === undefined) return undefined;
  const index = interruption.calls.get(purpose) ?? 0;
  interruption.calls.set(purpose, index + 1);
  const runs = (await state.loadRun(runId)).agentRuns[taskId] ?? [];
  const ended = runs.filter((r) => r.purpose === purpose && Date.parse(r.at) >= Date.parse(since))[index];
  // Stopped (cancelled, or at a budget): run again, with its work so far in the worktree.
  if (ended === undefined || ended.outcome === "cancelled" || ended.outcome === "budget_exceeded")
    return undefined;
  return {
    runId,
    taskId,
    outcome: ended.outcome,
    exitCode: ended.outcome === "ok" ? 0 : null,
    reason: `ended ${ended.outcome} before the run was interrupted`,
    ...(ended.usage === undefined ? {} : { usage: ended.usage }),
    permissionDenials: 0,
    startedAt: ended.at,
    endedAt: ended.at,
    durationMs: 0,
    transient: false,
  };
}
