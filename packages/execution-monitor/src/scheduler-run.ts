import { redactSecrets } from "@gadugi/error-handling";
import type { TaskStatus } from "@gadugi/interfaces";
import { cancelReason, type TaskOutcome, type TaskSlot } from "./executor.js";
import type { SchedulerEvent, TaskResultStatus } from "./scheduler.js";
import { type Node, peekBest, removeReady, takeBest } from "./task-graph.js";

export type SetTaskStatus = (node: Node, status: TaskStatus, reason?: string) => void;

/** What a graph run needs from its Scheduler. */
export interface GraphRunHost {
  now: () => number;
  emit(event: SchedulerEvent): void;
  /** Tasks that may run at once right now. */
  limit(): number;
  /** Set once the breaker stopped new launches. */
  stoppedReason(): string | undefined;
  /** All attempts of one task; never rejects. */
  attempt(node: Node, signal: AbortSignal, setStatus: SetTaskStatus, slot: TaskSlot): Promise<TaskOutcome>;
  /** Counts a finished task in the circuit breaker; absent when the breaker is off. */
  feedBreaker: ((outcome: TaskOutcome) => Promise<void>) | undefined;
  /** A reason to hold a ready task back, or undefined to launch it (SchedulerOptions.admit); absent: every one launches. */
  admit: ((taskId: string) => string | undefined) | undefined;
}

/**
 * One `Scheduler.run` over a graph: the ready queue, launches while below the limit, and settling
 * each finished task (its dependents queued or skipped) until every task has a final status.
 */
export class GraphRun {
  readonly ready: Node[] = [];
  readonly startOrder: string[] = [];
  maxConcurrent = 0;
  /** Resolves once every task is finished and none runs. */
  readonly done: Promise<void>;
  /** Tasks holding a slot (running, slot not released). */
  #active = 0;
  /** Running tasks waiting to take a slot back (TaskSlot.reacquire); served before new launches. */
  readonly #waiting: Array<() => void> = [];
  #unfinished: number;
  #resolveDone: () => void = () => undefined;

