import { readFileSync } from "node:fs";
import { DEFAULT_PRICING, priceUsage } from "@gadugi/cost";
import { AgentEvent, type AgentKind, type TokenUsage } from "@gadugi/interfaces";
import { type CaptureName, captureFiles } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { getAdapter } from "./adapters/index.js";
import type { ParserOptions } from "./types.js";

function lines(file: string | undefined): string[] {
  if (!file) return [];
  const all = readFileSync(file, "utf8").split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

/** A capture parsed as runAgent sees it replayed: its usage events in order, and the final usage. */
function usageOf(name: CaptureName, kind: AgentKind, options: ParserOptions = {}) {
  const files = captureFiles(name);
  const parser = getAdapter(kind).createParser(options);
  const events: AgentEvent[] = [];
  for (const line of lines(files.stderr)) events.push(...parser.push(line, "stderr"));
  for (const line of lines(files.stdout)) events.push(...parser.push(line, "stdout"));
  const finished = parser.finish({ exitCode: files.exitCode });
  for (const event of [...events, finished]) AgentEvent.parse(event);
  const usages = events.flatMap((e) => (e.type === "usage" ? [e.usage] : []));
  return { usages, final: finished.usage, finished };
}

/** Lines pushed to a fresh parser: the events and the finished event. */
function parse(kind: AgentKind, input: string[]) {
  const parser = getAdapter(kind).createParser();
  const events = input.flatMap((line) => parser.push(line));
  const finished = parser.finish({ exitCode: 0 });
  for (const event of [...events, finished]) AgentEvent.parse(event);
  return { usages: events.filter((e) => e.type === "usage"), final: finished.usage };
}

describe("usage from the real captures: cumulative, with the model the CLI names", () => {
  it("claude: streamed per distinct message while it runs, the result line's usage and cost at the end", () => {
    const { usages, final } = usageOf("claude-tool-allowed", "claude");
    // msg_mock6 comes as two lines (text, then tool_use) with the same usage: counted once.
    expect(usages).toEqual([
      {
        inputTokens: 120,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        model: "claude-opus-5-5",
      },
      {
        inputTokens: 240,
        outputTokens: 2,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        model: "claude-opus-5-5",
      },
      {
        inputTokens: 240,
        outputTokens: 60,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.00216,
        model: "claude-opus-5-5",
      },
    ]);
    expect(final).toEqual(usages.at(-1));
    expect(priceUsage(final, DEFAULT_PRICING)).toEqual({ costUsd: 0.00216, source: "cli" });
  });

  it("claude: the <synthetic> model of its own error message is not a model", () => {
    const { usages, final } = usageOf("claude-api-fail", "claude");
    expect(usages.every((u) => u.model === "claude-opus-5-5")).toBe(true);
    expect(final).toMatchObject({ inputTokens: 0, outputTokens: 0, costUsd: 0, model: "claude-opus-5-5" });
    const noauth = usageOf("claude-noauth", "claude");
    expect(noauth.final?.model).not.toBe("<synthetic>");
  });

  it("codex: the last turn.completed after a resume, no model in the stream, no cost", () => {
    const { usages, final } = usageOf("codex-resume", "codex");
    expect(usages).toHaveLength(1);
    expect(final).toEqual({ inputTokens: 450, outputTokens: 75, cacheReadTokens: 150, cacheWriteTokens: 0 });
    expect(priceUsage(final, DEFAULT_PRICING).source).toBe("unknown");
  });

  it("codex: the request's agent.model names the usage, so the tokens get a price", () => {
    const { final } = usageOf("codex-resume", "codex", { model: "gpt-mock" });
    expect(final?.model).toBe("gpt-mock");
    expect(final).not.toHaveProperty("costUsd");
    const priced = priceUsage(final, DEFAULT_PRICING);
    expect(priced.source).toBe("pricing");
    // 450 input at $1.25, 75 output at $10, 150 cached at $0.125 per million.
    expect(priced.costUsd).toBeCloseTo((450 * 1.25 + 75 * 10 + 150 * 0.125) / 1e6, 12);
  });

  it("gemini: result.stats with the stats' model key, not the init line's 'auto'", () => {
    const { usages, final } = usageOf("gemini-text", "gemini");
    expect(usages).toHaveLength(1);
    expect(final).toEqual({
      inputTokens: 600,
      outputTokens: 40,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      model: "mock-gemini",
    });
    expect(usageOf("gemini-json-tool", "gemini").final).toMatchObject({
      inputTokens: 900,
      outputTokens: 60,
      model: "mock-gemini",
    });
  });

  it("gemini: no model when the stats list several and none spent a token", () => {
    const { final } = usageOf("gemini-apifail", "gemini");
    expect(final).toEqual({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it("opencode: step_finish tokens and cost summed over the steps, each usage event the total so far", () => {
    const { usages, final } = usageOf("opencode-tool-default", "opencode");
    expect(usages.map((u) => [u.inputTokens, u.outputTokens, u.costUsd])).toEqual([
      [120, 30, 0],
      [240, 60, 0],
    ]);
    expect(final).not.toHaveProperty("model");
    const named = usageOf("opencode-tool-default", "opencode", { model: "anthropic/claude-opus-5-5" });
    expect(named.final?.model).toBe("anthropic/claude-opus-5-5");
  });

  it("aider and the command agent print no usage: unknown, not zero", () => {
    expect(parse("command", ["hello", "done"]).final).toBeUndefined();
    expect(parse("aider", ["Applied edit to a.ts"]).final).toBeUndefined();
  });
});

describe("a missing or malformed usage gives no usage, never made-up zeros", () => {
  const malformed: Record<Exclude<AgentKind, "aider" | "command">, string[]> = {
    claude: [
      '{"type":"assistant","message":{"id":"m1","model":"claude-opus-5-5","content":[],"usage":{"input_tokens":"120","output_tokens":1}}}',
      '{"type":"assistant","message":{"id":"m2","content":[],"usage":"lots"}}',
      '{"type":"assistant","message":{"id":"m3","content":[],"usage":{"input_tokens":12,"output_tok',
      '{"type":"result","subtype":"success","is_error":false,"usage":[1,2],"total_cost_usd":"0.1"}',
    ],
    codex: [
      '{"type":"turn.completed","usage":{"input_tokens":"400","output_tokens":50}}',
      '{"type":"turn.completed","usage":"none"}',
      '{"type":"turn.completed","usage":{"input_tokens":-4,"output_tokens":50}}',
      '{"type":"turn.completed","usage":{"input_tok',
    ],
    gemini: [
      '{"type":"result","status":"success","stats":{"input_tokens":"600","output_tokens":40}}',
      '{"type":"result","status":"success","stats":"none"}',
      '{"type":"result","status":"success","stats":{"models":{"mock-gemini":{"tokens":{"prompt":"9","candidates":1}}}}}',
      '{"type":"result","status":"success","stats":{"input_tok',
    ],
    opencode: [
      '{"type":"step_finish","part":{"reason":"stop","tokens":{"input":"120","output":30},"cost":0.1}}',
      '{"type":"step_finish","part":{"reason":"stop","tokens":5,"cost":0.1}}',
      '{"type":"step_finish","part":{"reason":"stop","tokens":{"input":1,"output":2,"cache":{"read":"x"}}}}',
      '{"type":"step_finish","part":{"reason":"stop","tokens":{"input":12',
    ],
  };
  for (const [kind, input] of Object.entries(malformed)) {
    it(`${kind}: non-numeric tokens, usage that is not an object, truncated JSON`, () => {
      for (const line of input) {
        const { usages, final } = parse(kind as AgentKind, [line]);
        expect(usages, line).toEqual([]);
        expect(final, line).toBeUndefined();
      }
    });
  }

  it("claude: a malformed line leaves the usage read so far as it was", () => {
    const good =
      '{"type":"assistant","message":{"id":"m1","model":"claude-opus-5-5","content":[],"usage":{"input_tokens":120,"output_tokens":1}}}';
    const bad =
      '{"type":"assistant","message":{"id":"m2","content":[],"usage":{"input_tokens":null,"output_tokens":"?"}}}';
    const { final } = parse("claude", [good, bad]);
    expect(final).toEqual<TokenUsage>({
      inputTokens: 120,
      outputTokens: 1,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      model: "claude-opus-5-5",
    });
  });

  it("opencode: a step without a stated cost makes the total's cost unknown, not a smaller sum", () => {
    const step = (cost: string) =>
      `{"type":"step_finish","part":{"reason":"tool-calls","tokens":{"input":10,"output":5}${cost}}}`;
    const { final } = parse("opencode", [step(',"cost":0.01'), step(""), step(',"cost":0.02')]);
    expect(final).toMatchObject({ inputTokens: 30, outputTokens: 15 });
    expect(final).not.toHaveProperty("costUsd");
  });
});
