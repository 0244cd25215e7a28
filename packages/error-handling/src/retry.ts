import { RetryConfig } from "@gadugi/interfaces";
import {
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  fullJitterGenerator,
  type GeneratorFn,
  halfJitterGenerator,
  type IBackoff,
  noJitterGenerator,
} from "cockatiel";
import { abortedError, isAbortError, sleep, throwIfAborted } from "./abort.js";
import { GadugiError } from "./gadugi-error.js";
import { parseWith } from "./parse.js";
import { redactSecrets } from "./redact.js";

/**
 * How each delay is randomised around the exponential curve `initialDelayMs * 2^(n-1)` (capped at
 * `maxDelayMs`): `half` waits between half and all of it (the default: spreads retries of parallel
 * tasks, yet never retries at once), `full` between zero and all of it, `decorrelated` is
 * cockatiel's decorrelated jitter, `none` waits exactly the curve.
 */
export type Jitter = "none" | "half" | "full" | "decorrelated";

const GENERATORS: Record<Jitter, GeneratorFn<unknown>> = {
  none: noJitterGenerator as GeneratorFn<unknown>,
  half: halfJitterGenerator as GeneratorFn<unknown>,
  full: fullJitterGenerator as GeneratorFn<unknown>,
  decorrelated: decorrelatedJitterGenerator as GeneratorFn<unknown>,
};

export interface RetryContext {
  /** 1 for the first call, 2 for the first retry... */
  attempt: number;
  /** The caller's signal (a never-aborting one when none was given); pass it on to the work. */
  signal: AbortSignal;
}

export interface RetryOptions {
  /** Calls in total, the first included. Default 3 (RetryConfig). */
  maxAttempts?: number;
  /** Delay before the first retry, before jitter. Default 1000. */
  initialDelayMs?: number;
  /** Upper bound of every delay, jitter included. Default 30000. */
  maxDelayMs?: number;
  /** Default `half`. */
  jitter?: Jitter;
  /**
   * Whether a failure is worth another call; `attempt` is the number of the call that failed.
   * A `false` rethrows the error unchanged. Default: everything except cancellation.
   */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each backoff wait with the number of the call that failed, the wait and the error. */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  /** Aborting stops at once, also in the middle of a wait, with GADUGI_ABORTED. */
  signal?: AbortSignal;
  /** Named in GADUGI_RETRY_EXHAUSTED and GADUGI_ABORTED messages. Default "operation". */
  operation?: string;
}

/** The default retry predicate: retry anything but a cancellation. */
export function defaultShouldRetry(error: unknown): boolean {
  return !isAbortError(error);
}

const NEVER_ABORTED = new AbortController().signal;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return redactSecrets(text);
}

/**
 * Calls `fn` until it succeeds, waiting an exponentially growing, jittered delay between calls.
 *
 * - success: its value;
 * - a failure `shouldRetry` rejects: that error, unchanged;
 * - `maxAttempts` failures: GADUGI_RETRY_EXHAUSTED with the last error as `cause`;
 * - `signal` aborted (before a call, during a wait, or during a call that then fails): GADUGI_ABORTED.
 *
 * Delays come from cockatiel's ExponentialBackoff and jitter generators. The loop is ours rather
 * than cockatiel's RetryPolicy because that policy sleeps on a plain timer it does not cancel (an
 * abort would only be seen after the whole delay, up to maxDelayMs) and its retry filter does not
 * get the attempt number.
 */
export async function retry<T>(
  fn: (context: RetryContext) => T | PromiseLike<T>,
  options: RetryOptions = {},
): Promise<T> {
  const config = parseWith(
    RetryConfig,
    {
      maxAttempts: options.maxAttempts,
      initialDelayMs: options.initialDelayMs,
      maxDelayMs: options.maxDelayMs,
    },
    "retry options",
  );
  const operation = options.operation ?? "operation";
  const shouldRetry = options.shouldRetry ?? defaultShouldRetry;
  const signal = options.signal;
  const factory = new ExponentialBackoff({
    generator: GENERATORS[options.jitter ?? "half"],
    initialDelay: config.initialDelayMs,
    maxDelay: config.maxDelayMs,
  });
  let backoff: IBackoff<unknown> | undefined;

  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal, operation);
    try {
      return await fn({ attempt, signal: signal ?? NEVER_ABORTED });
    } catch (error) {
      if (signal?.aborted) throw isAbortError(error) ? error : abortedError(signal, operation, error);
      if (!shouldRetry(error, attempt)) throw error;
      if (attempt >= config.maxAttempts) {
        throw new GadugiError(
          "GADUGI_RETRY_EXHAUSTED",
          { operation, attempts: attempt, lastError: describe(error) },
          { cause: error },
        );
      }
      backoff = backoff ? backoff.next(undefined) : factory.next();
      const delayMs = Math.max(0, Math.min(Math.round(backoff.duration), config.maxDelayMs));
      options.onRetry?.(attempt, delayMs, error);
      await sleep(delayMs, signal, operation);
    }
  }
}

/**
 * `retry` with defaults kept in one place, typically the run's `config.retry`:
 * `new RetryManager(config.retry).execute(fn, { operation: "push" })`.
 */
export class RetryManager {
  readonly defaults: Readonly<RetryOptions>;

  constructor(defaults: RetryOptions = {}) {
    this.defaults = { ...defaults };
  }

  /** Runs `fn` through `retry` with these defaults, overridden by `options`. */
  execute<T>(fn: (context: RetryContext) => T | PromiseLike<T>, options: RetryOptions = {}): Promise<T> {
    return retry(fn, mergeOptions(this.defaults, options));
  }
}

/** `{ ...base, ...override }` where an `undefined` in `override` keeps the base value. */
export function mergeOptions<T extends object>(base: Readonly<T>, override: Readonly<T>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(override)) if (value !== undefined) out[key] = value;
  return out as T;
}
