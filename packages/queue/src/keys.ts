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
