import type { AgentEvent, AgentRunRequest, TokenUsage } from "@gadugi/interfaces";
import { agentEnv, programOf, promptFitsArgv, promptWithSystem, unsupported } from "../invocation.js";
import {
  addUsage,
  apiErrorText,
  BaseParser,
  count,
  type Json,
  MAX_EVENT_TEXT,
  num,
  rec,
  str,
  truncate,
  type Verdict,
} from "../parser-base.js";
import type { AgentAdapter, AgentInvocation, FinishInfo, OutputStream, ParserOptions } from "../types.js";

/** What `-p` says when the prompt itself comes over stdin (gemini appends `-p` to stdin). */
export const GEMINI_STDIN_PROMPT = "Carry out the task described above.";

function buildInvocation(request: AgentRunRequest): AgentInvocation {
  const { agent } = request;
  const { file, prefix } = programOf(request, "gemini");
  const prompt = promptWithSystem(request);
  const viaStdin = !promptFitsArgv(prompt);
  const args = [
    ...prefix,
    "-p",
    viaStdin ? GEMINI_STDIN_PROMPT : prompt,
    "-o",
    "stream-json",
    "--skip-trust",
  ];
  if (agent.autonomy === "full") args.push("--yolo");
  else args.push("--approval-mode", agent.autonomy === "read-only" ? "plan" : "auto_edit");
  if (agent.model) args.push("-m", agent.model);
  return {
    file,
    args,
    env: agentEnv(request),
    stdin: viaStdin ? { text: prompt } : "ignore",
    cwd: request.worktree,
    warnings: unsupported(request, "gemini", ["maxTurns", "maxBudgetUsd"]),
  };
}

/** gemini-cli's documented exit codes (fixtures/agent-cli/README.md). */
const EXIT_CODES: Record<number, string> = {
  41: "authentication failed",
  42: "invalid input",
  44: "sandbox error",
  52: "invalid configuration",
  53: "reached the turn limit",
  54: "a tool failed fatally",
  55: "the workspace is not trusted (run with --skip-trust)",
  130: "interrupted",
};

/** An API error exits with its HTTP status mod 256: 144 is 400, 173 is 429, 247 is 503. */
export function httpStatusFromGeminiExit(code: number): number | undefined {
  return code >= 144 && code <= 255 ? code + 256 : undefined;
}

function statsUsage(stats: Json): TokenUsage | undefined {
  if (num(stats.input_tokens) !== undefined || num(stats.output_tokens) !== undefined) {
    const cached = count(stats.cached);
    return {
      inputTokens: num(stats.input) ?? Math.max(0, count(stats.input_tokens) - cached),
      outputTokens: count(stats.output_tokens),
      cacheReadTokens: cached,
      cacheWriteTokens: 0,
    };
  }
  // `-o json`: per model, { tokens: { input, prompt, candidates, cached, thoughts } }.
  let usage: TokenUsage | undefined;
  for (const model of Object.values(rec(stats.models) ?? {})) {
    const tokens = rec(rec(model)?.tokens);
    if (!tokens) continue;
    const cached = count(tokens.cached);
    usage = addUsage(usage, {
      inputTokens: num(tokens.input) ?? Math.max(0, count(tokens.prompt) - cached),
      outputTokens: count(tokens.candidates) + count(tokens.thoughts),
      cacheReadTokens: cached,
      cacheWriteTokens: 0,
    });
  }
  return usage;
}

interface GeminiResult {
  ok: boolean;
  errorType: string | undefined;
  message: string | undefined;
}

/**
 * `gemini -o stream-json` (and the single object of `-o json`, also when it is pretty-printed
 * over many lines, on stdout or as the error report on stderr): the `result` line's `status`,
 * then the exit code — 41 auth, 42 input, 52 config, 53 turn limit, 54 fatal tool error, 130
 * cancelled, and HTTP status mod 256 for API errors.
 */
export class GeminiParser extends BaseParser {
  private result: GeminiResult | undefined;

  constructor(options?: ParserOptions) {
    super("gemini", options);
  }

