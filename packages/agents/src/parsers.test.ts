import { AgentEvent, AgentKind } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { getAdapter } from "./adapters/index.js";
import { isTransientFailure, isTransientReason } from "./transient.js";

const NASTY_LINES = [
  "",
  "   ",
  "not json at all",
  "{",
  '{"type":',
  "}",
  "[1,2,3]",
  "null",
  '"a string"',
  '{"type":"never-seen-before","payload":{"x":1}}',
  '{"type":"result"}',
  '{"type":"assistant","message":null}',
  '{"type":"item.completed","item":"oops"}',
  '{"type":"tool_use","part":{"state":5}}',
  '{"type":"message","role":"assistant","content":42}',
  "\u001b[31mred text\u001b[0m",
  "x".repeat(100_000),
];

describe("every parser tolerates anything", () => {
  for (const kind of AgentKind.options) {
    it(`${kind}: garbage, unknown types and broken JSON never throw and yield valid events`, () => {
      const parser = getAdapter(kind).createParser();
      const events: AgentEvent[] = [];
      for (const line of NASTY_LINES) {
        events.push(...parser.push(line, "stdout"));
        events.push(...parser.push(line, "stderr"));
      }
      const finished = parser.finish({ exitCode: 0 });
      for (const event of [...events, finished]) expect(() => AgentEvent.parse(event)).not.toThrow();
      expect(finished.type).toBe("finished");
    });
  }

  it("non-JSON stdout of a JSON CLI is a warning; of a text agent it is text", () => {
    expect(getAdapter("claude").createParser().push("hello there")).toEqual([
      expect.objectContaining({ type: "warning", message: "unexpected output: hello there" }),
    ]);
    expect(getAdapter("command").createParser().push("hello there")).toEqual([
      expect.objectContaining({ type: "text", text: "hello there" }),
    ]);
  });

  it("a JSON object spread over lines that never closes is given back as lines at the end", () => {
    const parser = getAdapter("gemini").createParser();
    expect(parser.push("{")).toEqual([]);
    expect(parser.push('  "session_id": "s"')).toEqual([]);
    const finished = parser.finish({ exitCode: 1 });
    expect(finished.outcome).toBe("failed");
  });
});

describe("how a run ended beats what it printed", () => {
  const success = [
    '{"type":"system","subtype":"init","session_id":"s1"}',
    '{"type":"result","subtype":"success","is_error":false,"session_id":"s1","usage":{"input_tokens":1,"output_tokens":2}}',
  ];

  it("cancelled wins over everything", () => {
    const parser = getAdapter("claude").createParser();
    for (const line of success) parser.push(line);
    expect(
      parser.finish({ exitCode: null, signal: "SIGTERM", cancelled: true, stopReason: "cancelled: user" }),
    ).toMatchObject({
      outcome: "cancelled",
      reason: "cancelled: user",
    });
  });

  it("a timeout before the final status is a timeout; after it, the final status stands", () => {
    const before = getAdapter("claude").createParser();
    before.push(success[0] as string);
    expect(
      before.finish({ exitCode: null, signal: "SIGTERM", timedOut: true, stopReason: "no output for 5s" }),
    ).toMatchObject({
      outcome: "timeout",
      reason: "no output for 5s",
    });
    const after = getAdapter("claude").createParser();
    for (const line of success) after.push(line);
    const finished = after.finish({
      exitCode: null,
      signal: "SIGTERM",
      timedOut: true,
      stopReason: "no output for 5s",
    });
    expect(finished.outcome).toBe("ok");
    expect(finished.reason).toContain("no output for 5s");
  });

  it("gemini: exit codes name their cause; API errors give back the HTTP status", () => {
    const reason = (exitCode: number) => getAdapter("gemini").createParser().finish({ exitCode });
    expect(reason(41)).toMatchObject({
      outcome: "failed",
      reason: expect.stringContaining("authentication failed"),
    });
    expect(reason(42).reason).toContain("invalid input");
    expect(reason(52).reason).toContain("invalid configuration");
    expect(reason(53).outcome).toBe("max_turns");
    expect(reason(54).reason).toContain("a tool failed fatally");
    expect(reason(55).reason).toContain("--skip-trust");
    expect(reason(130).outcome).toBe("cancelled");
    expect(reason(173).reason).toContain("HTTP 429");
    expect(reason(247).reason).toContain("HTTP 503");
    expect(isTransientReason("failed", reason(173).reason)).toBe(true);
    expect(isTransientReason("failed", reason(144).reason)).toBe(false);
  });

  it("claude: error_max_budget_usd is budget_exceeded, error_during_execution fails", () => {
    const parser = getAdapter("claude").createParser({ maxBudgetUsd: 0.5 });
    parser.push(
      '{"type":"result","subtype":"error_max_budget_usd","is_error":true,"errors":["over budget"]}',
    );
    const stopped = parser.finish({ exitCode: 1 });
    expect(stopped).toMatchObject({
      outcome: "budget_exceeded",
      reason: "claude stopped at its budget of $0.50 (--max-budget-usd): over budget",
    });
    expect(isTransientFailure([stopped])).toBe(false);
    const during = getAdapter("claude").createParser();
    during.push(
      '{"type":"result","subtype":"error_during_execution","is_error":true,"api_error_status":529,"result":"Overloaded"}',
    );
    const finished = during.finish({ exitCode: 1 });
    expect(finished).toMatchObject({ outcome: "failed", reason: expect.stringContaining("HTTP 529") });
    expect(isTransientFailure([finished])).toBe(true);
  });

  it("codex: usage after a resume is the last turn.completed, not a sum", () => {
    const parser = getAdapter("codex").createParser();
    parser.push(
      '{"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":0,"output_tokens":10}}',
    );
    parser.push(
      '{"type":"turn.completed","usage":{"input_tokens":250,"cached_input_tokens":50,"output_tokens":30}}',
    );
    expect(parser.finish({ exitCode: 0 }).usage).toEqual({
      inputTokens: 200,
      outputTokens: 30,
      cacheReadTokens: 50,
      cacheWriteTokens: 0,
    });
  });

  it("opencode: an error event fails the run even when it exits 0, unless a step finished after it", () => {
    const failed = getAdapter("opencode").createParser();
    failed.push(
      '{"type":"error","error":{"name":"APIError","data":{"message":"overloaded","statusCode":529}}}',
    );
    expect(failed.finish({ exitCode: 0 })).toMatchObject({
      outcome: "failed",
      reason: expect.stringContaining("HTTP 529"),
    });
    const recovered = getAdapter("opencode").createParser();
    recovered.push('{"type":"error","error":{"name":"APIError","data":{"message":"overloaded"}}}');
    recovered.push(
      '{"type":"step_finish","part":{"reason":"stop","tokens":{"input":1,"output":1},"cost":0.5}}',
    );
    expect(recovered.finish({ exitCode: 0 })).toMatchObject({ outcome: "ok", usage: { costUsd: 0.5 } });
  });
});

