import { ErrorContext } from "@gadugi/interfaces";
import { describe, expect, it, vi } from "vitest";
import {
  CircuitBreaker,
  captureContext,
  causeChain,
  type Degradation,
  ErrorHandler,
  GadugiError,
} from "./index.js";

const env = { GITHUB_TOKEN: "env-token-value-123" };
const now = () => Date.parse("2025-06-01T12:00:00.000Z");

describe("captureContext", () => {
  it("keeps a GadugiError's code, hint and arguments with where it happened", () => {
    const error = new GadugiError("GADUGI_GIT_FAILED", {
      command: "git push",
      exitCode: 128,
      stderr: "denied",
    });
    const context = captureContext(
      error,
      {
        operation: "push branch",
        runId: "run-1",
        taskId: "task-a",
        phase: "pr_creation",
        attempt: 2,
        details: { remote: "origin" },
      },
      { env, now },
    );
    expect(ErrorContext.parse(context)).toEqual(context);
    expect(context).toMatchObject({
      code: "GADUGI_GIT_FAILED",
      message: "`git push` exited with 128: denied",
      hint: error.hint,
      operation: "push branch",
      runId: "run-1",
      taskId: "task-a",
      phase: "pr_creation",
      attempt: 2,
      timestamp: "2025-06-01T12:00:00.000Z",
      causes: [],
      details: { remote: "origin", args: { command: "git push", exitCode: 128, stderr: "denied" } },
    });
    expect(context.stack).toContain("GadugiError");
  });

  it("codes anything else GADUGI_UNEXPECTED and omits what it does not know", () => {
    const context = captureContext(new TypeError("x is undefined"), {}, { env, now });
    expect(context.code).toBe("GADUGI_UNEXPECTED");
    expect(context.message).toBe("x is undefined");
    expect("hint" in context).toBe(false);
    expect("taskId" in context).toBe(false);
    expect(captureContext("a string was thrown", {}, { env, now }).message).toBe("a string was thrown");
    expect(captureContext({ status: 500 }, {}, { env, now }).message).toBe('{"status":500}');
  });

  it("flattens the cause chain, outermost first", () => {
    const root = new Error("ECONNRESET");
    const middle = new GadugiError(
      "GADUGI_GITHUB_API",
      { operation: "create PR", status: 502, message: "bad gateway" },
      { cause: root },
    );
    const top = new GadugiError(
      "GADUGI_RETRY_EXHAUSTED",
      { operation: "create PR", attempts: 3, lastError: "bad gateway" },
      { cause: middle },
    );
    expect(captureContext(top, {}, { env, now }).causes).toEqual([
      "GADUGI_GITHUB_API: GitHub create PR failed with HTTP 502: bad gateway",
      "Error: ECONNRESET",
    ]);
  });

  it("stops at a cycle in the causes", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(causeChain(a)).toEqual(["Error: b"]);
  });

  it("redacts secrets in the message, causes, stack and details", () => {
    const cause = new Error("header was Bearer abc.def.ghi");
    const error = new Error("push failed with env-token-value-123 and ghp_0123456789abcdefghijkl", { cause });
    const context = captureContext(
      error,
      { details: { command: "git -c http.extraHeader=x GH_TOKEN=zzz push", token: "raw" } },
      { env, now },
    );
    const text = JSON.stringify(context);
    expect(text).not.toContain("env-token-value-123");
    expect(text).not.toContain("ghp_0123456789");
    expect(text).not.toContain("abc.def.ghi");
    expect(text).not.toContain("zzz");
    expect(text).not.toContain('"raw"');
    expect(context.message).toBe("push failed with [REDACTED] and ghp_[REDACTED]");
    expect(context.causes).toEqual(["Error: header was Bearer [REDACTED]"]);
  });

  it("validates the result with the ErrorContext schema", () => {
    expect(() => captureContext(new Error("x"), { attempt: 0 }, { env, now })).toThrow(
      /error context is not valid[\s\S]*- attempt:/,
    );
  });
});

