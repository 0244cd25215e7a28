import { hostname } from "node:os";
import { join } from "node:path";
import type { RunStatus } from "@gadugi/interfaces";
import { isLockHolderAlive, readLock, WorkflowStateManager } from "@gadugi/state";
import { stopLeftoverProcesses } from "./cleanup.js";
import { runFiles } from "./session.js";

export interface CancelResult {
  signalled?: number;
  killed?: number[];
  status: RunStatus;
}

/**
 * Stops a run: its live orchestrator gets SIGTERM (it cancels every task, kills their process
 * groups and records the run); a run whose orchestrator is gone is marked cancelled here. Either
 * way every registered process of the run still running afterwards (agents, setup, tests,
 * review, integration tests) has its group killed (`killed`: their pids). The orchestrator and
 * every process are signalled only if their pid still is the recorded process (same start
 * time, where `/proc` tells it): a pid reused by another process is left alone.
 */
export async function cancelRun(
  repoRoot: string,
  runId: string,
  options: { waitMs?: number; now: () => number },
): Promise<CancelResult> {
  const runDir = runFiles(repoRoot, runId).dir;
  const lockPath = join(runDir, "lock");
  const lock = await readLock(lockPath);
  if (lock && lock.host === hostname() && isLockHolderAlive(lock) && lock.pid !== process.pid) {
    process.kill(lock.pid, "SIGTERM");
    const deadline = options.now() + (options.waitMs ?? 30_000);
    while (
      options.now() < deadline &&
      isLockHolderAlive(lock) &&
      (await readLock(lockPath))?.pid === lock.pid
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // What its shutdown did not stop (it hung, or died before reaching its children).
    const killed = await stopLeftoverProcesses(runDir, runId);
    const after = await new WorkflowStateManager(repoRoot).loadRun(runId);
    return { signalled: lock.pid, ...(killed.length ? { killed } : {}), status: after.status };
  }
  const state = new WorkflowStateManager(repoRoot);
  const run = await state.openRun(runId);
  try {
    // The lock is ours now, so nothing the run started should still run, whatever its status.
    const killed = await stopLeftoverProcesses(runDir, runId);
    if (run.status !== "running") return { ...(killed.length ? { killed } : {}), status: run.status };
    for (const id of run.taskIds) {
      const status = run.tasks[id]?.status;
      if (status === "pending" || status === "queued" || status === "running") {
        await state.record(runId, {
          type: "task.status",
          taskId: id,
          status: "cancelled",
          reason: "run cancelled",
        });
      }
    }
    await state.record(runId, { type: "run.finished", status: "cancelled" });
    return { ...(killed.length ? { killed } : {}), status: "cancelled" };
  } finally {
    await state.close();
  }
}
