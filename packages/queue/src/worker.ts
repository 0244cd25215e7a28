import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Job, Worker } from "bullmq";
import { assertReachable, CONNECT_TIMEOUT_MS, redisClient } from "./connection.js";
import {
  type BudgetStop,
  cancelReason,
  type JobProgress,
  type JobResult,
  parseCancel,
  QUEUE_PREFIX,
  type QueueJobData,
  queueKeys,
  type WorkerRef,
} from "./keys.js";
import { type WorkerInfo, WorkerRegistry } from "./registry.js";
import { maskSecretIn, parseQueueUrl, type QueueUrl, redisOptions } from "./url.js";

/** What a job's handler gets besides its payload. */
export interface JobContext {
  jobId: string;
  runId: string;
  taskId: string;
  /** Aborted when the job is cancelled (`TaskQueue.cancel` / `cancelRun`) or the worker stops now. */
  signal: AbortSignal;
  worker: WorkerRef;
  /** Adds `detail` to the job's progress (e.g. the phase running), for the orchestrator to see. */
  progress: (detail: Record<string, unknown>) => Promise<void>;
}

export type JobHandler<P, R> = (payload: P, context: JobContext) => Promise<R>;

export interface QueueWorkerOptions<P, R> {
  url: string;
  handler: JobHandler<P, R>;
  /** Jobs run at the same time. Default 1. */
  concurrency?: number;
  name?: string;
  /**
   * How long a job's lock lasts without renewal (renewed every half of it while the job runs): a
   * worker killed mid-job loses its jobs this long after, and another worker runs them. Default 30 s.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs. Default 15 s. */
  stalledIntervalMs?: number;
  /** How often the worker's registry entry is refreshed. Default 5 s, or half the lock duration. */
  heartbeatMs?: number;
  connectTimeoutMs?: number;
  /** Worker events worth a line (job taken, finished, cancelled, connection trouble; masked). */
  onLog?: (message: string) => void;
}

interface Active {
  controller: AbortController;
  runId: string;
  taskId: string;
  label?: string;
  startedAt: number;
}

/**
 * A long-running worker: takes task-work jobs from the queue (up to `concurrency` at once), runs
 * the handler with a signal that cancellation reaches, completes each job with the handler's
 * result, and keeps a heartbeat entry (host, pid, concurrency, current tasks) in Redis.
 */
