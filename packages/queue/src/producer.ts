import { GadugiError } from "@gadugi/error-handling";
import { type Job, Queue, QueueEvents } from "bullmq";
import { assertReachable, CONNECT_TIMEOUT_MS, redisClient } from "./connection.js";
import {
  type BudgetStop,
  type JobProgress,
  type JobResult,
  QUEUE_PREFIX,
  type QueueJobData,
  queueKeys,
} from "./keys.js";
import { maskSecretIn, parseQueueUrl, type QueueUrl, redisOptions } from "./url.js";

export interface TaskQueueOptions {
  /** Queue name (default `tasks`): orchestrator and workers must agree. */
  name?: string;
  connectTimeoutMs?: number;
  /** Told when Redis goes away and comes back while jobs are awaited (masked). */
  onWarning?: (message: string) => void;
}

/** How `submit` found the job: newly added, still in flight, or already finished and kept. */
export type SubmitOutcome = "added" | "attached" | "collected";

/** How an awaited job ended. */
export type JobEnd<R> =
  | { status: "completed"; result: JobResult<R> }
  | { status: "failed"; reason: string }
  | { status: "cancelled"; reason: string };

export interface WaitOptions {
  signal?: AbortSignal;
  /** Called when a worker takes the job, and again when another takes it over (a stalled job). */
  onStart?: (progress: JobProgress) => void;
  /** Called whenever the job's progress changes (what its handler reports). */
  onProgress?: (progress: JobProgress) => void;
  /** How long Redis may stay unreachable before GADUGI_QUEUE_LOST. Default 300 s. */
  lostAfterMs?: number;
  /** After the signal aborted: how long to wait for the worker to end the job cancelled. Default 15 s. */
  cancelGraceMs?: number;
  /** While Redis is unreachable: how often to look again. Default 200 ms. */
  pollMs?: number;
  /**
   * How often to look at the job although no event came (a safety net for an event lost to the
   * stream's trimming). Default 5 s.
   */
  recheckMs?: number;
}

/** What the queue's events say about one awaited job. */
type JobEvent<R> =
  | { kind: "completed"; result: JobResult<R> }
  | { kind: "failed"; reason: string }
  | { kind: "progress"; progress: unknown };

const IN_FLIGHT = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);
const KEEP_SEC = 7 * 24 * 3600;

/**
 * The orchestrator's side of the queue: enqueues task work under idempotent job ids, waits for
 * results (BullMQ's queue events, one connection for every awaited job, and one look at the job
 * after subscribing, so a job that ended earlier — while a restarted orchestrator was down — is
 * found; a Redis outage is noticed on the connection and waited out), and cancels jobs on the
 * workers that run them.
 */
export class TaskQueue<P, R> {
  readonly url: QueueUrl;
  readonly #queue: Queue;
  readonly #keys: ReturnType<typeof queueKeys>;
  readonly #publisher: ReturnType<typeof redisClient>;
  readonly #onWarning: (message: string) => void;
  #events: QueueEvents | undefined;
  /** Every awaited job's wake-up: called when the connection drops or comes back. */
  readonly #wakers = new Set<() => void>();

  private constructor(url: QueueUrl, options: TaskQueueOptions) {
    this.url = url;
    this.#keys = queueKeys(options.name);
    this.#onWarning = options.onWarning ?? (() => {});
    // Fail fast while Redis is away (BullMQ's advice for producers): polls fail and are retried.
    // The connection is ours (BullMQ leaves a given one open), so closing never waits for Redis.
    this.#publisher = redisClient(url, undefined, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    this.#queue = new Queue(this.#keys.name, { prefix: QUEUE_PREFIX, connection: this.#publisher });
    // Connection errors surface as failed looks at the job, which `wait` reports and waits out.
    this.#queue.on("error", () => {});
    const wakeAll = () => {
      for (const wake of this.#wakers) wake();
    };
    this.#publisher.on("close", wakeAll);
    this.#publisher.on("ready", wakeAll);
  }

  /** Opens the queue at `url`; Redis unreachable is GADUGI_QUEUE_UNREACHABLE (URL masked). */
  static async open<P, R>(url: string, options: TaskQueueOptions = {}): Promise<TaskQueue<P, R>> {
    const parsed = parseQueueUrl(url);
    await assertReachable(parsed, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    const queue = new TaskQueue<P, R>(parsed, options);
    await queue.#queue.waitUntilReady();
    await queue.#listen();
    return queue;
  }

  /**
   * Opens the queue's events (a blocking XREAD on a connection of its own, reconnecting by
   * itself) from the stream's last entry now, so no event after this moment is missed even before
   * the first read is issued.
   */
  async #listen(): Promise<void> {
    const last = (await this.#redis().xrevrange(this.#queue.toKey("events"), "+", "-", "COUNT", 1))[0];
    this.#events = new QueueEvents(this.#keys.name, {
      prefix: QUEUE_PREFIX,
      connection: {
        ...redisOptions(this.url),
        maxRetriesPerRequest: null,
        retryStrategy: (times: number) => Math.min(times * 200, 2000),
      },
      lastEventId: last?.[0] ?? "0-0",
    });
    // Its connection's trouble is the publisher's too, which `wait` reports.
    this.#events.on("error", () => {});
    await this.#events.waitUntilReady();
  }

