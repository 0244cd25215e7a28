import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { GadugiError, RecoveryManager } from "@gadugi/error-handling";
import type { RunState } from "@gadugi/interfaces";
import { CheckpointManager, moveAside, statePaths, writeFileAtomic } from "@gadugi/state";
import type { ObservedStateManager } from "./session.js";

/**
 * Opens a run for writing; when neither state.json nor the journal can be read, the newest
 * checkpoint that restores cleanly becomes the state.
 */
export async function openForResume(
  state: ObservedStateManager,
  repoRoot: string,
  runId: string,
): Promise<RunState> {
  try {
    return await state.openRun(runId);
  } catch (error) {
    if (!GadugiError.is(error, "GADUGI_STATE_CORRUPT")) throw error;
  }
  const recovered = await new RecoveryManager(new CheckpointManager(repoRoot)).recoverLatest(runId);
  // The damaged journal is moved aside and a fresh one is seeded from the checkpoint, so the
  // journal alone can rebuild the run again.
  const paths = statePaths(repoRoot);
  if (existsSync(paths.journal(runId))) await moveAside(paths.journal(runId));
  await writeFileAtomic(
    paths.state(runId),
    `${JSON.stringify({ ...recovered.value, journalSeq: 0 }, null, 2)}\n`,
  );
  const run = await state.openRun(runId);
  await seedJournal(state, run);
  await state.record(runId, {
    type: "warning",
    message: `state and journal were unreadable; recovered from checkpoint ${recovered.checkpoint.id}${recovered.skipped.length ? ` (${recovered.skipped.length} newer checkpoints unusable)` : ""}`,
  });
  return state.loadRun(runId);
}

/** Journals a recovered run's state as events, in the order a run would have journaled them. */
async function seedJournal(state: ObservedStateManager, run: RunState): Promise<void> {
  const { runId } = run;
  await state.record(runId, {
    type: "run.started",
    repoRoot: run.repoRoot,
    promptFiles: run.promptFiles,
    owner: { pid: process.pid, host: hostname() },
    ...(run.baseRef ? { baseRef: run.baseRef } : {}),
    ...(run.baseCommit ? { baseCommit: run.baseCommit } : {}),
    ...(run.integrationBranch ? { integrationBranch: run.integrationBranch } : {}),
  });
  if (run.settings) await state.record(runId, { type: "run.settings", settings: run.settings });
  for (const id of run.taskIds) {
    const definition = run.definitions[id];
    if (definition) await state.record(runId, { type: "task.added", task: definition });
    const task = run.tasks[id];
    if (task) {
      const { runId: _r, taskId: _t, updatedAt: _u, ...patch } = task;
      await state.record(runId, { type: "task.updated", taskId: id, patch });
    }
    for (const { at: _at, ...agentRun } of run.agentRuns[id] ?? []) {
      await state.record(runId, { type: "agent.run", taskId: id, ...agentRun });
    }
    const merge = run.merges[id];
    if (merge) {
      const { at: _at, ...result } = merge;
      await state.record(runId, { type: "merge.result", taskId: id, ...result });
    }
  }
}