export class QueueWorker<P, R> {
  readonly ref: WorkerRef;
  readonly url: QueueUrl;
  readonly concurrency: number;
  readonly #active = new Map<string, Active>();
  readonly #keys: ReturnType<typeof queueKeys>;
  readonly #options: QueueWorkerOptions<P, R>;
  readonly #log: (message: string) => void;
  readonly #startedAt = Date.now();
  #worker: Worker | undefined;
  #subscriber: ReturnType<typeof redisClient> | undefined;
  #registry: WorkerRegistry | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(url: QueueUrl, options: QueueWorkerOptions<P, R>) {
    this.url = url;
    this.#options = options;
    this.#keys = queueKeys(options.name);
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.#log = options.onLog ?? (() => {});
    this.ref = {
      id: `${hostname()}-${process.pid}-${randomBytes(2).toString("hex")}`,
      host: hostname(),
      pid: process.pid,
    };
  }

  /** Starts a worker; Redis unreachable is GADUGI_QUEUE_UNREACHABLE (URL masked). */
  static async start<P, R>(options: QueueWorkerOptions<P, R>): Promise<QueueWorker<P, R>> {
    const url = parseQueueUrl(options.url);
    await assertReachable(url, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
    const worker = new QueueWorker(url, options);
    await worker.#start();
    return worker;
  }

  async #start(): Promise<void> {
    const onError = (message: string) => this.#log(`redis: ${message}`);
    this.#registry = new WorkerRegistry(redisClient(this.url, onError), this.#keys);
    this.#subscriber = redisClient(this.url, onError);
    await this.#subscriber.subscribe(this.#keys.cancelChannel);
    this.#subscriber.on("message", (_channel: string, message: string) => this.#cancelMessage(message));
    const lockDuration = this.#options.lockDurationMs ?? 30_000;
    this.#worker = new Worker(
      this.#keys.name,
      (job: Job, _token?: string, signal?: AbortSignal) => this.#process(job, signal),
      {
        prefix: QUEUE_PREFIX,
        connection: { ...redisOptions(this.url), maxRetriesPerRequest: null },
        concurrency: this.concurrency,
        lockDuration,
        stalledInterval: this.#options.stalledIntervalMs ?? Math.max(1000, lockDuration / 2),
        maxStalledCount: 2,
      },
    );
    this.#worker.on("error", (error: Error) => onError(maskSecretIn(error.message, this.url)));
    this.#worker.on("stalled", (jobId: string) =>
      this.#log(`job ${jobId} stalled on its worker; it runs again`),
    );
    // A lock this worker could not renew (Redis away, the process starved): the job may already
    // run elsewhere, so this copy stops and its result is not pushed.
    this.#worker.on("lockRenewalFailed", (jobIds: string[]) => {
      for (const jobId of jobIds) {
        this.#log(`job ${jobId}: lock lost; stopping it here (it runs again elsewhere)`);
        this.#active.get(jobId)?.controller.abort(new Error("the job's lock was lost"));
      }
    });
    await this.#worker.waitUntilReady();
    await this.#beat();
    const every = this.#heartbeatMs();
    this.#heartbeat = setInterval(() => {
      this.#beat().catch((error: unknown) => onError(`heartbeat: ${maskSecretIn(String(error), this.url)}`));
    }, every);
  }

  /** The heartbeat interval: given, else 5 s or half the lock duration when that is shorter. */
  #heartbeatMs(): number {
    return this.#options.heartbeatMs ?? Math.min(5000, (this.#options.lockDurationMs ?? 30_000) / 2);
  }

  /**
   * Takes up to `n` jobs at once from now on (1..the concurrency it started with): a resource
   * governor lowers it while the host is short of memory or CPU.
   */
  setConcurrency(n: number): void {
    const to = Math.max(1, Math.min(this.concurrency, Math.floor(n)));
    if (this.#worker !== undefined) this.#worker.concurrency = to;
  }

  /** This worker as `gadugi workers` lists it. */
  info(): WorkerInfo {
    return {
      ...this.ref,
      concurrency: this.concurrency,
      startedAt: new Date(this.#startedAt).toISOString(),
      lastHeartbeat: new Date().toISOString(),
      heartbeatMs: this.#heartbeatMs(),
      tasks: [...this.#active].map(([jobId, a]) => ({
        jobId,
        runId: a.runId,
        taskId: a.taskId,
        ...(a.label === undefined ? {} : { label: a.label }),
        startedAt: new Date(a.startedAt).toISOString(),
      })),
    };
  }

  async #beat(): Promise<void> {
    await this.#registry?.beat(this.info(), this.#heartbeatMs() * 3);
  }

  async #process(job: Job, bullSignal: AbortSignal | undefined): Promise<JobResult<R>> {
    const data = job.data as QueueJobData<P>;
    const jobId = job.id as string;
    const controller = new AbortController();
    bullSignal?.addEventListener("abort", () => controller.abort(bullSignal.reason), { once: true });
    const startedAt = Date.now();
    const label = data.label === undefined ? {} : { label: data.label };
    this.#active.set(jobId, { controller, runId: data.runId, taskId: data.taskId, ...label, startedAt });
    try {
      const cancelled = await this.#cancelled(jobId, data.runId);
      if (cancelled !== undefined) controller.abort(cancelReason(cancelled));
      const progress: JobProgress = { worker: this.ref, startedAt };
      await job.updateProgress(progress as unknown as object);
      await this.#beat();
      this.#log(`job ${jobId}: task ${data.label ?? data.taskId} of run ${data.runId} started`);
      const value = await this.#options.handler(data.payload, {
        jobId,
        runId: data.runId,
        taskId: data.taskId,
        signal: controller.signal,
        worker: this.ref,
        progress: async (detail) => {
          await job.updateProgress({ ...detail, ...progress } as unknown as object);
        },
      });
      this.#log(`job ${jobId}: finished${controller.signal.aborted ? " (cancelled)" : ""}`);
      return { version: 1, worker: this.ref, startedAt, finishedAt: Date.now(), value };
    } finally {
      // The same job taken up again meanwhile (after a lost lock) keeps its own entry.
      if (this.#active.get(jobId)?.controller === controller) this.#active.delete(jobId);
      await this.#beat().catch((error: unknown) => this.#log(`heartbeat: ${String(error)}`));
    }
  }

  /** The job's cancellation, if it has one (its own key's stop, or its run's plain one). */
  async #cancelled(jobId: string, runId: string): Promise<{ budget?: BudgetStop } | undefined> {
    const redis = this.#commands();
    const [own, run] = await redis.mget(this.#keys.cancelJob(jobId), this.#keys.cancelRun(runId));
    return parseCancel(own) ?? (run === null || run === undefined ? undefined : {});
  }

  #commands() {
    return (this.#registry as WorkerRegistry).redis;
  }

  #cancelMessage(message: string): void {
    let parsed: { jobId?: string; runId?: string; budget?: BudgetStop };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      this.#log(`ignored a cancel message that is not JSON: ${message.slice(0, 80)}`);
      return;
    }
    for (const [jobId, active] of this.#active) {
      if (parsed.jobId === jobId || (parsed.runId !== undefined && parsed.runId === active.runId)) {
        this.#log(`job ${jobId}: ${parsed.budget ? "stopped at the run's budget" : "cancelled"}`);
        // A budget stop names its job; a run's cancel is a plain one.
        active.controller.abort(cancelReason(parsed.jobId === jobId ? parseCancel(message) : undefined));
      }
    }
  }

  /**
   * Stops taking jobs. Without `now`, waits for the jobs running to finish; with it, aborts them
   * (their tasks end cancelled on this worker; the jobs are left to stall and run again elsewhere).
   */
  async close(options: { now?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (options.now)
      for (const active of this.#active.values()) active.controller.abort(new Error("the worker stops"));
    await this.#worker?.close(options.now === true);
    await this.#registry?.remove(this.ref.id);
    this.#subscriber?.disconnect();
    this.#registry?.redis.disconnect();
  }
}
