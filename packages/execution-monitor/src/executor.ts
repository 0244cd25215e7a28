import { parseWith } from "@gadugi/error-handling";
import { z } from "zod";

/** A JSON value: what may cross the executor boundary (a queue, a socket, another process). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const JsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, "must be a finite number"),
    z.boolean(),
    z.null(),
    z.array(JsonValue),
    z.record(z.string(), JsonValue),
  ]),
);

/** One attempt of one task, as handed to an executor: plain JSON, nothing live. */
export const TaskInput = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  /** 1 for the first attempt, 2 for the first retry... */
  attempt: z.number().int().positive(),
  payload: JsonValue,
});
export type TaskInput = z.infer<typeof TaskInput>;

/** `budget-exceeded`: stopped at the run's or the task's budget; not a failure the breaker counts. */
export const TaskOutcomeStatus = z.enum(["completed", "failed", "cancelled", "budget-exceeded"]);
export type TaskOutcomeStatus = z.infer<typeof TaskOutcomeStatus>;

/** What an executor reports for one attempt. */
export const TaskOutcome = z.strictObject({
  status: TaskOutcomeStatus,
  /** Why it failed or was cancelled; shown to the user and in dependents' skip reasons. */
  reason: z.string().optional(),
  /** A failure worth retrying (rate limit, API error, spawn error). */
  transient: z.boolean().optional(),
  /** Anything the caller wants back (JSON). */
  data: JsonValue.optional(),
});
export type TaskOutcome = z.infer<typeof TaskOutcome>;

export interface ExecutionContext {
  /** Aborted when the run is cancelled; the work must stop and report `cancelled`. */
  signal: AbortSignal;
  /**
   * The task's slot among the run's parallel ones, when the scheduler runs it (absent when an
   * executor is called directly). Slots are for agents: work that needs none (a merge, cleanup)
   * `release`s it so the next ready task starts at once, and `reacquire`s one before an agent
   * runs again (a conflict re-run). The task still counts as running for its dependents.
   */
  slot?: TaskSlot;
}

export interface TaskSlot {
  /** Gives the slot up (again: nothing). */
  release(): void;
  /** Waits for a free slot and takes it (holding one already: nothing). */
  reacquire(): Promise<void>;
}

/**
 * Runs one attempt of one task. The scheduler only ever hands over JSON and expects JSON back, so
 * an implementation may run the task in this process ({@link LocalExecutor}) or anywhere else
 * (a queue worker): see the README.
 */
export interface TaskExecutor {
  execute(input: TaskInput, context: ExecutionContext): Promise<TaskOutcome>;
}

/** The in-process work a {@link LocalExecutor} wraps. It may return an outcome or throw. */
export type TaskFunction = (
  input: TaskInput,
  context: ExecutionContext,
) => Promise<TaskOutcome> | TaskOutcome;

export interface LocalExecutorOptions {
  /** Decides whether a thrown error is a transient failure. Default: none is. */
  isTransient?: (error: unknown) => boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs tasks in this process by calling `fn`. Input and outcome are validated on the way in and
 * out, exactly as a remote executor would have to, so a task that works locally also serializes.
 * A thrown error becomes a `failed` outcome (or `cancelled` when the signal was aborted).
 */
export class LocalExecutor implements TaskExecutor {
  readonly #fn: TaskFunction;
  readonly #isTransient: (error: unknown) => boolean;

  constructor(fn: TaskFunction, options: LocalExecutorOptions = {}) {
    this.#fn = fn;
    this.#isTransient = options.isTransient ?? (() => false);
  }

  async execute(input: TaskInput, context: ExecutionContext): Promise<TaskOutcome> {
    const checked = parseWith(TaskInput, input, `task input of ${input.taskId}`);
    let outcome: unknown;
    try {
      outcome = await this.#fn(checked, context);
    } catch (error) {
      if (context.signal.aborted) return { status: "cancelled", reason: cancelReason(context.signal) };
      return { status: "failed", reason: messageOf(error), transient: this.#isTransient(error) };
    }
    return parseWith(TaskOutcome, outcome, `outcome of task ${input.taskId}`);
  }
}

/** The abort reason of a signal in words. */
export function cancelReason(signal: AbortSignal): string {
  const raw: unknown = signal.reason;
  if (typeof raw === "string" && raw !== "") return raw;
  if (raw instanceof Error && raw.name !== "AbortError") return raw.message;
  return "cancelled";
}