  protected onJson(value: Json, _stream: OutputStream): AgentEvent[] {
    switch (value.type) {
      case "init":
        return this.session(value.session_id);
      case "message": {
        const text = str(value.content);
        return value.role === "assistant" && text ? [this.event({ type: "text", text })] : [];
      }
      case "tool_use": {
        const id = str(value.tool_id);
        return [
          this.event({
            type: "tool_call",
            tool: str(value.tool_name) ?? "unknown",
            input: value.parameters,
            ...(id ? { id } : {}),
          }),
        ];
      }
      case "tool_result":
        return this.onToolResult(value);
      case "error": {
        const message = str(value.message);
        return message ? [this.event({ type: "warning", message: truncate(message) })] : [];
      }
      case "result": {
        const error = rec(value.error);
        return this.onResult(value.status === "success" && !error, error, rec(value.stats));
      }
      case undefined: {
        // `-o json`: { session_id, response, stats } or { session_id, error }.
        if (!("response" in value) && !("error" in value)) return [];
        const events = this.session(value.session_id);
        const response = str(value.response);
        if (response) events.push(this.event({ type: "text", text: response }));
        const error = rec(value.error);
        events.push(...this.onResult(!error, error, rec(value.stats)));
        return events;
      }
      default:
        return [];
    }
  }

  private onToolResult(value: Json): AgentEvent[] {
    const id = str(value.tool_id);
    const ok = value.status === "success";
    const error = rec(value.error);
    const output = str(value.output) ?? str(error?.message);
    const events: AgentEvent[] = [];
    const errorText = `${str(error?.type) ?? ""} ${str(error?.message) ?? ""}`;
    if (!ok && /permission|denied|not allowed|rejected/i.test(errorText) && this.recordDenial(id)) {
      events.push(
        this.event({ type: "permission_denied", tool: id ?? "unknown", detail: truncate(errorText.trim()) }),
      );
    }
    events.push(
      this.event({
        type: "tool_result",
        ok,
        ...(id ? { id } : {}),
        ...(output ? { output: truncate(output, MAX_EVENT_TEXT) } : {}),
      }),
    );
    return events;
  }

  private onResult(ok: boolean, error: Json | undefined, stats: Json | undefined): AgentEvent[] {
    this.terminal = true;
    const code = num(error?.code);
    const message = str(error?.message);
    this.result = {
      ok,
      errorType: str(error?.type),
      message: message ? apiErrorText(message, code) : undefined,
    };
    const usage = stats ? statsUsage(stats) : undefined;
    if (!usage) return [];
    this.usage = usage;
    return [this.event({ type: "usage", usage: { ...usage } })];
  }

  protected judge(info: FinishInfo): Verdict {
    const code = info.exitCode;
    if (code === 130) return { outcome: "cancelled", reason: this.exitReason(info, EXIT_CODES[130]) };
    const result = this.result;
    if (result?.ok) {
      if (code === 0 || code === null) return { outcome: "ok" };
      return { outcome: "failed", reason: this.exitReason(info, "after reporting success") };
    }
    if (code === 53 || result?.errorType === "FatalTurnLimitedError") {
      return { outcome: "max_turns", reason: result?.message ?? this.exitReason(info, EXIT_CODES[53]) };
    }
    const meaning = code === null ? undefined : EXIT_CODES[code];
    const status = code === null ? undefined : httpStatusFromGeminiExit(code);
    const explained = meaning ?? (status !== undefined ? `API error (HTTP ${status})` : undefined);
    if (result) {
      const detail = result.message ?? result.errorType ?? "error";
      return {
        outcome: "failed",
        reason: `gemini reported an error: ${detail}${explained && !detail.includes("HTTP") ? `; ${explained}` : ""}`,
      };
    }
    const detail = explained ?? (code === 0 ? "no result event in its output" : undefined);
    return { outcome: "failed", reason: this.exitReason(info, detail) };
  }
}

export const geminiAdapter: AgentAdapter = {
  kind: "gemini",
  program: "gemini",
  judgesByChanges: false,
  buildInvocation,
  createParser: (options) => new GeminiParser(options),
};
