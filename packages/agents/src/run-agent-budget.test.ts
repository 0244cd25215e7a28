import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { AgentConfigInput, AgentEvent } from "@gadugi/interfaces";
import { captureFiles, createFakeAgent, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { makeRequest } from "./test-helpers/request.js";
import { createUsageStreamer, type UsageStreamer } from "./test-helpers/usage-streamer.js";

const temp = useTempDirs();

/** A codex agent that is the usage streamer, configured through its environment. */
function streamerAgent(
  streamer: UsageStreamer,
  agent: Partial<AgentConfigInput>,
  env: Record<string, string> = {},
): AgentConfigInput {
  return {
    kind: "codex",
    command: streamer.command,
    ...agent,
    env: { FAKE_SIGNALS_FILE: streamer.signalsFile, ...env },
  };
}

function warnings(events: AgentEvent[]): string[] {
  return events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
}

describe("the per-task budget of a CLI without a budget flag of its own", () => {
  it("stops a codex-like CLI with SIGINT once its cumulative usage costs the cap", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    // gpt-mock's default price: each turn adds 100k input ($0.125) and 10k output ($0.10).
    const request = makeRequest(dir, streamerAgent(streamer, { model: "gpt-mock", maxBudgetUsd: 0.5 }));
    const events: AgentEvent[] = [];
    const result = await runAgent(request, { onEvent: (e) => events.push(e), killGraceMs: 5000 });

    expect(result.outcome).toBe("budget_exceeded");
    expect(result.reason).toBe("stopped at its budget of $0.50 (spent $0.68)");
    expect(result.exitCode).toBe(130);
    expect(streamer.signals().map((s) => s.signal)).toEqual(["SIGINT"]);
    // The third turn reached the cap; it was stopped before much more.
    const turns = events.filter((e) => e.type === "usage").length;
    expect(turns).toBeGreaterThanOrEqual(3);
    expect(turns).toBeLessThanOrEqual(4);
    expect(result.usage).toMatchObject({ model: "gpt-mock" });
    expect(readFileSync(request.logFile, "utf8")).toContain(
      "stopping the agent: stopped at its budget of $0.50",
    );
  });

  it("uses the request's pricing over the defaults", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const request = makeRequest(
      dir,
      streamerAgent(streamer, { model: "house-model", maxBudgetUsd: 1 }, { FAKE_TURNS: "3" }),
      { pricing: { "house-model": { inputPerMTok: 10, outputPerMTok: 0 } } },
    );
    const result = await runAgent(request);
    // $1 per turn of 100k input tokens: the first turn reaches the cap.
    expect(result.outcome).toBe("budget_exceeded");
    expect(result.reason).toBe("stopped at its budget of $1.00 (spent $1.00)");
  });

  it("an unknown cost cannot reach the cap: said once, and the run goes on to its end", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const agent = streamerAgent(
      streamer,
      { model: "mystery-model", maxBudgetUsd: 0.01 },
      { FAKE_TURNS: "3", FAKE_PACE_MS: "20" },
    );
    const events: AgentEvent[] = [];
    const result = await runAgent(makeRequest(dir, agent), { onEvent: (e) => events.push(e) });
    expect(result.outcome).toBe("ok");
    expect(warnings(events).filter((w) => w.startsWith("per-task budget"))).toEqual([
      "per-task budget cannot be enforced: no price for model mystery-model",
    ]);
    expect(streamer.signals()).toEqual([]);
  });

  it("without agent.model the warning says the tokens have no model to price", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const agent = streamerAgent(streamer, { maxBudgetUsd: 0.01 }, { FAKE_TURNS: "2", FAKE_PACE_MS: "20" });
    const events: AgentEvent[] = [];
    const result = await runAgent(makeRequest(dir, agent), { onEvent: (e) => events.push(e) });
    expect(result.outcome).toBe("ok");
    expect(warnings(events)).toContainEqual(
      expect.stringMatching(/^per-task budget cannot be enforced: the agent names no model/),
    );
    // codex's "has no option for maxBudgetUsd" is gone: Gadugi enforces it.
    expect(warnings(events).some((w) => w.includes("has no option for maxBudgetUsd"))).toBe(false);
  });

  it("a CLI that ignores SIGINT still dies by the group kill after the grace", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const agent = streamerAgent(
      streamer,
      { model: "gpt-mock", maxBudgetUsd: 0.2 },
      { FAKE_IGNORE_SIGINT: "1" },
    );
    const result = await runAgent(makeRequest(dir, agent), { killGraceMs: 400 });
    expect(result.outcome).toBe("budget_exceeded");
    expect(result.reason).toMatch(/^stopped at its budget of \$0\.20/);
    const signals = streamer.signals();
    expect(signals.map((s) => s.signal)).toEqual(["SIGINT", "SIGTERM"]);
    const [interrupt, terminate] = signals.map((s) => s.at);
    expect((terminate ?? 0) - (interrupt ?? 0)).toBeGreaterThanOrEqual(350);
  });
});

