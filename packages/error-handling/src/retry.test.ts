import { afterEach, describe, expect, it, vi } from "vitest";
import { GadugiError, RetryManager, retry } from "./index.js";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A function failing `failures` times with "boom N", then returning "ok". */
function flaky(failures: number) {
  let calls = 0;
  const fn = vi.fn(async () => {
    calls++;
    if (calls <= failures) throw new Error(`boom ${calls}`);
    return "ok";
  });
  return fn;
}

describe("retry", () => {
  it("returns the value once a transient failure clears, reporting each retry", async () => {
    const fn = flaky(2);
    const onRetry = vi.fn();
    const value = await retry(fn, { initialDelayMs: 1, maxDelayMs: 2, onRetry });
    expect(value).toBe("ok");
    expect(fn).toHaveBeenCalledTimes(3);
    expect(onRetry.mock.calls.map(([attempt, , error]) => [attempt, (error as Error).message])).toEqual([
      [1, "boom 1"],
      [2, "boom 2"],
    ]);
  });

  it("passes the attempt number and a signal to the work", async () => {
    const seen: number[] = [];
    await retry(
      ({ attempt, signal }) => {
        seen.push(attempt);
        expect(signal.aborted).toBe(false);
        if (attempt < 3) throw new Error("again");
        return attempt;
      },
      { initialDelayMs: 0 },
    );
    expect(seen).toEqual([1, 2, 3]);
  });

  it("gives up after maxAttempts with GADUGI_RETRY_EXHAUSTED carrying the last error", async () => {
    const fn = flaky(10);
    const error = await retry(fn, { maxAttempts: 4, initialDelayMs: 0, operation: "git push" }).catch(
      (e) => e,
    );
    expect(fn).toHaveBeenCalledTimes(4);
    expect(GadugiError.is(error, "GADUGI_RETRY_EXHAUSTED")).toBe(true);
    expect(error.message).toBe("git push failed 4 times; last error: boom 4");
    expect(error.args).toEqual({ operation: "git push", attempts: 4, lastError: "boom 4" });
    expect((error.cause as Error).message).toBe("boom 4");
    expect(error.exitCode).toBe(1);
  });

  it("redacts secrets from the last error in the exhausted message", async () => {
    const error = await retry(
      () => {
        throw new Error("auth failed for ghp_abcdefghijklmnopqrstuvwxyz0123456789");
      },
      { maxAttempts: 1 },
    ).catch((e) => e);
    expect(error.message).not.toContain("ghp_abcdef");
    expect(error.message).toContain("[REDACTED]");
  });

  it("rethrows an error the predicate rejects unchanged, after the attempts it allowed", async () => {
    const fatal = new Error("fatal");
    const predicate = vi.fn(
      (error: unknown, attempt: number) => (error as Error).message !== "fatal" && attempt < 10,
    );
    let calls = 0;
    const thrown = await retry(
      () => {
        calls++;
        throw calls < 3 ? new Error("transient") : fatal;
      },
      { maxAttempts: 5, initialDelayMs: 0, shouldRetry: predicate },
    ).catch((e) => e);
    expect(thrown).toBe(fatal);
    expect(calls).toBe(3);
    expect(predicate.mock.calls.map(([, attempt]) => attempt)).toEqual([1, 2, 3]);
  });

  it("does not retry a cancellation by default", async () => {
    const cancelled = new GadugiError("GADUGI_ABORTED", { operation: "agent" });
    const fn = vi.fn(async () => {
      throw cancelled;
    });
    await expect(retry(fn, { initialDelayMs: 0 })).rejects.toBe(cancelled);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("stops waiting at once when aborted during the backoff, leaving no timer behind", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw new Error("down");
    });
    const result = retry(fn, {
      initialDelayMs: 20_000,
      signal: controller.signal,
      operation: "fetch issues",
      onRetry: () => {
        queueMicrotask(() => controller.abort("user pressed Ctrl-C"));
      },
    }).catch((e) => e);
    await vi.advanceTimersByTimeAsync(0);
    const error = await result;
    expect(GadugiError.is(error, "GADUGI_ABORTED")).toBe(true);
    expect(error.message).toBe("fetch issues was cancelled: user pressed Ctrl-C.");
    expect(error.exitCode).toBe(130);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts with real timers well before the backoff delay would end", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const started = Date.now();
    const error = await retry(
      () => {
        throw new Error("down");
      },
      { initialDelayMs: 10_000, jitter: "none", signal: controller.signal },
    ).catch((e) => e);
    expect(GadugiError.is(error, "GADUGI_ABORTED")).toBe(true);
    expect(error.message).toBe("operation was cancelled.");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("never calls the work when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const fn = vi.fn();
    const error = await retry(fn, { signal: controller.signal }).catch((e) => e);
    expect(GadugiError.is(error, "GADUGI_ABORTED")).toBe(true);
    expect(error.message).toContain("shutting down");
    expect(fn).not.toHaveBeenCalled();
  });

  it("turns a failure caused by an abort during the call into GADUGI_ABORTED", async () => {
    const controller = new AbortController();
    const error = await retry(
      () => {
        controller.abort();
        throw new Error("socket closed");
      },
      { signal: controller.signal, initialDelayMs: 0 },
    ).catch((e) => e);
    expect(GadugiError.is(error, "GADUGI_ABORTED")).toBe(true);
    expect((error.cause as Error).message).toBe("socket closed");
  });

  it("uses the RetryConfig defaults: 3 attempts, 1000 ms then 2000 ms without jitter", async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    const fn = flaky(10);
    const result = retry(fn, { jitter: "none", onRetry: (_attempt, delay) => delays.push(delay) }).catch(
      (e) => e,
    );
    await vi.runAllTimersAsync();
    expect(GadugiError.is(await result, "GADUGI_RETRY_EXHAUSTED")).toBe(true);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(delays).toEqual([1000, 2000]);
  });

  it("grows delays exponentially and caps them at maxDelayMs", async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    const result = retry(flaky(10), {
      maxAttempts: 8,
      initialDelayMs: 100,
      maxDelayMs: 1_000,
      jitter: "none",
      onRetry: (_a, delay) => delays.push(delay),
    }).catch((e) => e);
    await vi.runAllTimersAsync();
    await result;
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it.each(["half", "full", "decorrelated"] as const)(
    "keeps %s jitter within [0, maxDelayMs]",
    async (jitter) => {
      vi.useFakeTimers();
      for (const random of [0, 0.5, 0.999_999]) {
        vi.spyOn(Math, "random").mockReturnValue(random);
        const delays: number[] = [];
        const result = retry(flaky(100), {
          maxAttempts: 15,
          initialDelayMs: 300,
          maxDelayMs: 2_000,
          jitter,
          onRetry: (_a, delay) => delays.push(delay),
        }).catch((e) => e);
        await vi.runAllTimersAsync();
        await result;
        expect(delays).toHaveLength(14);
        for (const delay of delays) {
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(2_000);
        }
      }
    },
  );

  it("spreads half-jittered delays between half and all of the exponential delay", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValueOnce(0).mockReturnValueOnce(0.999_999);
    const delays: number[] = [];
    const result = retry(flaky(10), {
      initialDelayMs: 1_000,
      onRetry: (_a, delay) => delays.push(delay),
    }).catch((e) => e);
    await vi.runAllTimersAsync();
    await result;
    expect(delays[0]).toBe(500);
    expect(delays[1]).toBeGreaterThan(1_990);
    expect(delays[1]).toBeLessThan(2_000);
  });

  it("rejects invalid options with GADUGI_INVALID_DATA naming the key", async () => {
    const error = await retry(() => 1, { maxAttempts: 0 }).catch((e) => e);
    expect(GadugiError.is(error, "GADUGI_INVALID_DATA")).toBe(true);
    expect(error.message).toContain("retry options is not valid");
    expect(error.message).toContain("- maxAttempts:");
  });
});

describe("RetryManager", () => {
  it("applies its defaults, overridden per call", async () => {
    const manager = new RetryManager({ maxAttempts: 2, initialDelayMs: 0, operation: "sync" });
    const twice = flaky(10);
    const error = await manager.execute(twice).catch((e) => e);
    expect(twice).toHaveBeenCalledTimes(2);
    expect(error.message).toMatch(/^sync failed 2 times/);

    const thrice = flaky(10);
    await manager.execute(thrice, { maxAttempts: 3, operation: undefined }).catch(() => undefined);
    expect(thrice).toHaveBeenCalledTimes(3);
  });
});
