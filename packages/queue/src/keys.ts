import { GadugiError } from "@gadugi/error-handling";

/** BullMQ's key prefix for Gadugi's queues. */
export const QUEUE_PREFIX = "gadugi";
/** The default queue every orchestrator and worker uses. */
export const DEFAULT_QUEUE_NAME = "tasks";

/** Where a job's, a worker's or a cancellation's keys live, for one queue. */
export function queueKeys(name = DEFAULT_QUEUE_NAME) {
  if (name === "" || name.includes(":")) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "queue name",
      value: name,
      expected: "a non-empty name without ':'",
    });
  }
  const base = `${QUEUE_PREFIX}:${name}`;
  return {
    name,
    worker: (id: string) => `${base}:workers:${id}`,
    workerPattern: `${base}:workers:*`,
    cancelJob: (jobId: string) => `${base}:cancel:job:${jobId}`,
    cancelRun: (runId: string) => `${base}:cancel:run:${runId}`,
    cancelChannel: `${base}:cancel`,
  };
}

/**
 * The job id of one attempt of a task: `<run>:<task>:<attempt>`. The same attempt always gets the
 * same id, so enqueueing it again (after a crash of the orchestrator) finds the job instead of
 * running the task twice. `attempt` is the scheduler's attempt, with a suffix for a conflict
 * re-run (`2r1`).
 */
export function jobId(runId: string, taskId: string, attempt: number | string): string {
  for (const [name, value] of [
    ["run id", runId],
    ["task id", taskId],
    ["attempt", String(attempt)],
  ] as const) {
    if (value === "" || value.includes(":")) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name,
        value,
        expected: "a non-empty id without ':'",
      });
    }
  }
  return `${runId}:${taskId}:${attempt}`;
}

/** Why a job is stopped at the run's budget: the budget and the spend, as text (`$5.00`). */
export interface BudgetStop {
  limit: string;
  spent: string;
}

/**
 * What a job's cancellation asks of its worker: the reason to abort the task with. A budget stop
 * is GADUGI_BUDGET_EXCEEDED, which stops the agents gently and ends the task `budget-exceeded`.
 */
export function cancelReason(stop: { budget?: BudgetStop } | undefined): Error {
  if (stop?.budget === undefined) return new Error("the job was cancelled");
  return new GadugiError("GADUGI_BUDGET_EXCEEDED", { scope: "run", ...stop.budget });
}

/** The stop a job's cancel key holds ("1" for a plain cancel, else JSON). */
export function parseCancel(value: string | null | undefined): { budget?: BudgetStop } | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as { budget?: Partial<BudgetStop> };
    const budget = parsed?.budget;
    if (typeof budget?.limit === "string" && typeof budget.spent === "string") {
      return { budget: { limit: budget.limit, spent: budget.spent } };
    }
  } catch {
    // "1": a plain cancel.
  }
  return {};
}

/** One job as both sides see it: which task of which run, and the task's own JSON input. */
export interface QueueJobData<P> {
  version: 1;
  runId: string;
  taskId: string;
  /** A name for people (`gadugi workers`), e.g. the task's slug. */
  label?: string;
  payload: P;
  /** Epoch ms the orchestrator enqueued it. */
  enqueuedAt: number;
}

/** Which worker runs (or ran) a job. */
export interface WorkerRef {
  id: string;
  host: string;
  pid: number;
}

/** What a worker writes as the job's progress the moment it takes the job. */
export interface JobProgress {
  worker: WorkerRef;
  startedAt: number;
  /** What the handler reported last (`JobContext.progress`), e.g. `{ phase: "testing" }`. */
  [detail: string]: unknown;
}

/** A finished job's return value: the handler's result and where and when it ran. */
export interface JobResult<R> {
  version: 1;
  worker: WorkerRef;
  startedAt: number;
  finishedAt: number;
  value: R;
}
