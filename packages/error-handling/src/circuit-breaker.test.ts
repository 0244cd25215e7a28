import { describe, expect, it, vi } from "vitest";
import { type BreakerStateChange, CircuitBreaker, GadugiError } from "./index.js";

/** A breaker on a fake clock; `advance(ms)` moves time. */
function setup(options: { failureThreshold?: number; resetTimeoutSec?: number } = {}) {
  let now = 1_000_000;
  const breaker = new CircuitBreaker({ name: "github", now: () => now, ...options });
  const changes: BreakerStateChange[] = [];
  breaker.onStateChange((change) => changes.push(change));
  return {
    breaker,
    changes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const fail =
  (message = "HTTP 502") =>
  () =>
    Promise.reject(new Error(message));
const succeed = () => Promise.resolve("ok");

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await expect(breaker.execute(fail())).rejects.toThrow("HTTP 502");
}

describe("CircuitBreaker", () => {
  it("expresses the seed's CircuitBreaker(failure_threshold=3, timeout=300)", async () => {
    const { breaker, advance } = setup({ failureThreshold: 3, resetTimeoutSec: 300 });
    expect(breaker.failureThreshold).toBe(3);
    expect(breaker.resetTimeoutSec).toBe(300);
    await failTimes(breaker, 3);
    expect(breaker.state).toBe("open");
    advance(299_999);
    const refused = await breaker.execute(succeed).catch((e) => e);
    expect(GadugiError.is(refused, "GADUGI_CIRCUIT_OPEN")).toBe(true);
    expect(refused.args).toEqual({ name: "github", retryInSec: 1 });
    advance(1);
    await expect(breaker.execute(succeed)).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("defaults to CircuitBreakerConfig: 5 failures, 600 s", () => {
    const breaker = new CircuitBreaker();
    expect(breaker.name).toBe("default");
    expect(breaker.failureThreshold).toBe(5);
    expect(breaker.resetTimeoutSec).toBe(600);
  });

  it("opens after failureThreshold consecutive failures, and only consecutive ones count", async () => {
    const { breaker, changes } = setup({ failureThreshold: 3 });
    await failTimes(breaker, 2);
    await breaker.execute(succeed);
    expect(breaker.consecutiveFailures).toBe(0);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe("closed");
    await failTimes(breaker, 1);
    expect(breaker.state).toBe("open");
    expect(changes).toEqual([
      { name: "github", from: "closed", to: "open", reason: "3 consecutive failures; last: HTTP 502" },
    ]);
  });

  it("refuses calls while open without running them, saying when to retry", async () => {
    const { breaker, advance } = setup({ failureThreshold: 1, resetTimeoutSec: 60 });
    await failTimes(breaker, 1);
    advance(15_500);
    const fn = vi.fn(succeed);
    const error = await breaker.execute(fn).catch((e) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(GadugiError.is(error, "GADUGI_CIRCUIT_OPEN")).toBe(true);
    expect(error.message).toBe(
      'Circuit "github" is open after repeated failures; calls are refused for 45s.',
    );
    expect(breaker.retryInMs).toBe(44_500);
  });

  it("half-opens after the reset timeout and closes when the trial call succeeds", async () => {
    const { breaker, changes, advance } = setup({ failureThreshold: 2, resetTimeoutSec: 10 });
    await failTimes(breaker, 2);
    advance(10_000);
    expect(breaker.state).toBe("open");
    expect(breaker.retryInMs).toBe(0);
    let stateDuringTrial: string | undefined;
    const value = await breaker.execute(async () => {
      stateDuringTrial = breaker.state;
      return 42;
    });
    expect(value).toBe(42);
    expect(stateDuringTrial).toBe("half-open");
    expect(breaker.state).toBe("closed");
    expect(changes.map((c) => [c.from, c.to, c.reason])).toEqual([
      ["closed", "open", "2 consecutive failures; last: HTTP 502"],
      ["open", "half-open", "reset timeout elapsed; letting one trial call through"],
      ["half-open", "closed", "trial call succeeded"],
    ]);
    // Closed again: counting starts over.
    await failTimes(breaker, 1);
    expect(breaker.state).toBe("closed");
  });

  it("re-opens for a full timeout when the trial call fails", async () => {
    const { breaker, changes, advance } = setup({ failureThreshold: 1, resetTimeoutSec: 10 });
    await failTimes(breaker, 1);
    advance(10_000);
    await expect(breaker.execute(fail("still down"))).rejects.toThrow("still down");
    expect(breaker.state).toBe("open");
    expect(changes.at(-1)).toEqual({
      name: "github",
      from: "half-open",
      to: "open",
      reason: "trial call failed: still down",
    });
    advance(9_999);
    await expect(breaker.execute(succeed)).rejects.toThrow(/refused for 1s/);
    advance(1);
    await expect(breaker.execute(succeed)).resolves.toBe("ok");
  });

  it("makes calls arriving during the trial wait for its outcome", async () => {
    const { breaker, advance } = setup({ failureThreshold: 1, resetTimeoutSec: 1 });
    await failTimes(breaker, 1);
    advance(1_000);
    let release!: (value: string) => void;
    const trial = breaker.execute(() => new Promise<string>((resolve) => (release = resolve)));
    const waiting = vi.fn(succeed);
    const second = breaker.execute(waiting);
    await Promise.resolve();
    expect(waiting).not.toHaveBeenCalled();
    release("trial");
    await expect(trial).resolves.toBe("trial");
    await expect(second).resolves.toBe("ok");
    expect(waiting).toHaveBeenCalledTimes(1);
  });

  it("refuses the calls that waited for a failed trial", async () => {
    const { breaker, advance } = setup({ failureThreshold: 1, resetTimeoutSec: 1 });
    await failTimes(breaker, 1);
    advance(1_000);
    const trial = breaker.execute(fail("nope"));
    const waiting = vi.fn(succeed);
    const second = breaker.execute(waiting);
    await expect(trial).rejects.toThrow("nope");
    await expect(second).rejects.toMatchObject({ code: "GADUGI_CIRCUIT_OPEN" });
    expect(waiting).not.toHaveBeenCalled();
  });

  it("does not count cancellations as failures", async () => {
    const { breaker, advance } = setup({ failureThreshold: 1, resetTimeoutSec: 1 });
    const cancelled = new GadugiError("GADUGI_ABORTED", { operation: "call" });
    await expect(breaker.execute(() => Promise.reject(cancelled))).rejects.toBe(cancelled);
    expect(breaker.state).toBe("closed");
    await failTimes(breaker, 1);
    advance(1_000);
    // A cancelled trial leaves the breaker open, and the next call is a trial again.
    await expect(breaker.execute(() => Promise.reject(cancelled))).rejects.toBe(cancelled);
    expect(breaker.state).toBe("open");
    await expect(breaker.execute(succeed)).resolves.toBe("ok");
  });

  it("uses a custom isFailure to ignore some errors", async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: (error) => !(error instanceof Error && error.message.includes("404")),
    });
    await expect(breaker.execute(fail("HTTP 404"))).rejects.toThrow();
    expect(breaker.state).toBe("closed");
  });

  it("stops notifying a listener once unsubscribed, and survives a throwing listener", async () => {
    const { breaker } = setup({ failureThreshold: 1 });
    const listener = vi.fn();
    const unsubscribe = breaker.onStateChange(listener);
    breaker.onStateChange(() => {
      throw new Error("logger broke");
    });
    await failTimes(breaker, 1);
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    breaker.reset();
    expect(breaker.state).toBe("closed");
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("rejects invalid options with GADUGI_INVALID_DATA", () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ resetTimeoutSec: -1 })).toThrow(/circuit breaker options is not valid/);
  });
});
