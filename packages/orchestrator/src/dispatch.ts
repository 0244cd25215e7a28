import { join } from "node:path";
import { describeErrorWithHint, toGadugiError } from "@gadugi/error-handling";
import {
  LocalExecutor,
  ProcessRegistry,
  ResourceGovernor,
  registeringRunner,
  Scheduler,
  type SchedulerEvent,
  type SchedulerResult,
  type TaskSlot,
} from "@gadugi/execution-monitor";
import type { ProcessRunner } from "@gadugi/git";
import type { RunState } from "@gadugi/interfaces";
import { CheckpointManager } from "@gadugi/state";
import type { RunBudgetGuard } from "./budget.js";
import { estimateDurations } from "./estimates.js";
import { recordOf, runFiles, type Session } from "./session.js";
import type { TaskAttemptOutcome } from "./task-work.js";

/**
 * The dispatch stage: the DAG scheduler over the tasks still to do, each attempt run by the
 * `attempt` the engine composes (task work, then integrate), a checkpoint after each, under the
 * resource governor and circuit breaker. Returns the scheduler's result.
 */
export type TaskAttempt = (
  input: { taskId: string; attempt: number },
  signal: AbortSignal,
  /** The task's slot among the run's --max-parallel: released once its agents are done. */
  slot: TaskSlot,
) => Promise<TaskAttemptOutcome>;

/** A slot that is no slot: for an executor called without a scheduler. */
const NO_SLOT: TaskSlot = { release: () => undefined, reacquire: async () => undefined };

export interface RunProcesses {
  registry: ProcessRegistry;
  /** The runner that registers what it starts in the run's registry. */
  runner: ProcessRunner;
}

/**
 * The run's process registry, and a runner over `base` that registers in it: setup commands,
 * installs, tests, review and integration tests go into the registry too, so cancel and resume
 * find them after a kill -9 of this process (git calls are not registered).
 */
export async function openRunProcesses(session: Session, base: ProcessRunner): Promise<RunProcesses> {
  const dir = runFiles(session.repoRoot, session.runId).dir;
  const registryWarning = (error: unknown) => {
    const message = `process registry (${join(dir, "processes.json")}) not updated: ${describeErrorWithHint(error)}`;
    if (!session.warnings.includes(message)) session.warnings.push(message);
  };
  const registry = await ProcessRegistry.open(dir, { runId: session.runId, onWriteError: registryWarning });
  return { registry, runner: registeringRunner(registry, { runner: base, onError: registryWarning }) };
}

/** Tasks a resumed run need not run again: completed, and merged (or skipped) when integrating. */
export function finishedTasks(session: Session, previous: RunState | undefined): Set<string> {
  const done = new Set<string>();
  for (const task of session.plan.tasks) {
    const merged = previous?.merges[task.id];
    const finished = previous?.tasks[task.id]?.status === "completed";
    if (
      finished &&
      (session.integration === undefined || merged?.status === "merged" || merged?.status === "skipped")
    ) {
      done.add(task.id);
    }
  }
  return done;
}

export async function dispatch(
  session: Session,
  done: Set<string>,
  attempt: TaskAttempt,
  options: { remoteWork?: boolean; budget?: RunBudgetGuard } = {},
): Promise<SchedulerResult> {
  const { config, plan } = session;
  const checkpoint = checkpointer(session);
  const executor = new LocalExecutor(async (input, { signal, slot }) => {
    let outcome: TaskAttemptOutcome;
    try {
      outcome = await attempt(input, signal, slot ?? NO_SLOT);
    } catch (error) {
      // Something outside the workflow failed (git, a merge, the journal): the task fails
      // with the reason, so its state does not stay "running".
      const reason = describeErrorWithHint(error);
      // When the journal itself is what failed, this write fails too: counted, said in the report.
      session.background.add(failTask(session, input.taskId, reason));
      outcome = { status: "failed", reason };
    }
    await checkpoint(input.taskId);
    return outcome;
  });
  // Work on queue workers loads their hosts, not this one: each worker keeps its own healthy.
  const governor = new ResourceGovernor({
    max: session.maxParallel,
    minFreeMemoryMb: options.remoteWork ? 0 : config.resources.minFreeMemoryMb,
    maxLoadPerCore: options.remoteWork ? Number.POSITIVE_INFINITY : config.resources.maxLoadPerCore,
  });
  const scheduler = new Scheduler({
    runId: session.runId,
    executor,
    maxParallel: session.maxParallel,
    retry: config.retry,
    breaker: { failureThreshold: config.circuitBreaker.failureThreshold, name: "task execution" },
    governor,
    signal: session.signal,
    onEvent: (event) => schedulerEvent(session, event),
    ...(options.budget ? { admit: () => options.budget?.admit() } : {}),
  });
  options.budget?.bind(scheduler);
  const pending = plan.tasks.filter((t) => !done.has(t.id));
  const estimates = await estimateDurations(join(session.repoRoot, ".gadugi", "history.json"), pending);
  return scheduler.run(
    pending.map((t) => ({
      id: t.id,
      dependencies: t.dependencies.filter((d) => !done.has(d)),
      ...(estimates
        ? { estimatedMs: estimates.get(t.id) as number }
        : { weight: t.complexity === "high" ? 3 : t.complexity === "medium" ? 2 : 1 }),
    })),
  );
}

/**
 * Journals a task that failed outside its workflow: `merge-failed` when its work had completed
 * (its merge is what threw), else `failed`.
 */
async function failTask(session: Session, taskId: string, reason: string): Promise<void> {
  const current = await session.state.readRun(session.runId, (state) => state.tasks[taskId]?.status);
  const status = current === "completed" || current === "merge-failed" ? "merge-failed" : "failed";
  await recordOf(session)({ type: "task.status", taskId, status, reason });
}

/** A snapshot after every finished task: the last line of defence if state and journal are lost. */
function checkpointer(session: Session): (taskId: string) => Promise<void> {
  const record = recordOf(session);
  const checkpoints = new CheckpointManager(session.repoRoot, { keep: 10 });
  return async (taskId) => {
    try {
      // The live state, serialized before create first waits (no copy of the whole run per task).
      const info = await session.state.readRun(session.runId, (state) =>
        checkpoints.create(session.runId, `after ${taskId}`, state),
      );
      await record({ type: "checkpoint.created", checkpointId: info.id, label: info.label });
    } catch (error) {
      await record({
        type: "warning",
        taskId,
        message: `checkpoint not written: ${toGadugiError(error).message}`,
      });
    }
  };
}

function schedulerEvent(session: Session, event: SchedulerEvent): void {
  // The WorkflowManager journals running/completed/failed/cancelled of the tasks it runs;
  // the scheduler's own word is journaled for what it alone decides.
  if (event.type === "task.status" && (event.status === "running" || event.status === "completed")) return;
  if (event.type === "task.status" && (event.status === "failed" || event.status === "budget-exceeded"))
    return;
  session.background.add(session.state.record(session.runId, event));
}
