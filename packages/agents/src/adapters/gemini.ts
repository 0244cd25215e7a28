import type { AgentEvent, AgentRunRequest, TokenUsage } from "@gadugi/interfaces";
import { agentEnv, programOf, promptFitsArgv, promptWithSystem, unsupported } from "../invocation.js";
import {
  addUsage,
  apiErrorText,
  BaseParser,
  type Json,
  MAX_EVENT_TEXT,
  num,
  rec,
  str,
  truncate,
  type Verdict,
} from "../parser-base.js";
import type { AgentAdapter, AgentInvocation, FinishInfo, OutputStream, ParserOptions } from "../types.js";
import { modelName, readCounts, withModel } from "../usage.js";

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
    // maxBudgetUsd: runAgent stops gemini at it, from its usage.
    warnings: unsupported(request, "gemini", ["maxTurns"]),
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

/** `-o stream-json` stats: flat counts (`input` is the uncached input when given). */
function flatStatsUsage(stats: Json): TokenUsage | undefined {
  const counts = readCounts(
    stats,
    { inputTotal: "input_tokens", input: "input", output: "output_tokens", cached: "cached" },
    ["inputTotal", "output"],
  );
  if (!counts) return undefined;
  const hasInput = stats.input !== undefined && stats.input !== null;
  return {
    inputTokens: hasInput ? counts.input : Math.max(0, counts.inputTotal - counts.cached),
    outputTokens: counts.output,
    cacheReadTokens: counts.cached,
    cacheWriteTokens: 0,
  };
}

/** `-o json` stats: per model, { tokens: { input, prompt, candidates, cached, thoughts } }, summed. */
function perModelUsage(models: Json): TokenUsage | undefined {
  let usage: TokenUsage | undefined;
  for (const model of Object.values(models)) {
    const tokens = rec(rec(model)?.tokens);
    const counts = readCounts(
      tokens,
      { input: "input", prompt: "prompt", candidates: "candidates", cached: "cached", thoughts: "thoughts" },
      ["prompt", "candidates"],
    );
    // One model's tokens that cannot be read make the run's unknown, not smaller.
    if (!counts) return undefined;
    const hasInput = tokens?.input !== undefined && tokens?.input !== null;
    usage = addUsage(usage, {
      inputTokens: hasInput ? counts.input : Math.max(0, counts.prompt - counts.cached),
      outputTokens: counts.candidates + counts.thoughts,
      cacheReadTokens: counts.cached,
      cacheWriteTokens: 0,
    });
  }
  return usage;
}

function statsUsage(stats: Json): TokenUsage | undefined {
  if ("input_tokens" in stats || "output_tokens" in stats) return flatStatsUsage(stats);
  const models = rec(stats.models);
  return models ? perModelUsage(models) : undefined;
}

/**
 * The model the tokens were spent on, by the stats' `models` keys: the one that spent any (an
 * "auto" run lists the models it could route to), or the only one listed; undefined when several
 * spent (one price cannot cover them).
 */
function statsModel(stats: Json): string | undefined {
  const models = rec(stats.models) ?? {};
  const names = Object.keys(models).filter((name) => modelName(name) !== undefined);
  const spent = names.filter((name) => {
    const entry = rec(models[name]);
    const total = num(entry?.total_tokens) ?? num(rec(entry?.tokens)?.total);
    return total === undefined || total > 0;
  });
  if (spent.length === 1) return spent[0];
  return names.length === 1 ? names[0] : undefined;
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
  /** The init line's model, unless it is "auto" (the router picks one per call). */
  private initModel: string | undefined;

  constructor(options?: ParserOptions) {
    super("gemini", options);
  }

  protected onJson(value: Json, _stream: OutputStream): AgentEvent[] {
    switch (value.type) {
      case "init": {
        const model = modelName(value.model);
        if (model !== "auto") this.initModel = model;
        return this.session(value.session_id);
      }
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
    const tokens = stats ? statsUsage(stats) : undefined;
    if (!stats || !tokens) return [];
    const usage = withModel(tokens, statsModel(stats) ?? this.initModel ?? this.requestedModel);
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
