import { ProcessRegistry } from "@gadugi/execution-monitor";
import type { Env } from "@gadugi/git";
import type { GadugiConfig } from "@gadugi/interfaces";
import { WorktreeManager } from "@gadugi/worktree-manager";
import { recordOf, type Session } from "./session.js";

/** The worktree manager of a run's repository and config. */
export function worktreeManager(repoRoot: string, config: GadugiConfig, env: Env): WorktreeManager {
  return new WorktreeManager({
    repoRoot,
    dir: config.worktreeDir,
    branchPrefix: config.branchPrefix,
    env,
  });
}

/**
 * The cleanup stage: removes the run's worktrees (uncommitted work committed to the task branch
 * first; branches kept) and journals a warning for each worktree whose work had to be saved.
 */
export async function cleanupWorktrees(session: Session, worktrees: WorktreeManager): Promise<void> {
  const record = recordOf(session);
  const cleanup = await worktrees.cleanup({ runId: session.runId });
  for (const entry of cleanup.entries) {
    if (entry.savedWork) {
      await record({
        type: "warning",
        taskId: entry.taskId,
        message: `uncommitted work of ${entry.taskId} saved (${entry.savedWork.mode}) before its worktree was removed`,
      });
    }
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
