import { readdirSync, readFileSync } from "node:fs";
import { AgentEvent, type AgentKind, type AgentOutcome } from "@gadugi/interfaces";
import { CAPTURE_EXIT_CODES, type CaptureName, captureFiles, fixturePath } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { getAdapter } from "./adapters/index.js";
import { isTransientFailure } from "./transient.js";

interface Expectation {
  /** The adapter whose parser reads the capture (amp has none: its runs are read as a plain command). */
  kind: AgentKind;
  outcome: AgentOutcome;
  permissionDenials: number;
  usage: boolean;
  sessionId: boolean;
  transient: boolean;
  /** What the reason must say (failures always have one). */
  reason?: RegExp;
}

/**
 * Every file stem in fixtures/agent-cli/runs/ with the status its run must be judged to have. A
 * capture added without a line here fails the test below.
 */
const EXPECTED: Record<string, Expectation | { ignore: string }> = {
  "amp-key": {
    kind: "command",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: true,
    reason: /Couldn't connect to the Amp server/,
  },
  "amp-noauth": {
    kind: "command",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /exited with code 1/,
  },
  "claude-api-fail": {
    kind: "claude",
    outcome: "failed",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /API Error: 400 mock forced failure \(HTTP 400\)/,
  },
  "claude-json": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-noauth": {
    kind: "claude",
    outcome: "failed",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /Not logged in/,
  },
  "claude-noverbose": {
    kind: "claude",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /requires --verbose/,
  },
  "claude-partial": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-resume": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-text": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-textfmt": {
    kind: "claude",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /no final result event/,
  },
  "claude-tool-allowed": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-tool-default": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-tool-dontask": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-tool-maxturns1": {
    kind: "claude",
    outcome: "max_turns",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /maximum number of turns/,
  },
  "claude-tool-skip": {
    kind: "claude",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /cannot be used with root/,
  },
  "claude-write-acceptedits": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-write-allowed": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-write-bypass-root": {
    kind: "claude",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /cannot be used with root/,
  },
  "claude-write-default": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 1,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /1 permission denial/,
  },
  "claude-write-disallowed": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "claude-write-dontask": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 1,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /1 permission denial/,
  },
  "claude-write-skip-issandbox": {
    kind: "claude",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-apifail": {
    kind: "codex",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: true,
    transient: false,
    reason: /turn failed: mock forced failure \(invalid_request_error\)/,
  },
  "codex-bypass-tool": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-echo-readonly": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-failcmd": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-failcmd-ro": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-instrfile": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-last": { ignore: "the file -o/--output-last-message writes, not a run's output" },
  "codex-noauth": {
    kind: "codex",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: true,
    transient: true,
    reason: /waiting for network/,
  },
  "codex-noauth-noretry": {
    kind: "codex",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: true,
    transient: true,
    reason: /Connection failed/,
  },
  "codex-noexec-tool": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-onrequest-ro": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-plain": {
    kind: "codex",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /no turn.completed/,
  },
  "codex-resume": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-text": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-tool-default": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "codex-untrusted-ww": {
    kind: "codex",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /approval_policy = "untrusted" is no longer supported/,
  },
  "codex-ww-tool": {
    kind: "codex",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-apifail": {
    kind: "gemini",
    outcome: "failed",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /mock forced failure .*HTTP 400/,
  },
  "gemini-apifail-json": {
    kind: "gemini",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: true,
    transient: false,
    reason: /mock forced failure .*HTTP 400/,
  },
  "gemini-default-tool": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-json-tool": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-maxturns": {
    kind: "gemini",
    outcome: "max_turns",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /max session turns/,
  },
  "gemini-noauth": {
    kind: "gemini",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: false,
    transient: false,
    reason: /code 41: authentication failed: Please set an Auth method/,
  },
  "gemini-resume": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-resume2": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-sid": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-text": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "gemini-yolo-tool": {
    kind: "gemini",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "opencode-apifail": {
    kind: "opencode",
    outcome: "failed",
    permissionDenials: 0,
    usage: false,
    sessionId: true,
    transient: false,
    reason: /APIError: mock forced failure \(HTTP 400\)/,
  },
  "opencode-text": {
    kind: "opencode",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "opencode-tool-ask": {
    kind: "opencode",
    outcome: "ok",
    permissionDenials: 1,
    usage: true,
    sessionId: true,
    transient: false,
    reason: /1 permission denial/,
  },
  "opencode-tool-ask-auto": {
    kind: "opencode",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
  "opencode-tool-default": {
    kind: "opencode",
    outcome: "ok",
    permissionDenials: 0,
    usage: true,
    sessionId: true,
    transient: false,
  },
};

const RUNS_DIR = fixturePath("agent-cli/runs");
const STEMS = [
  ...new Set(readdirSync(RUNS_DIR).map((file) => file.replace(/\.(?:jsonl|json|out|txt|err)$/, ""))),
].sort();

function lines(file: string | undefined): string[] {
  if (!file) return [];
  const all = readFileSync(file, "utf8").split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

/** Parses a capture the way runAgent would see it replayed: stderr, then stdout, then the exit. */
function parseCapture(name: CaptureName, kind: AgentKind) {
  const files = captureFiles(name);
  const parser = getAdapter(kind).createParser();
  const events: AgentEvent[] = [];
  for (const line of lines(files.stderr)) events.push(...parser.push(line, "stderr"));
  for (const line of lines(files.stdout)) events.push(...parser.push(line, "stdout"));
  events.push(parser.finish({ exitCode: files.exitCode }));
  return { events, summary: parser.summary() };
}

describe("the parsers read every real capture", () => {
  it("has an expectation for every capture in the fixtures and nothing else", () => {
    expect(STEMS.filter((stem) => !(stem in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((name) => !STEMS.includes(name))).toEqual([]);
    for (const [name, expected] of Object.entries(EXPECTED)) {
      if (!("ignore" in expected)) expect(Object.keys(CAPTURE_EXIT_CODES), name).toContain(name);
    }
  });

  for (const stem of STEMS) {
    const expected = EXPECTED[stem];
    if (!expected || "ignore" in expected) continue;
    it(`judges ${stem} ${expected.outcome}${expected.permissionDenials ? ` with ${expected.permissionDenials} denial` : ""}`, () => {
      const { events, summary } = parseCapture(stem as CaptureName, expected.kind);
      for (const event of events) expect(() => AgentEvent.parse(event)).not.toThrow();
      const finished = events[events.length - 1];
      expect(finished?.type).toBe("finished");
      if (finished?.type !== "finished") return;
      expect(finished.outcome).toBe(expected.outcome);
      expect(finished.exitCode).toBe(CAPTURE_EXIT_CODES[stem as CaptureName]);
      expect(summary.permissionDenials).toBe(expected.permissionDenials);
      expect(events.filter((e) => e.type === "permission_denied")).toHaveLength(expected.permissionDenials);
      expect(finished.usage !== undefined).toBe(expected.usage);
      expect(summary.sessionId !== undefined).toBe(expected.sessionId);
      expect(isTransientFailure(events)).toBe(expected.transient);
      if (expected.outcome !== "ok") expect(finished.reason).toBeTruthy();
      if (expected.reason) expect(finished.reason).toMatch(expected.reason);
    });
  }
});

describe("what the parsers take from the captures", () => {
  it("claude: tokens, cache and cost from the result line; tool calls with their results", () => {
    const { events } = parseCapture("claude-tool-allowed", "claude");
    const finished = events.at(-1);
    expect(finished).toMatchObject({
      usage: { inputTokens: 240, outputTokens: 60, cacheReadTokens: 0, costUsd: 0.00216 },
    });
    expect(events.find((e) => e.type === "tool_call")).toMatchObject({
      tool: "Bash",
      id: expect.any(String),
    });
    expect(events.find((e) => e.type === "tool_result")).toMatchObject({ ok: true });
    expect(events.find((e) => e.type === "started")).toMatchObject({ sessionId: expect.any(String) });
  });

  it("claude: a denial reported both as a system event and in the result is counted once", () => {
    const { events } = parseCapture("claude-write-default", "claude");
    expect(events.filter((e) => e.type === "permission_denied")).toEqual([
      expect.objectContaining({ tool: "Bash", detail: expect.stringContaining("needs approval") }),
    ]);
  });

  it("codex: usage without the cached input, no cost; error events become warnings", () => {
    const { events } = parseCapture("codex-resume", "codex");
    expect(events.at(-1)).toMatchObject({
      usage: { inputTokens: 450, cacheReadTokens: 150, outputTokens: 75 },
    });
    expect(events.at(-1)).not.toHaveProperty("usage.costUsd");
    const failed = parseCapture("codex-failcmd", "codex").events;
    expect(failed.find((e) => e.type === "tool_result")).toMatchObject({
      ok: false,
      output: expect.stringContaining("cannot access"),
    });
  });

  it("codex: a non-JSON line on stdout becomes a warning, not a crash", () => {
    const { events } = parseCapture("codex-instrfile", "codex");
    expect(events[0]).toMatchObject({
      type: "warning",
      message: expect.stringContaining("Reading additional input"),
    });
  });

  it("gemini: the pretty-printed -o json object is read whole", () => {
    const { events } = parseCapture("gemini-json-tool", "gemini");
    expect(events.find((e) => e.type === "text")).toMatchObject({
      text: "The command printed hello-from-tool. Done.",
    });
    expect(events.at(-1)).toMatchObject({ outcome: "ok", usage: { inputTokens: 900, outputTokens: 60 } });
  });

  it("opencode: tokens and cost summed over steps; a rejected tool call is a denial", () => {
    const { events } = parseCapture("opencode-tool-default", "opencode");
    expect(events.at(-1)).toMatchObject({ usage: { inputTokens: 240, outputTokens: 60, costUsd: 0 } });
    const ask = parseCapture("opencode-tool-ask", "opencode").events;
    expect(ask.find((e) => e.type === "permission_denied")).toMatchObject({ tool: "bash" });
    expect(ask.find((e) => e.type === "tool_result")).toMatchObject({ ok: false });
  });
});