  /**
   * Enqueues `data` as job `id` unless that job exists: one still in flight is attached to, one
   * that completed with a result `keep` accepts is collected; a failed one (or a result not kept)
   * is replaced by a fresh job under the same id.
   */
  async submit(
    id: string,
    data: Omit<QueueJobData<P>, "version" | "enqueuedAt">,
    keep: (result: JobResult<R>) => boolean = () => true,
  ): Promise<SubmitOutcome> {
    const existing = (await this.#queue.getJob(id)) as Job<QueueJobData<P>, JobResult<R>> | undefined;
    if (existing !== undefined) {
      const state = await existing.getState();
      if (IN_FLIGHT.has(state)) return "attached";
      if (state === "completed" && existing.returnvalue && keep(existing.returnvalue)) return "collected";
      await existing.remove();
    }
    await this.#redis().del(this.#keys.cancelJob(id));
    await this.#queue.add(
      "task-work",
      { version: 1, ...data, enqueuedAt: Date.now() },
      { jobId: id, attempts: 1, removeOnComplete: { age: KEEP_SEC }, removeOnFail: { age: KEEP_SEC } },
    );
    return "added";
  }

  /**
   * Waits for job `id` to end: its completed, failed and progress events, and one look at the job
   * right after subscribing (it may have ended before). The signal aborting cancels the job on its
   * worker.
   */
  async wait(id: string, options: WaitOptions = {}): Promise<JobEnd<R>> {
    const events = this.#events;
    if (events === undefined) throw new Error("TaskQueue.wait after close");
    const pollMs = options.pollMs ?? 200;
    const recheckMs = options.recheckMs ?? 5000;
    const lostAfterMs = options.lostAfterMs ?? 300_000;
    const cancelGraceMs = options.cancelGraceMs ?? 15_000;
    const onStart = progressTeller(options);
    const inbox: JobEvent<R>[] = [];
    let look = true;
    let wake: (() => void) | undefined;
    const notify = (andLook: boolean) => {
      look ||= andLook;
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    const unsubscribe = subscribeJob(events, id, inbox, notify);
    const onConnection = () => notify(true);
    const onAbort = () => notify(false);
    this.#wakers.add(onConnection);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const lost: { since?: number } = {};
    let cancelledAt: number | undefined;
    const back = () => {
      if (lost.since !== undefined) this.#onWarning(`the queue at ${this.url.masked} is reachable again`);
      delete lost.since;
    };
    try {
      for (;;) {
        if (options.signal?.aborted && cancelledAt === undefined) {
          cancelledAt = Date.now();
          await this.cancel(id).catch((error: unknown) =>
            this.#onWarning(`cancelling ${id}: ${this.#mask(error)}`),
          );
        }
        for (const event of inbox.splice(0)) {
          if (event.kind === "completed") {
            back();
            onStart({ worker: event.result.worker, startedAt: event.result.startedAt });
            return { status: "completed", result: event.result };
          }
          if (event.kind === "failed") {
            back();
            return { status: "failed", reason: event.reason || "the worker failed" };
          }
          if (isProgress(event.progress)) onStart(event.progress);
        }
        if (cancelledAt !== undefined && Date.now() - cancelledAt > cancelGraceMs) {
          return { status: "cancelled", reason: "cancelled; the worker did not confirm in time" };
        }
        if (look) {
          look = false;
          try {
            const end = await this.#poll(id, onStart);
            back();
            if (end !== undefined) return end;
          } catch (error) {
            this.#unreachable(error, lost, lostAfterMs);
          }
        }
        // Something came while this looked at the job: take it before sleeping.
        if (inbox.length > 0 || look || (options.signal?.aborted && cancelledAt === undefined)) continue;
        let delay = lost.since === undefined ? recheckMs : pollMs;
        if (cancelledAt !== undefined) delay = Math.min(delay, cancelledAt + cancelGraceMs + 1 - Date.now());
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => notify(true), Math.max(0, delay));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
      this.#wakers.delete(onConnection);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * A look at the job failed: a Redis outage is waited out (said once), and after `lostAfterMs`
   * it is GADUGI_QUEUE_LOST; a GadugiError is no outage and is thrown as it is.
   */
  #unreachable(error: unknown, lost: { since?: number }, lostAfterMs: number): void {
    if (error instanceof GadugiError) throw error;
    const now = Date.now();
    if (lost.since === undefined) {
      lost.since = now;
      this.#onWarning(
        `the queue at ${this.url.masked} is unreachable (${this.#mask(error)}); waiting for it`,
      );
    } else if (now - lost.since > lostAfterMs) {
      throw new GadugiError("GADUGI_QUEUE_LOST", {
        url: this.url.masked,
        seconds: Math.round(lostAfterMs / 1000),
      });
    }
  }

  /** One look at the job: its end, else undefined (telling `onStart` which worker has it). */
  async #poll(id: string, onStart: (progress: JobProgress) => void): Promise<JobEnd<R> | undefined> {
    const job = (await this.#queue.getJob(id)) as Job<QueueJobData<P>, JobResult<R>> | undefined;
    if (job === undefined) {
      if (await this.#redis().exists(this.#keys.cancelJob(id)))
        return { status: "cancelled", reason: "cancelled before a worker took it" };
      throw new GadugiError("GADUGI_QUEUE_JOB_FAILED", {
        jobId: id,
        reason: "the job is gone from the queue",
      });
    }
    const state = await job.getState();
    if (state === "completed") {
      const result = job.returnvalue;
      onStart({ worker: result.worker, startedAt: result.startedAt });
      return { status: "completed", result };
    }
    if (state === "failed") return { status: "failed", reason: job.failedReason || "the worker failed" };
    if (isProgress(job.progress)) onStart(job.progress);
    return undefined;
  }

  /**
   * Cancels job `id`: removed if no worker has it yet, else its worker aborts the task. With
   * `budget` (the run's budget was reached) the worker aborts it with GADUGI_BUDGET_EXCEEDED
   * instead: its agents are stopped gently and the task ends `budget-exceeded`, its work so far
   * pushed.
   */
  async cancel(id: string, options: { budget?: BudgetStop } = {}): Promise<void> {
    const stop = options.budget === undefined ? {} : { budget: options.budget };
    const value = options.budget === undefined ? "1" : JSON.stringify(stop);
    await this.#redis().set(this.#keys.cancelJob(id), value, "EX", KEEP_SEC);
    await this.#redis().publish(this.#keys.cancelChannel, JSON.stringify({ jobId: id, ...stop }));
    const job = await this.#queue.getJob(id);
    if (job !== undefined && ["waiting", "delayed", "prioritized"].includes(await job.getState())) {
      try {
        await job.remove();
      } catch (error) {
        // It became active meanwhile: its worker sees the cancel key. Anything else is real.
        if ((await job.getState()) !== "active") throw error;
      }
    }
  }

  /** Cancels every job of a run, also those enqueued later by a live orchestrator. */
  async cancelRun(runId: string): Promise<void> {
    await this.#redis().set(this.#keys.cancelRun(runId), "1", "EX", KEEP_SEC);
    await this.#redis().publish(this.#keys.cancelChannel, JSON.stringify({ runId }));
  }

  /** Lifts a run's cancellation (a resume runs its tasks again). */
  async clearRunCancel(runId: string): Promise<void> {
    await this.#redis().del(this.#keys.cancelRun(runId));
  }

  async close(): Promise<void> {
    const events = this.#events;
    this.#events = undefined;
    await events?.close();
    await this.#queue.close();
    this.#publisher.disconnect();
  }

  #redis() {
    return this.#publisher;
  }

  #mask(error: unknown): string {
    return maskSecretIn(error instanceof Error ? error.message : String(error), this.url);
  }
}

