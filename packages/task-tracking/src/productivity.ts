import { join } from "node:path";
import { GadugiError, parseJsonWith, parseWith } from "@gadugi/error-handling";
import { Complexity, type PerformanceMetrics, TaskType } from "@gadugi/interfaces";
import { z } from "zod";
import { computeMetrics, type RunSummary, taskDurationMs } from "./metrics.js";
import { fileTextStore, type TextStore } from "./store.js";
import { type Clock, callerError, iso, systemClock } from "./util.js";

/** One completed task's measured duration, kept across runs. */
export const DurationSample = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  type: TaskType,
  complexity: Complexity.optional(),
  durationMs: z.number().nonnegative(),
  /** What its agents cost, when every one of them had a known cost. */
  costUsd: z.number().nonnegative().optional(),
  recordedAt: z.string(),
});
export type DurationSample = z.infer<typeof DurationSample>;

/** Contents of the history file (`<repoRoot>/.gadugi/history.json` by default). */
export const DurationHistory = z.strictObject({
  version: z.literal(1),
  /** Oldest first. */
  samples: z.array(DurationSample),
});
export type DurationHistory = z.infer<typeof DurationHistory>;

export interface DurationPrediction {
  type: TaskType;
  complexity?: Complexity;
  /** Number of samples the figures come from; always ≥ 1. */
  samples: number;
  medianMs: number;
  meanMs: number;
  /** Nearest-rank 90th percentile. */
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

export const DEFAULT_MAX_SAMPLES_PER_TYPE = 50;

export function defaultHistoryPath(repoRoot: string): string {
  return join(repoRoot, ".gadugi", "history.json");
}

export interface ProductivityAnalyzerOptions {
  /** Where the duration history lives: a file path or a TextStore. Without it, only analyze() works. */
  history?: string | TextStore;
  /** Samples kept per task type; older ones are dropped first. Default 50. */
  maxSamplesPerType?: number;
  now?: Clock;
}

/**
 * Measured productivity of runs, and a per-task-type duration history across runs used to
 * estimate how long a task will take. Nothing is invented: no samples means no prediction.
 *
 * The history file is read on every call, so several analyzers over one file see each other's
 * records; concurrent writers are not locked against each other (the last write wins).
 */
export class ProductivityAnalyzer {
  readonly #store: TextStore | undefined;
  readonly #max: number;
  readonly #now: Clock;