  constructor(
    readonly nodes: Node[],
    readonly signal: AbortSignal,
    readonly host: GraphRunHost,
  ) {
    this.#unfinished = nodes.length;
    this.done = new Promise<void>((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  /** Pumps again when the run is aborted, and queues the tasks without dependencies. */
  start(): void {
    this.signal.addEventListener("abort", () => this.pump(), { once: true });
    for (const node of this.nodes) if (node.waitingFor === 0) this.#enqueue(node);
  }

  /** Launches ready tasks while below the limit (or cancels the rest once aborted). */
  pump(): void {
    if (this.signal.aborted) {
      this.#endRemaining("cancelled", `run cancelled: ${cancelReason(this.signal)}`);
    } else {
      while (this.#active < this.host.limit() && this.#waiting.length > 0) {
        this.#active++;
        (this.#waiting.shift() as () => void)();
      }
      while (this.#active < this.host.limit() && this.ready.length > 0 && !this.host.stoppedReason()) {
        if (this.#heldBack()) break;
        this.#launch(takeBest(this.ready));
      }
    }
    if (this.#unfinished === 0 && this.#active === 0) this.#resolveDone();
  }

  /**
   * Whether the next ready task is held back by `admit`: it waits while others run (what they
   * spend may leave room); with none running, every task left is skipped with the reason.
   */
  #heldBack(): boolean {
    const { admit } = this.host;
    // Without an admit (no budget) nothing is asked, nor the next task looked for twice.
    if (admit === undefined) return false;
    const next = peekBest(this.ready);
    const reason = next === undefined ? undefined : admit(next.task.id);
    if (reason === undefined) return false;
    if (this.#active === 0 && this.#waiting.length === 0) this.#endRemaining("skipped", reason);
    return true;
  }

  /** No more launches: the tasks not started are skipped with `reason` (Scheduler.stop). */
  stop(reason: string): void {
    this.#endRemaining("skipped", reason);
    this.pump();
  }

  readonly setStatus: SetTaskStatus = (node, status, reason) => {
    node.status = status;
    this.host.emit(
      reason === undefined
        ? { type: "task.status", taskId: node.task.id, status }
        : { type: "task.status", taskId: node.task.id, status, reason },
    );
  };

  #finish(node: Node, status: TaskResultStatus, reason?: string): void {
    node.result.status = status;
    if (reason !== undefined) {
      reason = redactSecrets(reason);
      node.result.reason = reason;
    }
    if (node.result.startedAt !== undefined) {
      node.result.endedAt = this.host.now();
      node.result.durationMs = node.result.endedAt - node.result.startedAt;
    }
    this.setStatus(node, status, reason);
    this.#unfinished--;
  }

  #enqueue(node: Node): void {
    this.setStatus(node, "queued");
    this.ready.push(node);
  }

  /** Skips the tasks that depend on `root`, transitively, each reason naming the way it came. */
  #skipDependents(root: Node, why: string): void {
    const stack = root.dependents.map((d) => ({ node: d, via: root }));
    while (stack.length > 0) {
      const { node, via } = stack.pop() as { node: Node; via: Node };
      if (node.status !== "pending" && node.status !== "queued") continue;
      const reason =
        via === root
          ? `dependency "${root.task.id}" ${why}`
          : `dependency "${via.task.id}" was skipped (dependency "${root.task.id}" ${why.split(":")[0]})`;
      removeReady(this.ready, node);
      this.#finish(node, "skipped", reason);
      for (const d of node.dependents) stack.push({ node: d, via: node });
    }
  }

  #endRemaining(status: "skipped" | "cancelled", reason: string): void {
    for (const node of this.nodes) {
      if (node.status === "pending" || node.status === "queued") this.#finish(node, status, reason);
    }
    this.ready.length = 0;
  }

  #launch(node: Node): void {
    this.#active++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#active);
    this.startOrder.push(node.task.id);
    node.result.startedAt = this.host.now();
    // attempt never rejects; settle only runs listeners that are guarded.
    void this.host
      .attempt(node, this.signal, this.setStatus, this.#slotOf(node))
      .then((outcome) => this.#settle(node, outcome));
  }

  /** The task's slot: released, the next ready task launches; reacquired, it waits its turn. */
  #slotOf(node: Node): TaskSlot {
    return {
      release: () => {
        if (node.slotReleased) return;
        node.slotReleased = true;
        this.#active--;
        this.pump();
      },
      reacquire: async () => {
        if (!node.slotReleased) return;
        // Aborted: the work is being cancelled; it need not wait for a slot to notice.
        if (this.signal.aborted) return;
        await new Promise<void>((resolve) => {
          this.#waiting.push(resolve);
          this.pump();
        });
        node.slotReleased = false;
      },
    };
  }

  /** Records a finished task, feeds the breaker, then queues or skips its dependents. */
  async #settle(node: Node, reported: TaskOutcome): Promise<void> {
    if (!node.slotReleased) this.#active--;
    node.slotReleased = false;
    const outcome =
      reported.status === "cancelled" && this.signal.aborted
        ? { ...reported, reason: `run cancelled: ${cancelReason(this.signal)}` }
        : reported;
    if (outcome.status === "completed") {
      if (outcome.data !== undefined) node.result.data = outcome.data;
      this.#finish(node, "completed");
    } else {
      this.#finish(node, outcome.status, outcome.reason ?? outcome.status);
    }
    const { feedBreaker } = this.host;
    const counted = outcome.status !== "cancelled" && outcome.status !== "budget-exceeded";
    if (feedBreaker && !this.host.stoppedReason() && counted && !this.signal.aborted) {
      await feedBreaker(outcome);
    }
    if (outcome.status === "completed") {
      for (const dependent of node.dependents) {
        dependent.waitingFor--;
        if (dependent.waitingFor === 0 && dependent.status === "pending") this.#enqueue(dependent);
      }
    } else {
      const why =
        outcome.status === "failed"
          ? "failed"
          : outcome.status === "budget-exceeded"
            ? "was stopped at its budget"
            : "was cancelled";
      this.#skipDependents(node, outcome.reason ? `${why}: ${outcome.reason}` : why);
    }
    const stopped = this.host.stoppedReason();
    if (stopped) this.#endRemaining("skipped", stopped);
    this.pump();
  }
}