describe("aider and the command agent", () => {
  it("aider: exit 0 without changes fails with 'no changes'; with changes it is ok", () => {
    const none = getAdapter("aider").createParser();
    none.push("litellm.RateLimitError: rate limit exceeded");
    const finished = none.finish({ exitCode: 0, hasChanges: false });
    expect(finished).toMatchObject({
      outcome: "failed",
      reason: expect.stringMatching(/^no changes \(last error: litellm.RateLimitError/),
    });
    expect(isTransientFailure([finished])).toBe(true);
    expect(getAdapter("aider").createParser().finish({ exitCode: 0, hasChanges: false }).reason).toBe(
      "no changes",
    );
    expect(getAdapter("aider").createParser().finish({ exitCode: 0, hasChanges: true }).outcome).toBe("ok");
    expect(getAdapter("aider").createParser().finish({ exitCode: 2, hasChanges: true }).outcome).toBe(
      "failed",
    );
  });

  it("aider: its Tokens lines become usage, with the session cost", () => {
    const parser = getAdapter("aider").createParser();
    parser.push("Tokens: 2.3k sent, 1.1k cache hit, 120 received. Cost: $0.01 message, $0.01 session.");
    const events = parser.push("Tokens: 1k sent, 80 received. Cost: $0.02 message, $0.03 session.");
    expect(events.at(-1)).toMatchObject({
      type: "usage",
      usage: { inputTokens: 3300, outputTokens: 200, cacheReadTokens: 1100, costUsd: 0.03 },
    });
  });

  it("the command agent: exit 0 is ok, anything else fails with the telling stderr line", () => {
    expect(getAdapter("command").createParser().finish({ exitCode: 0 }).outcome).toBe("ok");
    const parser = getAdapter("command").createParser();
    parser.push("working...", "stderr");
    parser.push("Error: disk full", "stderr");
    parser.push("bye", "stderr");
    expect(parser.finish({ exitCode: 3 })).toMatchObject({
      outcome: "failed",
      reason: "command exited with code 3: Error: disk full",
    });
    // Node's crash report ends with its version, Python's with the exception after a traceback.
    const crashed = getAdapter("command").createParser();
    for (const l of [
      "file:///x/agent.mjs:3",
      "SyntaxError: Unexpected token ')'",
      "    at compile (node:x:1:1)",
      "Node.js v20.20.2",
    ])
      crashed.push(l, "stderr");
    expect(crashed.finish({ exitCode: 1 }).reason).toBe(
      "command exited with code 1: SyntaxError: Unexpected token ')'",
    );
    expect(getAdapter("command").createParser().finish({ exitCode: null, signal: "SIGSEGV" }).reason).toBe(
      "command was killed by SIGSEGV",
    );
  });
});

describe("isTransientFailure", () => {
  it.each([
    ["claude reported an error: API Error: 529 Overloaded (HTTP 529)", true],
    ["rate limit exceeded", true],
    ["codex exited with code 1: no turn.completed; last error: stream disconnected before completion", true],
    ["spawn failed: EAGAIN resource temporarily unavailable", true],
    ["claude reported an error: API Error: 400 bad request (HTTP 400)", false],
    ["claude reported an error: Not logged in · Please run /login", false],
    ["API Error: 401 authentication_error (HTTP 401)", false],
    ['GADUGI_AGENT_NOT_FOUND: The agent "claude" is not installed or not configured. (spawn ENOENT)', false],
    ["no changes", false],
  ])("%s → %s", (reason, transient) => {
    expect(isTransientReason("failed", reason)).toBe(transient);
  });

  it("only failures are transient, and a result's own flag counts", () => {
    expect(isTransientReason("timeout", "network unreachable")).toBe(false);
    const base = {
      runId: "r",
      taskId: "t",
      exitCode: 1,
      permissionDenials: 0,
      startedAt: "",
      endedAt: "",
      durationMs: 1,
    };
    expect(isTransientFailure({ ...base, outcome: "failed", transient: true })).toBe(true);
    expect(isTransientFailure({ ...base, outcome: "failed", transient: false, reason: "HTTP 503" })).toBe(
      true,
    );
    expect(isTransientFailure({ ...base, outcome: "ok", transient: false })).toBe(false);
  });
});
