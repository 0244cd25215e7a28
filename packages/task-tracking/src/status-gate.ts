import { GadugiError } from "@gadugi/error-handling";
import type { RunEventInput, RunState } from "@gadugi/interfaces";
import { assertTransition } from "./task-tracker.js";

/**
 * Holds a run's journal to the status machine: pass it as `checkEvent` to @gadugi/state's
 * WorkflowStateManager and a `task.status` event the table does not allow is rejected before it
 * is written (GADUGI_ILLEGAL_TRANSITION), so an illegal move is a bug a test sees, never a silent
 * state. Saying a task's status again (two parts of a run both saying `cancelled`) changes
 * nothing and is let through, except `running`: entering it again would count another attempt.
 */
export function checkTaskStatusEvent(state: Readonly<RunState>, input: RunEventInput): void {
  if (input.type !== "task.status") return;
  const task = state.tasks[input.taskId];
  if (task === undefined) {
    throw new GadugiError("GADUGI_ILLEGAL_TRANSITION", {
      taskId: input.taskId,
      from: "(not a task of the run)",
      to: input.status,
    });
  }
  if (task.status === input.status && input.status !== "running") return;
  assertTransition(input.taskId, task.status, input.status);
}
