import {
  CircuitBreaker,
  GadugiError,
  isAbortError,
  type Jitter,
  redactSecrets,
  retry,
} from "@gadugi/error-handling";
import type { RunEventInput } from "@gadugi/interfaces";
import { cancelReason, type Json, type TaskExecutor, type TaskOutcome, type TaskSlot } from "./executor.js";
import type { ResourceGovernor } from "./governor.js";
import { GraphRun, type SetTaskStatus } from "./scheduler-run.js";
import { buildGraph, invalid, type Node } from "./task-graph.js";

/** One node of the graph handed to {@link Scheduler.run}. */
export interface ScheduledTask {
  id: string;
  /** Ids of tasks that must complete first. */
  dependencies?: readonly string[];
  /** Expected duration in ms: used as the weight for critical-path priority. */
  estimatedMs?: number;
  /** Relative cost when no estimate is known. Default 1. */
  weight?: number;
  /** Handed to the executor as it is; must be JSON. */
  payload?: Json;
}

export type TaskResultStatus = "completed" | "failed" | "cancelled" | "skipped" | "budget-exceeded";

export interface TaskResult {
  taskId: string;
  status: TaskResultStatus;
  /** Why it failed, was cancelled or skipped. */
  reason?: string;
  /** Attempts started (0 for a task that never ran). */
  attempts: number;
  /** Clock time (ms) of the first start and of the end. */
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  /** The executor's `data`, for completed tasks. */
  data?: Json;
}

export interface SchedulerResult {
  /** completed: every task completed; cancelled: the run was aborted; failed: anything else. */
  status: "completed" | "failed" | "cancelled";
  /** One result per task, in input order. */
  tasks: TaskResult[];
  /** Task ids in the order they first started. */
  startOrder: string[];
  /** Most tasks seen running at the same time. */
  maxConcurrent: number;
  /** Set when the circuit breaker stopped new launches. */
  stoppedReason?: string;
  wallMs: number;
}

/** What the scheduler reports: exactly what the orchestrator journals (`record(runId, event)`). */
export type SchedulerEvent = Extract<
  RunEventInput,
  { type: "task.status" | "concurrency.changed" | "breaker.state" | "warning" }
>;
export type SchedulerListener = (event: SchedulerEvent) => void;

export interface SchedulerRetryOptions {
  /** Attempts in total for a transient failure, the first included. Default 3. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  jitter?: Jitter;
}

export interface SchedulerBreakerOptions {
  /** Consecutive failed tasks that open the breaker. Default 5 (CircuitBreakerConfig). */
  failureThreshold?: number;
  /** Named in breaker.state events. Default "tasks". */
  name?: string;
}

export interface SchedulerOptions {
  runId: string;
  executor: TaskExecutor;
  /** Tasks running at once at most; change it later with `setMaxParallel`. */
  maxParallel: number;
  retry?: SchedulerRetryOptions;
  /** `false` turns the breaker off. */
  breaker?: SchedulerBreakerOptions | false;
  /** Lowers the concurrency under resource pressure; started and stopped by `run`. */
  governor?: ResourceGovernor;
  /** Aborting cancels the run: running tasks are aborted, the rest become cancelled. */
  signal?: AbortSignal;
  onEvent?: SchedulerListener;
  /** Clock in ms for timings and the breaker. Default Date.now. */
  now?: () => number;
  /**
   * Asked before each launch: a reason to hold the task back (the run's budget is committed to
   * the running tasks), or undefined to start it. A held task waits while others run; once none
   * runs, every task left is skipped with the reason.
   */
  admit?: (taskId: string) => string | undefined;
}

/** A transient failed outcome, thrown so that `retry` tries again. */
class TransientFailure extends Error {
  constructor(readonly outcome: TaskOutcome) {
    super(outcome.reason ?? "transient failure");
    this.name = "TransientFailure";
  }
}

function checkParallel(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw invalid("maxParallel", String(n), "an integer of at least 1");
  return n;
}

