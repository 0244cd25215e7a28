import { captureContext } from "@gadugi/error-handling";
import { ReviewSummary, type WorkflowPhase, type WorkflowState } from "@gadugi/interfaces";
import type { WorkflowDeps } from "./deps.js";
import { fileFailureIssue } from "./failure-issue.js";
import { changesRequestedReason } from "./phases/review-post.js";
import { flushTodo, type TaskRun } from "./task-run.js";

// How a task's workflow ends: its todo list written, its status journaled and logged, its state
// returned.

/**
 * Every phase is done: the task is `completed` — or `changes-requested` when the review's last
 * verdict still requested changes after its fix round (its work stays on the branch, unmerged),
 * unless workflow.mergeOnRequestChanges lets it merge all the same.
 */
export async function completeTask(deps: WorkflowDeps, run: TaskRun): Promise<WorkflowState> {
  const { task } = run;
  await flushTodo(deps, run, run.ctx.todo);
  const review = ReviewSummary.safeParse(run.records.get("review")?.data.review);
  if (review.success && review.data.changesRequested) {
    const reason = changesRequestedReason(review.data.fixRounds, review.data.rounds.at(-1)?.comments ?? "");
    if (!deps.options.config.workflow.mergeOnRequestChanges) {
      await deps.record({ type: "task.status", taskId: task.id, status: "changes-requested", reason });
      await run.ctx.log(`workflow of task ${task.id} ended changes-requested: ${reason}`);
      return deps.state.loadTask(deps.runId, task.id);
    }
    await run.ctx.warn(`task ${task.id}: ${reason}; merged anyway (workflow.mergeOnRequestChanges)`);
  }
  await deps.record({ type: "task.status", taskId: task.id, status: "completed" });
  await run.ctx.log(`workflow of task ${task.id} completed`);
  return deps.state.loadTask(deps.runId, task.id);
}

/**
 * A required phase failed (or, with `phase` undefined, the governance check refused the plan):
 * the task is `failed`. The error is journaled with its context; a governance failure is also
 * filed as the failure issue (a phase's was filed when it finished).
 */
export async function failTask(
  deps: WorkflowDeps,
  run: TaskRun,
  phase: WorkflowPhase | undefined,
  reason: string,
  error: unknown,
): Promise<WorkflowState> {
  const { task } = run;
  const message = phase === undefined ? reason : `${phase} failed: ${reason}`;
  if (error !== undefined) {
    const context = captureContext(
      error,
      {
        operation: phase === undefined ? "workflow governance check" : `workflow phase ${phase}`,
        runId: deps.runId,
        taskId: task.id,
        attempt: run.attempt,
        ...(phase === undefined ? {} : { phase }),
      },
      { now: deps.now },
    );
    await deps.record({ type: "error", context });
    if (phase === undefined) {
      const issue = await fileFailureIssue(deps, run, undefined, error);
      if (issue !== undefined) await run.ctx.log(`failure reported in issue #${issue.number}`);
    }
  }
  await flushTodo(deps, run, run.ctx.todo);
  await deps.record({ type: "task.status", taskId: task.id, status: "failed", reason: message });
  await run.ctx.log(`workflow of task ${task.id} failed: ${message}`);
  return deps.state.loadTask(deps.runId, task.id);
}

/**
 * Stopped at the run's or the task's budget: the task is `budget-exceeded` with `reason`. Its
 * agent's work so far was committed on the branch when the agent ended (phase-context.ts); a
 * resume with a higher budget continues from the phase that was stopped.
 */
export async function budgetTask(deps: WorkflowDeps, run: TaskRun, reason: string): Promise<WorkflowState> {
  await flushTodo(deps, run, run.ctx.todo);
  await deps.record({ type: "task.status", taskId: run.task.id, status: "budget-exceeded", reason });
  await run.ctx.log(`workflow of task ${run.task.id} stopped at the budget: ${reason}`);
  return deps.state.loadTask(deps.runId, run.task.id);
}

/** The signal was aborted: the task is `cancelled` with `reason`. */
export async function cancelTask(deps: WorkflowDeps, run: TaskRun, reason: string): Promise<WorkflowState> {
  await flushTodo(deps, run, run.ctx.todo);
  await deps.record({ type: "task.status", taskId: run.task.id, status: "cancelled", reason });
  await run.ctx.log(`workflow of task ${run.task.id} ${reason}`);
  return deps.state.loadTask(deps.runId, run.task.id);
}
