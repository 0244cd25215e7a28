import { GadugiError, parseWith } from "@gadugi/error-handling";
import {
  type Complexity,
  PerformanceMetrics,
  type TaskStatus,
  type TaskType,
  UNLANDED_TASK_STATUSES,
} from "@gadugi/interfaces";
import { callerError } from "./util.js";

/** An ISO timestamp, epoch milliseconds or a Date. */
export type TimeInput = string | number | Date;

/** What the analyzer needs to know about one task of a run. */
export interface TaskRun {
  id: string;
  type: TaskType;
  complexity?: Complexity;
  status: TaskStatus;
  startedAt?: TimeInput;
  endedAt?: TimeInput;
  /** Ids of tasks this one waited for; ids not in the run are ignored. */
  dependencies?: readonly string[];
  tokens?: number;
  costUsd?: number;
}

/** A span when nobody ran the run (between a crash or a stop and the resume). */
export interface Pause {
  from: TimeInput;
  to: TimeInput;
}

export interface RunSummary {
  runId: string;
  /** Wall-clock start and end of the whole run. */
  startedAt: TimeInput;
  endedAt: TimeInput;
  maxParallel: number;
  tasks: readonly TaskRun[];
  /** Left out of the wall time and of every task's duration. */
  pauses?: readonly Pause[];
}

export interface CriticalPath {
  /** Task ids, first to last; empty when no task has a measured duration. */
  path: string[];
  ms: number;
}

/**
 * Statuses whose start/end times measure real work: every finished status but skipped (a
 * cancelled task held a slot until stopped; a merge-failed or changes-requested one did its work).
 */
const MEASURED: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  "completed",
  "failed",
  "merge-failed",
  "changes-requested",
  "cancelled",
  "budget-exceeded",
]);

/** `end − start` less the parts of `pauses` that fall inside it (ms). */
export function activeDurationMs(startMs: number, endMs: number, pauses: readonly Pause[] = []): number {
  let paused = 0;
  for (const pause of pauses) {
    const from = Math.max(startMs, toMs(pause.from, "pause from"));
    const to = Math.min(endMs, toMs(pause.to, "pause to"));
    if (to > from) paused += to - from;
  }
  return Math.max(0, endMs - startMs - paused);
}

export function toMs(value: TimeInput, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw callerError(what, String(value), "an ISO timestamp or epoch milliseconds", "Pass recorded times.");
  }
  return ms;
}

/**
 * The task's own measured duration: end − start, for completed, failed and cancelled tasks that
 * have both times. Undefined otherwise (pending, skipped, still running, or never timed).
 */
export function taskDurationMs(task: TaskRun, pauses: readonly Pause[] = []): number | undefined {
  if (!MEASURED.has(task.status) || task.startedAt === undefined || task.endedAt === undefined) {
    return undefined;
  }
  const start = toMs(task.startedAt, `startedAt of task ${task.id}`);
  const end = toMs(task.endedAt, `endedAt of task ${task.id}`);
  if (end < start) {
    throw callerError(
      `endedAt of task ${task.id}`,
      String(task.endedAt),
      `a time not before its startedAt (${String(task.startedAt)})`,
      "Task times must come from one clock.",
    );
  }
  return activeDurationMs(start, end, pauses);
}

/**
 * The longest chain of dependent tasks by measured duration (unmeasured tasks weigh 0). Ties go
 * to the chain with fewer tasks, then to the task listed first. A dependency cycle is a
 * GADUGI_DEPENDENCY_CYCLE error.
 */