  constructor(options: ProductivityAnalyzerOptions = {}) {
    const history = options.history;
    this.#store = typeof history === "string" ? fileTextStore(history) : history;
    this.#max = options.maxSamplesPerType ?? DEFAULT_MAX_SAMPLES_PER_TYPE;
    if (!Number.isInteger(this.#max) || this.#max < 1) {
      throw callerError(
        "maxSamplesPerType",
        String(this.#max),
        "a positive integer",
        "Pass how many samples to keep.",
      );
    }
    this.#now = options.now ?? systemClock;
  }

  /** See {@link computeMetrics}. */
  analyze(run: RunSummary): PerformanceMetrics {
    return computeMetrics(run);
  }

  /**
   * Adds the duration of every completed, timed task of `run` to the history, skipping tasks of
   * that run already recorded (so recording a resumed run twice adds nothing), then keeps the last
   * `maxSamplesPerType` samples of each type. Returns how many samples were added.
   */
  async record(run: RunSummary): Promise<number> {
    const store = this.#requireStore();
    const history = await this.#load(store);
    const known = new Set(history.samples.map((s) => `${s.runId}\u0000${s.taskId}`));
    const recordedAt = iso(this.#now());
    let added = 0;
    for (const task of run.tasks) {
      if (task.status !== "completed") continue;
      const durationMs = taskDurationMs(task, run.pauses);
      if (durationMs === undefined || known.has(`${run.runId}\u0000${task.id}`)) continue;
      const sample: DurationSample = {
        runId: run.runId,
        taskId: task.id,
        type: task.type,
        durationMs,
        recordedAt,
      };
      if (task.complexity !== undefined) sample.complexity = task.complexity;
      if (task.costUsd !== undefined) sample.costUsd = task.costUsd;
      history.samples.push(parseWith(DurationSample, sample, `duration of task ${task.id}`));
      added++;
    }
    if (added === 0) return 0;
    await store.write(`${JSON.stringify({ version: 1, samples: this.#bound(history.samples) }, null, 2)}\n`);
    return added;
  }

  /**
   * Median, mean, p90, min and max of the recorded durations of `type` (and `complexity`, when
   * given: only samples of that complexity count). Undefined when there is no such sample.
   */
  async predict(type: TaskType, complexity?: Complexity): Promise<DurationPrediction | undefined> {
    const { samples } = await this.#load(this.#requireStore());
    const durations = samples
      .filter((s) => s.type === type && (complexity === undefined || s.complexity === complexity))
      .map((s) => s.durationMs)
      .sort((a, b) => a - b);
    const n = durations.length;
    if (n === 0) return undefined;
    const mid = Math.floor(n / 2);
    const prediction: DurationPrediction = {
      type,
      samples: n,
      medianMs: n % 2 === 1 ? durations[mid]! : (durations[mid - 1]! + durations[mid]!) / 2,
      meanMs: durations.reduce((a, b) => a + b, 0) / n,
      p90Ms: durations[Math.ceil(0.9 * n) - 1]!,
      minMs: durations[0]!,
      maxMs: durations[n - 1]!,
    };
    if (complexity !== undefined) prediction.complexity = complexity;
    return prediction;
  }

  /**
   * The median cost in USD of recorded tasks of `type` (and `complexity`, when given) that have
   * one; undefined when none has. What the run budget expects a task like it to spend.
   */
  async predictCost(type: TaskType, complexity?: Complexity): Promise<number | undefined> {
    const { samples } = await this.#load(this.#requireStore());
    const costs = samples
      .filter((s) => s.type === type && (complexity === undefined || s.complexity === complexity))
      .flatMap((s) => (s.costUsd === undefined ? [] : [s.costUsd]))
      .sort((a, b) => a - b);
    const n = costs.length;
    if (n === 0) return undefined;
    const mid = Math.floor(n / 2);
    return n % 2 === 1 ? costs[mid]! : (costs[mid - 1]! + costs[mid]!) / 2;
  }

  /** Every stored sample, oldest first. */
  async samples(): Promise<DurationSample[]> {
    return (await this.#load(this.#requireStore())).samples;
  }

  #bound(samples: DurationSample[]): DurationSample[] {
    const left = new Map<TaskType, number>();
    const kept: DurationSample[] = [];
    for (let i = samples.length - 1; i >= 0; i--) {
      const s = samples[i]!;
      const n = left.get(s.type) ?? 0;
      if (n >= this.#max) continue;
      left.set(s.type, n + 1);
      kept.push(s);
    }
    return kept.reverse();
  }

  async #load(store: TextStore): Promise<DurationHistory> {
    const text = await store.read();
    if (text === undefined) return { version: 1, samples: [] };
    try {
      return parseJsonWith(DurationHistory, text, store.location);
    } catch (error) {
      if (!GadugiError.is(error, "GADUGI_INVALID_DATA")) throw error;
      throw new GadugiError("GADUGI_INVALID_DATA", error.args, {
        cause: error,
        hint: `${store.location} is the task duration history, used only for estimates. Fix it, or delete it to start a new history.`,
      });
    }
  }

  #requireStore(): TextStore {
    if (!this.#store) {
      throw callerError(
        "history",
        "undefined",
        "a history file path or TextStore",
        "Create the ProductivityAnalyzer with { history: defaultHistoryPath(repoRoot) }.",
      );
    }
    return this.#store;
  }
}