function messageOf(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

/**
 * Runs a graph of tasks through an executor:
 *
 * - a task starts as soon as all its dependencies completed (no waves), while fewer than the
 *   current limit run; among ready tasks the one with the longest remaining critical path
 *   (sum of weights down to the end of the graph) goes first, input order breaking ties;
 * - a failed or cancelled task skips its dependents (transitively), the reason naming it;
 *   independent tasks go on;
 * - transient failures are retried with backoff (`retry` of @gadugi/error-handling), the task
 *   keeping its slot while it waits;
 * - consecutive failed tasks open a circuit breaker: the first time, the run drops to sequential
 *   execution (limit 1) and the breaker is reset; if it opens again, nothing new is launched and
 *   the remaining tasks are skipped with the reason;
 * - the limit is `min(maxParallel, governor.allowed)` (1 in sequential mode) and every change of
 *   it is a `concurrency.changed` event with its reason.
 */
export class Scheduler {
  readonly runId: string;
  readonly #executor: TaskExecutor;
  readonly #retry: SchedulerRetryOptions;
  readonly #breakerOptions: SchedulerBreakerOptions | false;
  readonly #governor: ResourceGovernor | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #now: () => number;
  readonly #listeners = new Set<SchedulerListener>();
  #userMax: number;
  #limit: number;
  #sequential = false;
  #stoppedReason: string | undefined;
  #running = false;
  readonly #admit: ((taskId: string) => string | undefined) | undefined;

  constructor(options: SchedulerOptions) {
    this.runId = options.runId;
    this.#executor = options.executor;
    this.#userMax = checkParallel(options.maxParallel);
    this.#retry = options.retry ?? {};
    this.#breakerOptions = options.breaker ?? {};
    this.#governor = options.governor;
    this.#signal = options.signal;
    this.#now = options.now ?? Date.now;
    this.#admit = options.admit;
    if (options.onEvent) this.#listeners.add(options.onEvent);
    this.#limit = this.#computeLimit();
  }

  /** The limit in force: tasks that may run at once right now. */
  get concurrency(): number {
    return this.#running ? this.#limit : this.#computeLimit();
  }

  /** Whether the breaker switched the run to sequential execution. */
  get sequential(): boolean {
    return this.#sequential;
  }

  /** Subscribes to events; returns the function that unsubscribes. */
  on(listener: SchedulerListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Changes the user's maximum, also while running; queued tasks start at once if it grew. */
  setMaxParallel(n: number, reason = `maximum set to ${n}`): void {
    this.#userMax = checkParallel(n);
    // The governor reports its own change (if any); the limit is recomputed either way.
    this.#governor?.setMax(n, reason);
    this.#updateLimit(reason);
  }

  #computeLimit(): number {
    if (this.#sequential) return 1;
    const governed = this.#governor ? Math.min(this.#userMax, this.#governor.allowed) : this.#userMax;
    return Math.max(1, governed);
  }

  #pump: () => void = () => undefined;

  /**
   * Stops new launches for good (the run's budget is reached): the tasks not started yet are
   * skipped with `reason`; running ones go on until they end (their caller stops them).
   */
  stop(reason: string): void {
    if (this.#stoppedReason !== undefined) return;
    this.#stoppedReason = reason;
    this.#endRemaining(reason);
  }

  #endRemaining: (reason: string) => void = () => undefined;

  #updateLimit(reason: string): void {
    const to = this.#computeLimit();
    const from = this.#limit;
    if (to === from) return;
    this.#limit = to;
    this.#emit({ type: "concurrency.changed", from, to, reason });
    this.#pump();
  }

  #emit(event: SchedulerEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A listener (journal, renderer) failing must not break the run.
      }
    }
  }

  /** Runs every task once to a final status. Rejects only on a bad graph. */
  async run(tasks: readonly ScheduledTask[]): Promise<SchedulerResult> {
    if (this.#running)
      throw new GadugiError("GADUGI_UNEXPECTED", { message: "Scheduler.run is already running" });
    const nodes = buildGraph(tasks);
    this.#running = true;
    this.#sequential = false;
    this.#stoppedReason = undefined;
    const startedAt = this.#now();
    const run = new AbortController();
    const onAbort = () => run.abort(this.#signal?.reason);
    this.#signal?.addEventListener("abort", onAbort, { once: true });
    const breaker = this.#createBreaker();
    const offGovernor = this.#governor?.onChange((change) => this.#updateLimit(change.reason));
    const startedGovernor = this.#governor !== undefined && !this.#governor.running;
    if (startedGovernor) this.#governor?.start();
    this.#limit = this.#computeLimit();

    const graph = new GraphRun(nodes, run.signal, {
      now: this.#now,
      emit: (event) => this.#emit(event),
      limit: () => this.#limit,
      stoppedReason: () => this.#stoppedReason,
      attempt: (node, signal, setStatus, slot) => this.#attempt(node, signal, setStatus, slot),
      feedBreaker: breaker ? (outcome) => this.#feedBreaker(breaker, outcome) : undefined,
      admit: this.#admit,
    });
    this.#pump = () => graph.pump();
    this.#endRemaining = (reason) => graph.stop(reason);
    graph.start();
    if (this.#signal?.aborted) run.abort(this.#signal.reason);
    graph.pump();
    await graph.done;

    this.#pump = () => undefined;
    this.#endRemaining = () => undefined;
    this.#signal?.removeEventListener("abort", onAbort);
    offGovernor?.();
    if (startedGovernor) this.#governor?.stop();
    this.#running = false;
    return this.#summary(graph, run.signal.aborted, this.#now() - startedAt);
  }

  #summary(graph: GraphRun, aborted: boolean, wallMs: number): SchedulerResult {
    const results = graph.nodes.map((n) => n.result);
    const status = aborted
      ? "cancelled"
      : results.every((r) => r.status === "completed")
        ? "completed"
        : "failed";
    const result: SchedulerResult = {
      status,
      tasks: results,
      startOrder: graph.startOrder,
      maxConcurrent: graph.maxConcurrent,
      wallMs,
    };
    if (this.#stoppedReason) result.stoppedReason = this.#stoppedReason;
    return result;
  }

  /** All attempts of one task: transient failures go through `retry`. Never rejects. */
  async #attempt(
    node: Node,
    signal: AbortSignal,
    setStatus: SetTaskStatus,
    slot: TaskSlot,
  ): Promise<TaskOutcome> {
    const id = node.task.id;
    const maxAttempts = this.#retry.maxAttempts ?? 3;
    let last: TaskOutcome | undefined;
    try {
      return await retry(
        async ({ attempt }) => {
          node.result.attempts = attempt;
          // A retry runs the agent again: it needs a slot, whatever the last attempt did with its own.
          await slot.reacquire();
          setStatus(node, "running", attempt > 1 ? `attempt ${attempt} of ${maxAttempts}` : undefined);
          const outcome = await this.#executeOnce(node, attempt, signal, slot);
          if (outcome.status === "failed" && outcome.transient) {
            last = outcome;
            throw new TransientFailure(outcome);
          }
          return outcome;
        },
        {
          maxAttempts,
          initialDelayMs: this.#retry.initialDelayMs,
          maxDelayMs: this.#retry.maxDelayMs,
          jitter: this.#retry.jitter,
          signal,
          operation: `task ${id}`,
          shouldRetry: (error) => error instanceof TransientFailure,
          onRetry: (attempt, delayMs, error) => {
            const reason = `attempt ${attempt} of ${maxAttempts} failed with a transient error (${messageOf(error)}); retrying in ${delayMs} ms`;
            this.#emit({ type: "warning", taskId: id, message: reason });
            setStatus(node, "queued", reason);
          },
        },
      );
    } catch (error) {
      if (signal.aborted || isAbortError(error)) {
        return { status: "cancelled", reason: `run cancelled: ${cancelReason(signal)}` };
      }
      if (GadugiError.is(error, "GADUGI_RETRY_EXHAUSTED") && last) {
        return {
          status: "failed",
          transient: true,
          reason: `${last.reason ?? "transient failure"} (gave up after ${node.result.attempts} attempts)`,
        };
      }
      return { status: "failed", reason: messageOf(error) };
    }
  }

  async #executeOnce(node: Node, attempt: number, signal: AbortSignal, slot: TaskSlot): Promise<TaskOutcome> {
    try {
      return await this.#executor.execute(
        { runId: this.runId, taskId: node.task.id, attempt, payload: node.task.payload ?? null },
        { signal, slot },
      );
    } catch (error) {
      if (signal.aborted) return { status: "cancelled", reason: `run cancelled: ${cancelReason(signal)}` };
      return { status: "failed", reason: messageOf(error) };
    }
  }

  #createBreaker(): CircuitBreaker | undefined {
    if (this.#breakerOptions === false) return undefined;
    const breaker = new CircuitBreaker({
      name: this.#breakerOptions.name ?? "tasks",
      failureThreshold: this.#breakerOptions.failureThreshold,
      now: this.#now,
    });
    breaker.onStateChange(({ name, to, reason }) =>
      this.#emit({ type: "breaker.state", name, state: to, reason }),
    );
    return breaker;
  }

  /** Counts one finished task in the breaker and reacts when it opens. */
  async #feedBreaker(breaker: CircuitBreaker, outcome: TaskOutcome): Promise<void> {
    await breaker
      .execute(() => {
        if (outcome.status === "failed") throw new Error(outcome.reason ?? "task failed");
      })
      .catch(() => undefined);
    if (breaker.state !== "open") return;
    const why = `circuit breaker "${breaker.name}" opened after ${breaker.failureThreshold} consecutive failed tasks`;
    if (!this.#sequential) {
      this.#sequential = true;
      breaker.reset("counting again in sequential mode");
      this.#updateLimit(`${why}; running the remaining tasks one at a time`);
      return;
    }
    this.#stoppedReason = `not started: ${why} in sequential mode; no new tasks are launched`;
    this.#emit({ type: "warning", message: this.#stoppedReason });
  }
}
