import { AsyncLocalStorage } from "node:async_hooks";
import { GadugiError } from "@gadugi/error-handling";
import { WORKFLOW_PHASES, type WorkflowPhase } from "@gadugi/interfaces";
import type { AgentRunner, Phase } from "./types.js";

/** Which task and phase the code running now belongs to; set only by WorkflowManager.runTask. */
export interface WorkflowScope {
  runId: string;
  taskId: string;
  phase: WorkflowPhase;
}

/** Phases that may start an agent. */
export const AGENT_PHASES: ReadonlySet<WorkflowPhase> = new Set([
  "implementation",
  "testing",
  "documentation",
  "review",
]);

const storage = new AsyncLocalStorage<WorkflowScope>();
const ORDER = new Map<string, number>(WORKFLOW_PHASES.map((phase, i) => [phase, i]));

/** Runs `fn` as part of a task's phase (WorkflowManager only). */
export function runInWorkflowScope<T>(scope: WorkflowScope, fn: () => Promise<T>): Promise<T> {
  return storage.run({ ...scope }, fn);
}

/** The task and phase of the WorkflowManager that is running the current code, if any. */
export function currentWorkflowScope(): WorkflowScope | undefined {
  const scope = storage.getStore();
  return scope === undefined ? undefined : { ...scope };
}

/** A GADUGI_GOVERNANCE error for `taskId`. */
export function governanceError(taskId: string, reason: string): GadugiError<"GADUGI_GOVERNANCE"> {
  return new GadugiError("GADUGI_GOVERNANCE", { taskId, reason });
}

/**
 * Throws GADUGI_GOVERNANCE unless the caller runs inside a phase of `taskId`'s WorkflowManager:
 * the seed's rule that the orchestrator never executes a task directly.
 */
export function assertWorkflowScope(taskId: string, runId?: string): WorkflowScope {
  const scope = storage.getStore();
  if (scope === undefined) {
    throw governanceError(
      taskId,
      "direct execution: the task was executed outside a WorkflowManager (no workflow phase is running); run it with WorkflowManager.runTask",
    );
  }
  if (scope.taskId !== taskId || (runId !== undefined && scope.runId !== runId)) {
    throw governanceError(
      taskId,
      `direct execution: it was executed from the workflow of task ${scope.taskId} (run ${scope.runId}), not its own`,
    );
  }
  return { ...scope };
}

/**
 * Wraps an agent runner so that it only runs inside the WorkflowManager's phases that use agents
 * (implementation, testing, documentation, review) of the request's own task. Anything else — an
 * orchestrator calling the agent directly — is refused with GADUGI_GOVERNANCE. The orchestrator
 * hands only the governed runner around; the WorkflowManager governs the runner it is given too.
 */
export function governAgentRunner(runner: AgentRunner): AgentRunner {
  return async (request, options) => {
    const scope = assertWorkflowScope(request.taskId, request.runId);
    if (!AGENT_PHASES.has(scope.phase)) {
      throw governanceError(
        request.taskId,
        `the ${scope.phase} phase may not run an agent (only ${[...AGENT_PHASES].join(", ")} do)`,
      );
    }
    return runner(request, options);
  };
}

/**
 * Everything wrong with a plan, as sentences: unknown or repeated phases, phases out of workflow
 * order, and required phases that are missing. Empty when the plan is valid.
 */
export function findPlanViolations(
  phases: readonly (string | Pick<Phase, "name">)[],
  requiredPhases: readonly WorkflowPhase[] = WORKFLOW_PHASES,
): string[] {
  const names = phases.map((p) => (typeof p === "string" ? p : p.name));
  const violations: string[] = [];
  const unknown = names.filter((n) => !ORDER.has(n));
  if (unknown.length > 0) {
    violations.push(`unknown phase(s) ${unknown.join(", ")} (the phases are ${WORKFLOW_PHASES.join(", ")})`);
  }
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  if (repeated.size > 0) violations.push(`phase(s) listed more than once: ${[...repeated].join(", ")}`);
  const known = names.filter((n) => ORDER.has(n));
  for (let i = 1; i < known.length; i++) {
    const before = known[i - 1]!;
    const after = known[i]!;
    if ((ORDER.get(after) ?? 0) < (ORDER.get(before) ?? 0)) {
      violations.push(
        `${after} comes after ${before}, but the workflow order is ${WORKFLOW_PHASES.join(" → ")}`,
      );
      break;
    }
  }
  const missing = requiredPhases.filter((p) => !seen.has(p));
  if (missing.length > 0) {
    violations.push(`the plan is missing required phase(s) ${missing.join(", ")} (workflow.requiredPhases)`);
  }
  return violations;
}

/**
 * Governance check run before a task starts: its plan must hold every required phase
 * (`workflow.requiredPhases`, all eight by default), each once, in workflow order.
 *
 * @throws GADUGI_GOVERNANCE naming every violation.
 */
export function validateWorkflowPlan(
  task: { id: string },
  phases: readonly (string | Pick<Phase, "name">)[],
  requiredPhases: readonly WorkflowPhase[] = WORKFLOW_PHASES,
): void {
  const violations = findPlanViolations(phases, requiredPhases);
  if (violations.length > 0) throw governanceError(task.id, violations.join("; "));
}
