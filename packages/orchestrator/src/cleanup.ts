import { ProcessRegistry } from "@gadugi/execution-monitor";
import type { Env } from "@gadugi/git";
import type { GadugiConfig } from "@gadugi/interfaces";
import { type CleanupEntry, WorktreeManager } from "@gadugi/worktree-manager";
import { recordOf, type Session } from "./session.js";

/** The worktree manager of a run's repository and config. */
export function worktreeManager(repoRoot: string, config: GadugiConfig, env: Env): WorktreeManager {
  return new WorktreeManager({
    repoRoot,
    dir: config.worktreeDir,
    branchPrefix: config.branchPrefix,
    env,
    pool: config.worktreePool,
  });
}

/**
 * The cleanup stage: the run's worktrees go into the worktree pool for the next run's tasks, or
 * are removed once it is full (uncommitted work committed to the task branch first; branches
 * kept); a warning is journaled for each worktree whose work had to be saved or that could not
 * be released.
 */
export async function cleanupWorktrees(session: Session, worktrees: WorktreeManager): Promise<void> {
  const { entries } = await worktrees.releaseRun(session.runId);
  for (const entry of entries) await journalRelease(session, entry);
}

/**
 * A task is done with its worktree (its work completed and merged): it goes into the pool at
 * once, so a queued task takes it up instead of making a new checkout. A failure is a warning;
 * the end of the run tries again.
 */
export async function releaseTaskWorktree(
  session: Pick<Session, "state" | "runId">,
  worktrees: WorktreeManager,
  taskId: string,
): Promise<void> {
  if ((await worktrees.get(session.runId, taskId))?.status !== "active") return;
  await journalRelease(session, await worktrees.release(session.runId, taskId));
}

async function journalRelease(session: Pick<Session, "state" | "runId">, entry: CleanupEntry): Promise<void> {
  const record = recordOf(session);
  const gone = entry.action === "pooled" ? "was pooled" : "was removed";
  if (entry.savedWork) {
    await record({
      type: "warning",
      taskId: entry.taskId,
      message: `uncommitted work of ${entry.taskId} saved (${entry.savedWork.mode}) before its worktree ${gone}`,
    });
  }
  // Skipped (locked by the user, in use by another process, not marked as ours): left in place,
  // which the user should hear about as much as a failure.
  if (entry.action === "failed" || entry.action === "skipped") {
    await record({
      type: "warning",
      taskId: entry.taskId,
      message: `worktree of ${entry.taskId} (${entry.path}) not released: ${entry.reason ?? "unknown error"}`,
    });
  }
}

/**
 * Kills the process groups of a run's registered processes (agents, setup commands and installs,
 * tests, review, integration tests) that still run although their orchestrator is gone: they lead
 * their own groups, so they outlive it, and only its in-process exit hook (which a kill -9 never
 * runs) would have killed them. A pid that now belongs to another process (its start time differs)
 * is left alone and marked lost; see ProcessRegistry.stop. Returns the pids killed.
 */
export async function stopLeftoverProcesses(runDir: string, runId: string): Promise<number[]> {
  const registry = await ProcessRegistry.open(runDir, { runId });
  try {
    return (await registry.stop()).killed.map((r) => r.pid);
  } finally {
    await registry.close();
  }
}
