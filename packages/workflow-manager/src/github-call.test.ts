import { GadugiError } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import { callGitHub } from "./phases/github-call.js";
import type { PhaseContext } from "./types.js";

/** The parts of a phase context callGitHub uses; the task log kept in `lines`. */
function fakeContext(signal: AbortSignal = new AbortController().signal) {
  const lines: string[] = [];
  const ctx = {
    config: { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } },
    runId: "run-1",
    task: { id: "task-1" },
    signal,
    log: async (message: string) => {
      lines.push(message);
    },
  } as unknown as PhaseContext;
  return { ctx, lines };
}

const apiError = (status: number) =>
  new GadugiError("GADUGI_GITHUB_API", { operation: "create PR", status, message: `HTTP ${status}` });

describe("callGitHub", () => {
  it("logs each new attempt with the error before it and returns the value", async () => {
    const { ctx, lines } = fakeContext();
    let calls = 0;
    const result = await callGitHub(ctx, "opening the pull request", async () => {
      calls++;
      if (calls < 3) throw apiError(502);
      return "pr";
    });
    expect(result).toEqual({ ok: true, value: "pr", attempts: 3 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^opening the pull request: attempt 2, after GADUGI_GITHUB_API: .*502/);
    expect(lines[1]).toMatch(/^opening the pull request: attempt 3, after /);
  });

  it("turns GitHub's trouble into data: the reason counts the attempts of a transient error", async () => {
    const { ctx } = fakeContext();
    const down = await callGitHub(ctx, "op", () => Promise.reject(apiError(503)));
    expect(down).toMatchObject({ ok: false, attempts: 3, transient: true });
    if (down.ok) throw new Error("expected a failure");
    expect(down.error.code).toBe("GADUGI_GITHUB_API");
    expect(down.reason).toMatch(/^GADUGI_GITHUB_API: .* \(3 attempts\)$/);

    const refused = await callGitHub(ctx, "op", () => Promise.reject(apiError(422)));
    expect(refused).toMatchObject({ ok: false, attempts: 1, transient: false });
    if (refused.ok) throw new Error("expected a failure");
    expect(refused.reason).not.toMatch(/attempt/);
  });

  it("throws an error that is not GitHub's, unchanged and without retrying it", async () => {
    const { ctx } = fakeContext();
    const bug = new TypeError("x is undefined");
    let calls = 0;
    await expect(
      callGitHub(ctx, "op", () => {
        calls++;
        return Promise.reject(bug);
      }),
    ).rejects.toBe(bug);
    expect(calls).toBe(1);
  });

  it("throws a cancellation", async () => {
    const controller = new AbortController();
    const { ctx } = fakeContext(controller.signal);
    const call = callGitHub(ctx, "op", () => {
      controller.abort("stop");
      return Promise.reject(apiError(502));
    });
    await expect(call).rejects.toMatchObject({ code: "GADUGI_ABORTED" });
  });
});
