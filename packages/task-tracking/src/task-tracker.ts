import { GadugiError, parseWith } from "@gadugi/error-handling";
import { FINISHED_TASK_STATUSES, TaskStatus } from "@gadugi/interfaces";
import { z } from "zod";
import { type Clock, callerError, emit, iso, systemClock } from "./util.js";

/**
 * Legal status changes of a task: the moves a real run makes. Anything not listed is rejected
 * with GADUGI_ILLEGAL_TRANSITION.
 *
 * | from         | to                                      | meaning                                      |
 * |--------------|-----------------------------------------|----------------------------------------------|
 * | pending      | queued, skipped, cancelled              | dependencies met / not needed / run stopped  |
 * | queued       | running, skipped, cancelled, pending,   | picked up / dependency failed / stopped /    |
 * |              | failed                                  | back to wait / could not start (worktree)    |
 * | running      | completed, failed, cancelled, queued,   | finished / failed / stopped / interrupted /  |
 * |              | changes-requested                       | the reviewer still requests changes          |
 * | completed    | merge-failed, queued                    | its branch did not merge / re-run (conflict) |
 * | failed       | queued                                  | retried, or the run resumed                  |
 * | merge-failed | queued                                  | the run resumed                              |
 * | changes-requested | queued                             | the run resumed                              |
 * | cancelled    | queued                                  | the run resumed                              |
 * | skipped      | queued                                  | the run resumed (its dependency may pass)    |
 * | budget-exceeded | queued                               | the run resumed with a higher budget         |
 *
 * Every way out of a finished status (completed, failed, merge-failed, changes-requested,
 * cancelled, skipped, budget-exceeded) leads back to `queued`, except completed → merge-failed: a task runs again
 * only after it is queued again. A status never changes to itself. Every entry into `running` counts one attempt.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = Object.freeze({
  pending: ["queued", "skipped", "cancelled"],
  queued: ["running", "skipped", "cancelled", "pending", "failed"],
  running: ["completed", "failed", "cancelled", "queued", "changes-requested", "budget-exceeded"],
  completed: ["merge-failed", "queued"],
  failed: ["queued"],
  "merge-failed": ["queued"],
  "changes-requested": ["queued"],
  cancelled: ["queued"],
  skipped: ["queued"],
  "budget-exceeded": ["queued"],
});

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

/**
 * True once a task is done for now: completed, failed, merge-failed, changes-requested, cancelled
 * or skipped. Only
 * queueing it again (a retry, a conflict re-run, a resume) reopens it.
 */
export function isFinished(status: TaskStatus): boolean {
  return FINISHED_TASK_STATUSES.has(status);
}

/** Throws GADUGI_ILLEGAL_TRANSITION unless the table allows `from` → `to`. */
export function assertTransition(taskId: string, from: TaskStatus, to: TaskStatus): void {
  if (!canTransition(from, to)) throw new GadugiError("GADUGI_ILLEGAL_TRANSITION", { taskId, from, to });
}

export const TransitionRecord = z.strictObject({
  from: TaskStatus,
  to: TaskStatus,
  /** ISO timestamp. */
  at: z.string(),
  reason: z.string().optional(),
});
export type TransitionRecord = z.infer<typeof TransitionRecord>;

export const TrackedTask = z.strictObject({
  id: z.string().min(1),
  status: TaskStatus,
  /** Status the task was added with; `history` starts from it. */
  initialStatus: TaskStatus,
  /** Times the task entered `running`. */
  attempts: z.number().int().nonnegative(),
  addedAt: z.string(),
  updatedAt: z.string(),
  history: z.array(TransitionRecord),
});
export type TrackedTask = z.infer<typeof TrackedTask>;

/** Plain JSON form of a tracker, from {@link TaskTracker.snapshot}. */
export const TaskTrackerSnapshot = z.strictObject({
  version: z.literal(1),
  tasks: z.array(TrackedTask),
});
export type TaskTrackerSnapshot = z.infer<typeof TaskTrackerSnapshot>;

export interface TaskStatusChange {
  taskId: string;
  from: TaskStatus;
  to: TaskStatus;
  at: string;
  reason?: string;
  /** Attempts after this change. */
  attempts: number;
}

export type TaskStatusListener = (change: TaskStatusChange) => void;

export interface TaskTrackerOptions {
  now?: Clock;
}

/**
 * The status machine of a run's tasks: current status, attempts and the full transition history
 * of each task, with change events. Tasks keep the order they were added in.
 */
export class TaskTracker {
  readonly #tasks = new Map<string, TrackedTask>();
  readonly #listeners = new Set<TaskStatusListener>();
  readonly #now: Clock;