describe("ErrorHandler", () => {
  it("falls back with the error and reports the degradation", async () => {
    const degraded: Degradation[] = [];
    const handler = new ErrorHandler({
      env,
      now,
      onDegraded: (d) => degraded.push(d),
      info: { runId: "run-1" },
    });
    const failure = new Error("GitHub is down");
    const fallback = vi.fn((error: unknown) => `offline (${(error as Error).message})`);
    const value = await handler.withGracefulDegradation(() => Promise.reject(failure), fallback, {
      operation: "create issue",
    });
    expect(value).toBe("offline (GitHub is down)");
    expect(fallback).toHaveBeenCalledWith(failure, expect.objectContaining({ code: "GADUGI_UNEXPECTED" }));
    expect(degraded).toHaveLength(1);
    expect(degraded[0]).toMatchObject({ operation: "create issue", error: failure });
    expect(degraded[0]?.context).toMatchObject({
      runId: "run-1",
      operation: "create issue",
      message: "GitHub is down",
    });
  });

  it("does not call the fallback when the work succeeds", async () => {
    const fallback = vi.fn();
    await expect(new ErrorHandler().withGracefulDegradation(() => 7, fallback)).resolves.toBe(7);
    expect(fallback).not.toHaveBeenCalled();
  });

  it("does not degrade a cancellation", async () => {
    const cancelled = new GadugiError("GADUGI_ABORTED", { operation: "run" });
    const fallback = vi.fn();
    await expect(
      new ErrorHandler().withGracefulDegradation(() => Promise.reject(cancelled), fallback),
    ).rejects.toBe(cancelled);
    expect(fallback).not.toHaveBeenCalled();
  });

  it("degrades only what shouldDegrade accepts; the rest is thrown and not told as degraded", async () => {
    const onDegraded = vi.fn();
    const handler = new ErrorHandler({ onDegraded });
    const ours = new Error("a bug of ours");
    const theirs = new Error("GitHub is down");
    const shouldDegrade = (error: unknown) => error === theirs;
    const fallback = vi.fn(() => "degraded");
    await expect(
      handler.withGracefulDegradation(() => Promise.reject(ours), fallback, {}, { shouldDegrade }),
    ).rejects.toBe(ours);
    expect(fallback).not.toHaveBeenCalled();
    expect(onDegraded).not.toHaveBeenCalled();
    await expect(
      handler.withGracefulDegradation(
        () => Promise.reject(theirs),
        fallback,
        { operation: "post" },
        { shouldDegrade },
      ),
    ).resolves.toBe("degraded");
    expect(onDegraded).toHaveBeenCalledTimes(1);
    expect(onDegraded.mock.calls[0]?.[0]).toMatchObject({ operation: "post", error: theirs });
  });

  it("throws the fallback's own error when the fallback fails too", async () => {
    const handler = new ErrorHandler();
    await expect(
      handler.withGracefulDegradation(
        () => Promise.reject(new Error("primary")),
        () => {
          throw new Error("fallback");
        },
      ),
    ).rejects.toThrow("fallback");
  });

  it("retries with its defaults and reports the final failure to onError", async () => {
    const onError = vi.fn();
    const handler = new ErrorHandler({ env, now, onError, retry: { maxAttempts: 2, initialDelayMs: 0 } });
    const fn = vi.fn(() => Promise.reject(new Error("flaky")));
    const error = await handler.withRetry(fn, { operation: "fetch" }, { taskId: "task-a" }).catch((e) => e);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(GadugiError.is(error, "GADUGI_RETRY_EXHAUSTED")).toBe(true);
    expect(onError).toHaveBeenCalledTimes(1);
    const [context, reported] = onError.mock.calls[0] ?? [];
    expect(reported).toBe(error);
    expect(context).toMatchObject({
      code: "GADUGI_RETRY_EXHAUSTED",
      operation: "fetch",
      taskId: "task-a",
      causes: ["Error: flaky"],
    });
  });

  it("returns the value of a retried call without reporting anything", async () => {
    const onError = vi.fn();
    const handler = new ErrorHandler({ onError });
    let calls = 0;
    const value = await handler.withRetry(
      () => {
        calls++;
        if (calls === 1) throw new Error("once");
        return "done";
      },
      { initialDelayMs: 0 },
    );
    expect(value).toBe("done");
    expect(onError).not.toHaveBeenCalled();
  });

  it("runs through a circuit breaker and reports a refusal", async () => {
    const onError = vi.fn();
    const handler = new ErrorHandler({ env, now, onError });
    const breaker = new CircuitBreaker({ name: "agent", failureThreshold: 1, now });
    await expect(
      handler.withCircuitBreaker(breaker, () => Promise.reject(new Error("crash"))),
    ).rejects.toThrow("crash");
    await expect(handler.withCircuitBreaker(breaker, () => "never")).rejects.toMatchObject({
      code: "GADUGI_CIRCUIT_OPEN",
    });
    expect(onError.mock.calls.map(([context]) => [context.code, context.operation])).toEqual([
      ["GADUGI_UNEXPECTED", "circuit agent"],
      ["GADUGI_CIRCUIT_OPEN", "circuit agent"],
    ]);
  });

  it("keeps the original error when the sink throws", async () => {
    const handler = new ErrorHandler({
      onError: () => {
        throw new Error("sink broke");
      },
      retry: { maxAttempts: 1 },
    });
    await expect(handler.withRetry(() => Promise.reject(new Error("real")))).rejects.toMatchObject({
      code: "GADUGI_RETRY_EXHAUSTED",
    });
  });

  it("report() captures, sends to the sink and returns the context", () => {
    const onError = vi.fn();
    const handler = new ErrorHandler({
      env,
      now,
      onError,
      info: { runId: "run-9", details: { host: "ci" } },
    });
    const context = handler.report(new Error("boom"), { phase: "testing", details: { step: 2 } });
    expect(context).toMatchObject({ runId: "run-9", phase: "testing", details: { host: "ci", step: 2 } });
    expect(onError).toHaveBeenCalledWith(context, expect.any(Error));
  });
});
