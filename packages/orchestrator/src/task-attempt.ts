import type { WorkflowState } from "@gadugi/interfaces";
import type { WorktreeManager } from "@gadugi/worktree-manager";
import type { RunBudgetGuard } from "./budget.js";
import { releaseTaskWorktree } from "./cleanup.js";
import type { TaskAttempt } from "./dispatch.js";
import { integrateTask } from "./integrate.js";
import type { RuleMerger } from "./merge-by-rules.js";
import type { Session } from "./session.js";
import { restartInput, type TaskWorker, taskWorkInput, workOutcome } from "./task-work.js";

export interface TaskAttemptDeps {
  /** Runs a task's work: in this process, or as a job for queue workers. */
  work: TaskWorker;
  worktrees: WorktreeManager;
  rules: RuleMerger | undefined;
  /** Task states of a resumed run, used (and dropped) by each task's first attempt. */
  resumeStates: Map<string, WorkflowState>;
  /** The run's budget: counts the task as running (its expected spend is committed) until it ends. */
  budget?: RunBudgetGuard;
}

/**
 * One attempt of a task as the dispatch stage runs it: its work, then (when it completed) its
 * worktree into the pool and its merge. Slots are for agents: the merge and the checkpoint after
 * it run beside the next task, and a conflict re-run takes a slot again before its agent starts.
 */
export function taskAttempt(session: Session, deps: TaskAttemptDeps): TaskAttempt {
  const { work, worktrees, rules, resumeStates } = deps;
  return async (input, signal, slot) => {
    const ended = deps.budget?.taskStarted(input.taskId);
    try {
      return await attemptOnce(input, signal, slot);
    } finally {
      ended?.();
    }
  };

  async function attemptOnce(
    input: Parameters<TaskAttempt>[0],
    signal: AbortSignal,
    slot: Parameters<TaskAttempt>[2],
  ): ReturnType<TaskAttempt> {
    const workInput = await taskWorkInput(session, input, resumeStates);
    const result = await work(workInput, signal, { attempt: input.attempt });
    resumeStates.delete(input.taskId);
    if (result.status !== "completed") return workOutcome(result);
    // The merge needs no working tree (merge-tree on the branches), so unless a conflict can
    // re-run the task in it, the worktree goes into the pool first: the task that takes this
    // slot then finds it there instead of making a new checkout.
    const rerunPossible = session.integration !== undefined && session.config.integration.resolveConflicts;
    const pool = !session.keepWorktrees;
    if (pool && !rerunPossible) await releaseTaskWorktree(session, worktrees, input.taskId);
    // Otherwise it follows the merge, and the next task's setup waits for it (briefly).
    const released = pool && rerunPossible ? worktrees.releaseDue() : () => undefined;
    slot.release();
    const rerun = async (restart: { startPoint: string; reason: string }) => {
      await slot.reacquire();
      try {
        return await work(restartInput(workInput, result.state, restart), signal, {
          attempt: input.attempt,
          rerun: 1,
        });
      } finally {
        slot.release();
      }
    };
    try {
      const merged = await integrateTask(session, result, signal, rerun, rules);
      if (pool && rerunPossible) await releaseTaskWorktree(session, worktrees, input.taskId);
      return merged;
    } finally {
      released();
    }
  }
}