export function criticalPath(
  tasks: readonly {
    id: string;
    dependencies?: readonly string[] | undefined;
    durationMs?: number | undefined;
  }[],
): CriticalPath {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const deps = new Map(
    tasks.map((t) => [t.id, [...new Set(t.dependencies ?? [])].filter((d) => byId.has(d))]),
  );
  const dependents = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  const waiting = new Map<string, number>();
  for (const t of tasks) {
    const own = deps.get(t.id)!;
    waiting.set(t.id, own.length);
    for (const d of own) dependents.get(d)!.push(t.id);
  }

  // Kahn's algorithm, in input order, so each task is scored after all of its dependencies.
  const ready = tasks.filter((t) => waiting.get(t.id) === 0).map((t) => t.id);
  const best = new Map<string, CriticalPath>();
  for (let i = 0; i < ready.length; i++) {
    const id = ready[i]!;
    let chain: CriticalPath = { path: [], ms: 0 };
    for (const d of deps.get(id)!) if (better(best.get(d)!, chain)) chain = best.get(d)!;
    best.set(id, { path: [...chain.path, id], ms: chain.ms + (byId.get(id)!.durationMs ?? 0) });
    for (const next of dependents.get(id)!) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (best.size < tasks.length)
    throw new GadugiError("GADUGI_DEPENDENCY_CYCLE", { cycle: findCycle(deps, best) });

  let result: CriticalPath = { path: [], ms: 0 };
  for (const t of tasks) if (better(best.get(t.id)!, result)) result = best.get(t.id)!;
  return result.ms > 0 ? { path: [...result.path], ms: result.ms } : { path: [], ms: 0 };
}

function better(a: CriticalPath, b: CriticalPath): boolean {
  return a.ms > b.ms || (a.ms === b.ms && b.path.length > 0 && a.path.length < b.path.length);
}

/** Every task left unscored has an unscored dependency, so walking those ends in a cycle. */
function findCycle(deps: Map<string, string[]>, scored: Map<string, CriticalPath>): string[] {
  let id = [...deps.keys()].find((k) => !scored.has(k))!;
  const seen: string[] = [];
  while (!seen.includes(id)) {
    seen.push(id);
    id = deps.get(id)!.find((d) => !scored.has(d))!;
  }
  return [...seen.slice(seen.indexOf(id)), id];
}

/**
 * Measured figures of one run, validated by the interfaces' PerformanceMetrics schema.
 *
 * - sumTaskDurationsMs: sum of {@link taskDurationMs} over all tasks.
 * - speedup = sumTaskDurationsMs / wallTimeMs. When the wall time is 0 there is no meaningful
 *   speedup; it is reported as 0 (and so is the efficiency), never as Infinity or a guess.
 * - parallelEfficiency = speedup / maxParallel, clamped to [0, 1].
 * - criticalPath / criticalPathMs: {@link criticalPath} over the dependency DAG.
 * - counts per final status; tokens and costUsd summed over every task that reports them.
 */
export function computeMetrics(run: RunSummary): PerformanceMetrics {
  if (!Number.isInteger(run.maxParallel) || run.maxParallel < 1) {
    throw callerError("maxParallel", String(run.maxParallel), "a positive integer", "Pass the run's limit.");
  }
  const start = toMs(run.startedAt, "run startedAt");
  const end = toMs(run.endedAt, "run endedAt");
  if (end < start) {
    throw callerError(
      "run endedAt",
      String(run.endedAt),
      "a time not before the run's startedAt",
      "Run times must come from one clock.",
    );
  }
  const wallTimeMs = activeDurationMs(start, end, run.pauses);
  const timed = run.tasks.map((t) => ({
    id: t.id,
    dependencies: t.dependencies,
    durationMs: taskDurationMs(t, run.pauses),
  }));
  const sumTaskDurationsMs = timed.reduce((sum, t) => sum + (t.durationMs ?? 0), 0);
  const speedup = wallTimeMs > 0 ? sumTaskDurationsMs / wallTimeMs : 0;
  const parallelEfficiency = Math.min(1, Math.max(0, speedup / run.maxParallel));
  const critical = criticalPath(timed);
  const count = (status: TaskStatus) => run.tasks.filter((t) => t.status === status).length;
  const metrics: PerformanceMetrics = {
    runId: run.runId,
    wallTimeMs,
    sumTaskDurationsMs,
    speedup,
    parallelEfficiency,
    maxParallel: run.maxParallel,
    criticalPath: critical.path,
    criticalPathMs: critical.ms,
    tasksTotal: run.tasks.length,
    tasksCompleted: count("completed"),
    // A task whose work completed but did not merge (a conflict, or a review requesting changes)
    // did not land either.
    tasksFailed: run.tasks.filter((t) => UNLANDED_TASK_STATUSES.has(t.status)).length,
    tasksSkipped: count("skipped"),
    tasksCancelled: count("cancelled"),
    tokens: run.tasks.reduce((sum, t) => sum + (t.tokens ?? 0), 0),
    costUsd: run.tasks.reduce((sum, t) => sum + (t.costUsd ?? 0), 0),
  };
  return parseWith(PerformanceMetrics, metrics, `performance metrics of run ${run.runId}`);
}