describe("runAgent aborted because the run's budget is reached", () => {
  it("sends SIGINT first and ends budget_exceeded with the error's message", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const controller = new AbortController();
    const error = new GadugiError("GADUGI_BUDGET_EXCEEDED", { scope: "run", limit: "$5.00", spent: "$5.10" });
    const request = makeRequest(dir, streamerAgent(streamer, { model: "gpt-mock" }));
    const result = await runAgent(request, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "usage") controller.abort(error);
      },
    });
    expect(result.outcome).toBe("budget_exceeded");
    expect(result.reason).toBe(error.message);
    expect(result.exitCode).toBe(130);
    expect(streamer.signals().map((s) => s.signal)).toEqual(["SIGINT"]);
  });

  it("an agent that reported its final success before the stop keeps it: its work is done", async () => {
    // The real claude capture, paced: the budget is reached by the result line's own cost.
    const dir = temp.dir();
    const fake = createFakeAgent(join(dir, "bin"), {
      name: "claude",
      capture: "claude-tool-allowed",
      delayMs: 20,
    });
    const controller = new AbortController();
    const error = new GadugiError("GADUGI_BUDGET_EXCEEDED", {
      scope: "run",
      limit: "$0.002",
      spent: "$0.0022",
    });
    const result = await runAgent(makeRequest(dir, { kind: "claude", command: [fake.path] }), {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "usage" && event.usage.costUsd !== undefined) controller.abort(error);
      },
    });
    expect(result.outcome).toBe("ok");
    expect(result.usage?.costUsd).toBe(0.00216);
  });

  it("before the agent starts, the run ends budget_exceeded and nothing is spawned", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const controller = new AbortController();
    const error = new GadugiError("GADUGI_BUDGET_EXCEEDED", { scope: "run", limit: "$5.00", spent: "$5.00" });
    controller.abort(error);
    const result = await runAgent(makeRequest(dir, streamerAgent(streamer, {})), {
      signal: controller.signal,
    });
    expect(result).toMatchObject({ outcome: "budget_exceeded", reason: error.message, exitCode: null });
    expect(result.pid).toBeUndefined();
  });

  it("any other abort still kills at once (SIGTERM, no SIGINT) and ends cancelled", async () => {
    const dir = temp.dir();
    const streamer = createUsageStreamer(dir);
    const controller = new AbortController();
    const result = await runAgent(makeRequest(dir, streamerAgent(streamer, {})), {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "usage") controller.abort("the user pressed Ctrl-C");
      },
    });
    expect(result.outcome).toBe("cancelled");
    expect(result.reason).toBe("cancelled: the user pressed Ctrl-C");
    expect(streamer.signals().map((s) => s.signal)).toEqual(["SIGTERM"]);
  });
});

describe("claude enforces its own budget", () => {
  /**
   * Capture-derived fixture: claude-tool-allowed's real stdout with its result line edited into
   * the one claude prints at `--max-budget-usd` (subtype error_max_budget_usd, is_error true,
   * errors[]). Everything else is the capture byte for byte.
   */
  function overBudgetStdout(): string {
    const stdout = readFileSync(captureFiles("claude-tool-allowed").stdout, "utf8");
    return stdout
      .split("\n")
      .map((line) => {
        if (!line.includes('"type":"result"')) return line;
        const result = JSON.parse(line) as Record<string, unknown>;
        return JSON.stringify({
          ...result,
          subtype: "error_max_budget_usd",
          is_error: true,
          errors: ["Reached maximum budget ($0.002)"],
        });
      })
      .join("\n");
  }

  it("passes --max-budget-usd, is not capped by Gadugi, and error_max_budget_usd is budget_exceeded", async () => {
    const dir = temp.dir();
    const calls = join(dir, "calls.jsonl");
    const fake = createFakeAgent(join(dir, "bin"), {
      name: "claude",
      stdout: overBudgetStdout(),
      exitCode: 1,
      recordArgsTo: calls,
    });
    // A cap its streamed usage would exceed if Gadugi priced it: claude stops itself instead.
    const request = makeRequest(dir, { kind: "claude", command: [fake.path], maxBudgetUsd: 0.002 });
    const events: AgentEvent[] = [];
    const result = await runAgent(request, { onEvent: (e) => events.push(e) });
    expect(fake.calls()[0]?.argv).toEqual(expect.arrayContaining(["--max-budget-usd", "0.002"]));
    expect(result.outcome).toBe("budget_exceeded");
    expect(result.reason).toBe(
      "claude stopped at its budget of $0.002 (--max-budget-usd) (spent $0.0022): Reached maximum budget ($0.002)",
    );
    expect(warnings(events).filter((w) => w.includes("budget"))).toEqual([]);
    expect(result.usage).toMatchObject({ costUsd: 0.00216, model: "claude-opus-5-5" });
  });
});