/** A worker's progress (`JobProgress`), not BullMQ's default number. */
function isProgress(progress: unknown): progress is JobProgress {
  return typeof progress === "object" && progress !== null && "worker" in progress;
}

/** `onStart` once per worker that takes the job (another one after a stall), `onProgress` on each change. */
function progressTeller(options: WaitOptions): (progress: JobProgress) => void {
  let workerId: string | undefined;
  let last: string | undefined;
  return (progress) => {
    if (progress.worker.id !== workerId) {
      workerId = progress.worker.id;
      options.onStart?.(progress);
    }
    const text = JSON.stringify(progress);
    if (text !== last) {
      last = text;
      options.onProgress?.(progress);
    }
  };
}

/**
 * Job `id`'s completed, failed and progress events into `inbox`, each waking the wait (a removal
 * too, with a look at the job); returns the unsubscribe.
 */
function subscribeJob<R>(
  events: QueueEvents,
  id: string,
  inbox: JobEvent<R>[],
  notify: (andLook: boolean) => void,
): () => void {
  const listeners: [string, (args: Record<string, unknown>) => void][] = [
    [`completed:${id}`, (a) => inbox.push({ kind: "completed", result: a.returnvalue as JobResult<R> })],
    [`failed:${id}`, (a) => inbox.push({ kind: "failed", reason: String(a.failedReason ?? "") })],
    [`progress:${id}`, (a) => inbox.push({ kind: "progress", progress: a.data })],
    [`removed:${id}`, () => {}],
  ];
  const handlers = listeners.map(([event, take]) => {
    const handler = (args: Record<string, unknown>) => {
      take(args);
      notify(event.startsWith("removed"));
    };
    events.on(event as "completed", handler as never);
    return [event, handler] as const;
  });
  return () => {
    for (const [event, handler] of handlers) events.off(event as "completed", handler as never);
  };
}
