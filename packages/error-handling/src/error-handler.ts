import type { ErrorContext } from "@gadugi/interfaces";
import { isAbortError } from "./abort.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import { type CaptureOptions, captureContext, type ErrorInfo } from "./error-context.js";
import { mergeOptions, type RetryContext, type RetryOptions, retry } from "./retry.js";

/** A failure that was absorbed by a fallback. */
export interface Degradation {
  operation?: string;
  error: unknown;
  context: ErrorContext;
}

export interface ErrorHandlerOptions extends CaptureOptions {
  /** Sink for errors escaping `withRetry` and `withCircuitBreaker`, and for `report` (not cancellations). */
  onError?: (context: ErrorContext, error: unknown) => void;
  /** Told each time `withGracefulDegradation` falls back. */
  onDegraded?: (degradation: Degradation) => void;
  /** Defaults for `withRetry`, typically the run's `config.retry`. */
  retry?: RetryOptions;
  /** Added to every captured context (a runId, say); per-call info wins. */
  info?: ErrorInfo;
}

/**
 * The error policies in one place, with a reporting sink: retry, circuit breaking, graceful
 * degradation and context capture. Errors are never swallowed except by an explicit fallback;
 * a sink or callback that throws is ignored so it cannot hide the error being reported.
 */
export class ErrorHandler {
  readonly #options: ErrorHandlerOptions;

  constructor(options: ErrorHandlerOptions = {}) {
    this.#options = options;
  }

  /** A redacted, validated ErrorContext for `error` (see `captureContext`). */
  captureContext(error: unknown, info: ErrorInfo = {}): ErrorContext {
    const base = this.#options.info ?? {};
    return captureContext(
      error,
      { ...mergeOptions(base, info), details: { ...base.details, ...info.details } },
      this.#options,
    );
  }

  /** Captures `error`'s context and hands it to `onError`; returns the context. */
  report(error: unknown, info: ErrorInfo = {}): ErrorContext {
    const context = this.captureContext(error, info);
    safely(() => this.#options.onError?.(context, error));
    return context;
  }

  /** `retry(fn, opts)` with the handler's retry defaults; a final failure is reported, then thrown. */
  async withRetry<T>(
    fn: (context: RetryContext) => T | PromiseLike<T>,
    opts: RetryOptions = {},
    info: ErrorInfo = {},
  ): Promise<T> {
    const options = mergeOptions(this.#options.retry ?? {}, opts);
    try {
      return await retry(fn, options);
    } catch (error) {
      this.#reportEscaping(error, mergeOptions<ErrorInfo>({ operation: options.operation }, info));
      throw error;
    }
  }

  /** `breaker.execute(fn)`; a failure (GADUGI_CIRCUIT_OPEN included) is reported, then thrown. */
  async withCircuitBreaker<T>(
    breaker: CircuitBreaker,
    fn: () => T | PromiseLike<T>,
    info: ErrorInfo = {},
  ): Promise<T> {
    try {
      return await breaker.execute(fn);
    } catch (error) {
      this.#reportEscaping(error, mergeOptions<ErrorInfo>({ operation: `circuit ${breaker.name}` }, info));
      throw error;
    }
  }

  /**
   * `fn()`, or when it fails `fallback(error, context)`: the degraded result stands in for the
   * real one and `onDegraded` is told. A cancellation is not degraded: it is rethrown, and so is
   * an error `options.shouldDegrade` turns down (neither reported as degraded). A failing
   * fallback throws its own error.
   */
  async withGracefulDegradation<T, F = T>(
    fn: () => T | PromiseLike<T>,
    fallback: (error: unknown, context: ErrorContext) => F | PromiseLike<F>,
    info: ErrorInfo = {},
    options: { shouldDegrade?: (error: unknown) => boolean } = {},
  ): Promise<T | F> {
    try {
      return await fn();
    } catch (error) {
      if (isAbortError(error)) throw error;
      if (options.shouldDegrade !== undefined && !options.shouldDegrade(error)) throw error;
      const context = this.captureContext(error, info);
      safely(() => this.#options.onDegraded?.({ operation: context.operation, error, context }));
      return await fallback(error, context);
    }
  }

  #reportEscaping(error: unknown, info: ErrorInfo): void {
    if (isAbortError(error) || !this.#options.onError) return;
    safely(() => this.report(error, info));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // Reporting must never replace the error being reported.
  }
}
