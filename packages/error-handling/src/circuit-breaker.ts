import { type BreakerState, CircuitBreakerConfig } from "@gadugi/interfaces";
import { isAbortError } from "./abort.js";
import { GadugiError } from "./gadugi-error.js";
import { parseWith } from "./parse.js";
import { redactSecrets } from "./redact.js";

export interface CircuitBreakerOptions {
  /** Named in events and in GADUGI_CIRCUIT_OPEN. Default "default". */
  name?: string;
  /** Consecutive failures that open the breaker. Default 5 (CircuitBreakerConfig). */
  failureThreshold?: number;
  /**
   * Seconds the breaker stays open before one trial call is let through. Default 600. Seconds, as
   * in CircuitBreakerConfig and the seed's `timeout`: the seed's
   * `CircuitBreaker(failure_threshold=3, timeout=300)` is
   * `new CircuitBreaker({ failureThreshold: 3, resetTimeoutSec: 300 })`.
   */
  resetTimeoutSec?: number;
  /** Clock in milliseconds. Default `Date.now`; tests pass a fake one. */
  now?: () => number;
  /**
   * Whether an error counts as a failure of the protected dependency. Default: every error but a
   * cancellation (GADUGI_ABORTED or an AbortError), which neither opens nor closes the breaker.
   */
  isFailure?: (error: unknown) => boolean;
}

export interface BreakerStateChange {
  name: string;
  from: BreakerState;
  to: BreakerState;
  /** Why, in words: "3 consecutive failures; last: ...", "trial call succeeded"... */
  reason: string;
}

export type BreakerListener = (change: BreakerStateChange) => void;

function describe(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

/**
 * Stops calling a dependency that keeps failing. Closed: calls pass, consecutive failures are
 * counted, and `failureThreshold` of them open the breaker. Open: calls are refused with
 * GADUGI_CIRCUIT_OPEN (its `retryInSec` says when to come back). After `resetTimeoutSec` the next
 * call is the half-open trial: success closes the breaker, failure re-opens it for another full
 * timeout; calls arriving during the trial wait for its outcome. No timer is kept: the switch to
 * half-open happens on the first call after the timeout, so `state` reads "open" until then.
 *
 * A small state machine of our own rather than cockatiel's CircuitBreakerPolicy: cockatiel reads
 * `Date.now()` directly (no injectable clock, so tests would have to fake global time), and it
 * closes the breaker when a trial call fails with an error its filter ignores, where we want a
 * cancelled trial to leave the breaker open.
 */
export class CircuitBreaker {
  readonly name: string;
  readonly failureThreshold: number;
  readonly resetTimeoutSec: number;
  readonly #now: () => number;
  readonly #isFailure: (error: unknown) => boolean;
  readonly #listeners = new Set<BreakerListener>();
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #trial: Promise<unknown> | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    const config = parseWith(
      CircuitBreakerConfig,
      { failureThreshold: options.failureThreshold, resetTimeoutSec: options.resetTimeoutSec },
      "circuit breaker options",
    );
    this.name = options.name ?? "default";
    this.failureThreshold = config.failureThreshold;
    this.resetTimeoutSec = config.resetTimeoutSec;
    this.#now = options.now ?? Date.now;
    this.#isFailure = options.isFailure ?? ((error) => !isAbortError(error));
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Failures counted since the last success (or since the breaker last closed). */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** Milliseconds until an open breaker lets a trial call through; 0 when not open. */
  get retryInMs(): number {
    if (this.#state !== "open") return 0;
    return Math.max(0, this.#openedAt + this.resetTimeoutSec * 1000 - this.#now());
  }

  /** Calls `listener` on every state change; returns a function that unsubscribes it. */
  onStateChange(listener: BreakerListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Runs `fn` through the breaker; refuses with GADUGI_CIRCUIT_OPEN while open. */
  async execute<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    for (;;) {
      if (this.#state === "closed") return this.#runClosed(fn);
      if (this.#state === "half-open") {
        // Another call is the trial: wait for its outcome, then decide again.
        await this.#trial?.catch(() => undefined);
        continue;
      }
      const waitMs = this.retryInMs;
      if (waitMs > 0) {
        throw new GadugiError("GADUGI_CIRCUIT_OPEN", {
          name: this.name,
          retryInSec: Math.ceil(waitMs / 1000),
        });
      }
      this.#transition("half-open", "reset timeout elapsed; letting one trial call through");
      return this.#runTrial(fn);
    }
  }

  /** Closes the breaker and forgets counted failures (an operator's manual reset). */
  reset(reason = "reset by hand"): void {
    this.#failures = 0;
    if (this.#state !== "closed") this.#transition("closed", reason);
  }

  async #runClosed<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      // A call that settles after the breaker opened (calls run concurrently) changes nothing.
      if (this.#state === "closed" && this.#isFailure(error)) {
        this.#failures++;
        if (this.#failures >= this.failureThreshold) {
          this.#open(`${this.#failures} consecutive failures; last: ${describe(error)}`);
        }
      }
      throw error;
    }
    if (this.#state === "closed") this.#failures = 0;
    return value;
  }

  #runTrial<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    const trial = (async () => {
      let value: T;
      try {
        value = await fn();
      } catch (error) {
        if (this.#isFailure(error)) {
          this.#failures++;
          this.#open(`trial call failed: ${describe(error)}`);
        } else {
          // Cancelled: nothing learnt about the dependency. Back to open without a new timeout,
          // so the next call is a trial again.
          this.#transition("open", "trial call was cancelled");
        }
        throw error;
      }
      this.#failures = 0;
      this.#transition("closed", "trial call succeeded");
      return value;
    })();
    this.#trial = trial;
    return trial;
  }

  #open(reason: string): void {
    this.#openedAt = this.#now();
    this.#transition("open", reason);
  }

  #transition(to: BreakerState, reason: string): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    if (to !== "half-open") this.#trial = undefined;
    const change: BreakerStateChange = { name: this.name, from, to, reason };
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A failing listener (a logger, a journal) must not change what the breaker does.
      }
    }
  }
}
