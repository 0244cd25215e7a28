import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { GadugiError, RecoveryManager } from "@gadugi/error-handling";
import type { RunState } from "@gadugi/interfaces";
import { moveAside, writeFileAtomic } from "./atomic.js";
import { CheckpointManager } from "./checkpoints.js";
import { statePaths } from "./paths.js";
import type { WorkflowStateManager } from "./workflow-state-manager.js";

/**
 * Opens a run for writing (its lock taken); when neither state.json nor the journal can be read,
 * the newest checkpoint that restores cleanly becomes the state, the damaged journal is moved
 * aside and a fresh one is seeded from the checkpoint — so the journal alone can rebuild the run
 * again — and a warning says so.
 */
export async function openRunOrRecover(manager: WorkflowStateManager, runId: string): Promise<RunState> {
  try {
    return await manager.openRun(runId);
  } catch (error) {
    if (!GadugiError.is(error, "GADUGI_STATE_CORRUPT")) throw error;
  }
  const repoRoot = manager.repoRoot;
  const recovered = await new RecoveryManager(new CheckpointManager(repoRoot)).recoverLatest(runId);
  const paths = statePaths(repoRoot);
  if (existsSync(paths.journal(runId))) await moveAside(paths.journal(runId));
  // The journal rebuilds what is appended (agent runs): it starts from the checkpoint without them.
  const checkpoint: RunState = recovered.value;
  await writeFileAtomic(
    paths.state(runId),
    `${JSON.stringify({ ...checkpoint, agentRuns: {}, journalSeq: 0 }, null, 2)}\n`,
  );
  await manager.openRun(runId);
  await seedJournal(manager, checkpoint);
  await manager.record(runId, {
    type: "warning",
    message: `state and journal were unreadable; recovered from checkpoint ${recovered.checkpoint.id}${recovered.skipped.length ? ` (${recovered.skipped.length} newer checkpoints unusable)` : ""}`,
  });
  return manager.loadRun(runId);
}

/** Journals a recovered run's state as events, in the order a run would have journaled them. */
async function seedJournal(manager: WorkflowStateManager, run: RunState): Promise<void> {
  const { runId } = run;
  await manager.record(runId, {
    type: "run.started",
    repoRoot: run.repoRoot,
    promptFiles: run.promptFiles,
    owner: { pid: process.pid, host: hostname() },
    ...(run.baseRef ? { baseRef: run.baseRef } : {}),
    ...(run.baseCommit ? { baseCommit: run.baseCommit } : {}),
    ...(run.integrationBranch ? { integrationBranch: run.integrationBranch } : {}),
  });
  if (run.settings) await manager.record(runId, { type: "run.settings", settings: run.settings });
  for (const id of run.taskIds) {
    const definition = run.definitions[id];
    if (definition) await manager.record(runId, { type: "task.added", task: definition });
    const task = run.tasks[id];
    if (task) {
      const { runId: _r, taskId: _t, updatedAt: _u, ...patch } = task;
      await manager.record(runId, { type: "task.updated", taskId: id, patch });
    }
    for (const { at: _at, ...agentRun } of run.agentRuns[id] ?? []) {
      await manager.record(runId, { type: "agent.run", taskId: id, ...agentRun });
    }
    const merge = run.merges[id];
    if (merge) {
      const { at: _at, ...result } = merge;
      await manager.record(runId, { type: "merge.result", taskId: id, ...result });
    }
  }
}