  constructor(options: TaskTrackerOptions = {}) {
    this.#now = options.now ?? systemClock;
  }

  /**
   * Rebuilds a tracker from {@link snapshot} output (e.g. read back from disk on resume). The
   * snapshot is validated: a bad shape, or a history that breaks the transition table or does not
   * end in the stored status, is a GADUGI_INVALID_DATA error naming `source`.
   */
  static restore(snapshot: unknown, options: TaskTrackerOptions & { source?: string } = {}): TaskTracker {
    const source = options.source ?? "task tracker snapshot";
    const data = parseWith(TaskTrackerSnapshot, snapshot, source);
    const tracker = new TaskTracker(options);
    const issues: string[] = [];
    for (const task of data.tasks) {
      if (tracker.#tasks.has(task.id)) issues.push(`- tasks: task ${task.id} appears twice`);
      let status = task.initialStatus;
      let attempts = 0;
      task.history.forEach((step, i) => {
        if (step.from !== status || !canTransition(step.from, step.to)) {
          issues.push(`- ${task.id}.history.${i}: ${step.from} → ${step.to} does not follow ${status}`);
        }
        status = step.to;
        if (step.to === "running") attempts++;
      });
      if (status !== task.status) {
        issues.push(`- ${task.id}.status: is ${task.status} but its history ends in ${status}`);
      }
      if (attempts !== task.attempts) {
        issues.push(`- ${task.id}.attempts: is ${task.attempts} but its history has ${attempts} runs`);
      }
      tracker.#tasks.set(task.id, structuredClone(task));
    }
    if (issues.length > 0) throw new GadugiError("GADUGI_INVALID_DATA", { source, issues });
    return tracker;
  }

  /** Starts tracking a task, `pending` unless told otherwise (e.g. `skipped` when rebuilt). */
  add(id: string, status: TaskStatus = "pending"): TrackedTask {
    if (this.#tasks.has(id)) {
      throw callerError("taskId", id, "a task that is not tracked yet", "This is a bug in the caller.");
    }
    const initial = parseWith(TaskStatus, status, `initial status of task ${id}`);
    const at = iso(this.#now());
    const task: TrackedTask = {
      id,
      status: initial,
      initialStatus: initial,
      attempts: 0,
      addedAt: at,
      updatedAt: at,
      history: [],
    };
    this.#tasks.set(id, task);
    return structuredClone(task);
  }

  has(id: string): boolean {
    return this.#tasks.has(id);
  }

  status(id: string): TaskStatus {
    return this.#get(id).status;
  }

  get(id: string): TrackedTask {
    return structuredClone(this.#get(id));
  }

  list(): TrackedTask[] {
    return [...this.#tasks.values()].map((task) => structuredClone(task));
  }

  ids(): string[] {
    return [...this.#tasks.keys()];
  }

  /** Number of tasks in each status, every status present (0 when none). */
  counts(): Record<TaskStatus, number> {
    const counts = Object.fromEntries(TaskStatus.options.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const task of this.#tasks.values()) counts[task.status]++;
    return counts;
  }

  /**
   * Moves a task to `to`, recording when and why. Throws GADUGI_ILLEGAL_TRANSITION (and changes
   * nothing) when the table above does not allow it. Listeners run after the change is committed;
   * if one throws, the others still run and the first error is rethrown.
   */
  transition(id: string, to: TaskStatus, reason?: string): TrackedTask {
    const task = this.#get(id);
    const from = task.status;
    assertTransition(id, from, to);
    const at = iso(this.#now());
    const record: TransitionRecord = { from, to, at };
    if (reason !== undefined && reason !== "") record.reason = reason;
    task.history.push(record);
    task.status = to;
    task.updatedAt = at;
    if (to === "running") task.attempts++;
    const result = structuredClone(task);
    const change: TaskStatusChange = { taskId: id, from, to, at, attempts: task.attempts };
    if (record.reason !== undefined) change.reason = record.reason;
    emit(this.#listeners, change);
    return result;
  }

  /** Calls `listener` after every status change; returns a function that stops it. */
  on(listener: TaskStatusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Plain JSON (no class instances, no functions), accepted by {@link TaskTracker.restore}. */
  snapshot(): TaskTrackerSnapshot {
    return { version: 1, tasks: this.list() };
  }

  #get(id: string): TrackedTask {
    const task = this.#tasks.get(id);
    if (!task) {
      throw callerError("taskId", id, "a tracked task", "This is a bug in the caller: add the task first.");
    }
    return task;
  }
}
