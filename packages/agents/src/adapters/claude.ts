import type { AgentEvent, AgentRunRequest, Autonomy, TokenUsage } from "@gadugi/interfaces";
import { agentEnv, isRoot, programOf, promptFitsArgv } from "../invocation.js";
import {
  addUsage,
  BaseParser,
  isRecord,
  type Json,
  MAX_EVENT_TEXT,
  num,
  rec,
  str,
  truncate,
  type Verdict,
} from "../parser-base.js";
import type {
  AgentAdapter,
  AgentInvocation,
  AgentStdin,
  FinishInfo,
  InvocationContext,
  OutputStream,
  ParserOptions,
} from "../types.js";
import { modelName, readCounts, sameUsage, statedCost, usd, withModel } from "../usage.js";

const PERMISSION_MODE: Record<Autonomy, string> = {
  "read-only": "plan",
  edit: "acceptEdits",
  full: "bypassPermissions",
};

function buildInvocation(request: AgentRunRequest, context?: InvocationContext): AgentInvocation {
  const { agent } = request;
  const { file, prefix } = programOf(request, "claude");
  const viaStdin = !promptFitsArgv(request.prompt);
  // `-p` without a prompt argument reads the prompt from stdin.
  const args = [...prefix, "-p", ...(viaStdin ? [] : [request.prompt])];
  args.push("--output-format", "stream-json", "--verbose");
  args.push("--permission-mode", PERMISSION_MODE[agent.autonomy]);
  if (agent.model) args.push("--model", agent.model);
  if (agent.maxTurns !== undefined) args.push("--max-turns", String(agent.maxTurns));
  if (agent.appendSystemPrompt) args.push("--append-system-prompt", agent.appendSystemPrompt);
  if (agent.maxBudgetUsd !== undefined) args.push("--max-budget-usd", String(agent.maxBudgetUsd));
  const env = agentEnv(request);
  // As root, claude refuses to bypass permissions unless told it runs in a sandbox.
  if (agent.autonomy === "full" && isRoot(context) && env.IS_SANDBOX === undefined) env.IS_SANDBOX = "1";
  const stdin: AgentStdin = viaStdin ? { text: request.prompt } : "ignore";
  return { file, args, env, stdin, cwd: request.worktree, warnings: [] };
}

/** Text of a tool_result's `content`: a string, or text blocks. */
function toolOutput(content: unknown): string | undefined {
  if (typeof content === "string") return truncate(content, MAX_EVENT_TEXT);
  if (Array.isArray(content)) {
    const text = content
      .map((block) => (isRecord(block) && typeof block.text === "string" ? block.text : ""))
      .filter(Boolean)
      .join("\n");
    return text ? truncate(text, MAX_EVENT_TEXT) : undefined;
  }
  return undefined;
}

/** Claude's `usage` object (a message's, or the result's total); undefined when malformed. */
function claudeTokens(usage: unknown): TokenUsage | undefined {
  const counts = readCounts(
    usage,
    {
      input: "input_tokens",
      output: "output_tokens",
      cacheRead: "cache_read_input_tokens",
      cacheWrite: "cache_creation_input_tokens",
    },
    ["input", "output"],
  );
  if (!counts) return undefined;
  return {
    inputTokens: counts.input,
    outputTokens: counts.output,
    cacheReadTokens: counts.cacheRead,
    cacheWriteTokens: counts.cacheWrite,
  };
}

/** The result's model: the one key of `modelUsage` (claude's own error messages aside), if one. */
function resultModel(modelUsage: unknown): string | undefined {
  const names = Object.keys(rec(modelUsage) ?? {}).filter((name) => modelName(name) !== undefined);
  return names.length === 1 ? names[0] : undefined;
}

interface ClaudeResult {
  isError: boolean;
  subtype: string | undefined;
  text: string | undefined;
  errors: string[];
  apiStatus: number | undefined;
}

/**
 * Claude Code's `--output-format stream-json --verbose`: success only when the final `result` line
 * has `is_error: false` (an API or auth failure is `subtype: "success"` with `is_error: true`);
 * `error_max_turns` is max_turns; denied permissions still exit 0 and are counted.
 */
export class ClaudeParser extends BaseParser {
  private result: ClaudeResult | undefined;
  private model: string | undefined;
  /**
   * Usage of each assistant message while the run goes on, by message id: one message comes as
   * several lines (one per content block) carrying the same usage, so it is counted once.
   */
  private readonly messageUsage = new Map<string, TokenUsage>();

  private readonly maxBudgetUsd: number | undefined;

  constructor(options?: ParserOptions) {
    super("claude", options);
    this.maxBudgetUsd = options?.maxBudgetUsd;
  }

  protected onJson(value: Json, _stream: OutputStream): AgentEvent[] {
    const events: AgentEvent[] = [];
    switch (value.type) {
      case "system": {
        if (value.subtype === "init") {
          events.push(...this.session(value.session_id));
          this.model = modelName(value.model) ?? this.model;
        }
        if (value.subtype === "permission_denied") {
          const tool = str(value.tool_name) ?? "unknown";
          if (this.recordDenial(str(value.tool_use_id))) {
            const detail = str(value.message);
            events.push(
              this.event({
                type: "permission_denied",
                tool,
                ...(detail ? { detail: truncate(detail) } : {}),
              }),
            );
          }
        }
        break;
      }
      case "assistant": {
        events.push(...this.onMessageUsage(rec(value.message)));
        const content = rec(value.message)?.content;
        for (const block of Array.isArray(content) ? content : []) {
          if (!isRecord(block)) continue;
          if (block.type === "text" && typeof block.text === "string" && block.text.trim()) {
            events.push(this.event({ type: "text", text: block.text }));
          } else if (block.type === "tool_use") {
            const id = str(block.id);
            events.push(
              this.event({
                type: "tool_call",
                tool: str(block.name) ?? "unknown",
                input: block.input,
                ...(id ? { id } : {}),
              }),
            );
          }
        }
        break;
      }
      case "user": {
        const content = rec(value.message)?.content;
        for (const block of Array.isArray(content) ? content : []) {
          if (!isRecord(block) || block.type !== "tool_result") continue;
          const id = str(block.tool_use_id);
          const output = toolOutput(block.content);
          events.push(
            this.event({
              type: "tool_result",
              ok: block.is_error !== true,
              ...(id ? { id } : {}),
              ...(output !== undefined ? { output } : {}),
            }),
          );
        }
        break;
      }
      case "result":
        events.push(...this.onResult(value));
        break;
      default:
        // stream_event (partial messages), rate-limit notices and future types carry nothing we need.
        break;
    }
    return events;
  }

  private onResult(value: Json): AgentEvent[] {
    const events: AgentEvent[] = [...this.session(value.session_id)];
    this.terminal = true;
    const errors = Array.isArray(value.errors)
      ? value.errors.filter((e): e is string => typeof e === "string")
      : [];
    this.result = {
      isError: value.is_error !== false,
      subtype: str(value.subtype),
      text: str(value.result),
      errors,
      apiStatus: num(value.api_error_status),
    };
    for (const denial of Array.isArray(value.permission_denials) ? value.permission_denials : []) {
      if (!isRecord(denial)) continue;
      if (this.recordDenial(str(denial.tool_use_id))) {
        const tool = str(denial.tool_name) ?? "unknown";
        const command = str(rec(denial.tool_input)?.command);
        events.push(
          this.event({ type: "permission_denied", tool, ...(command ? { detail: truncate(command) } : {}) }),
        );
      }
    }
    events.push(...this.onFinalUsage(value));
    return events;
  }

  /** While it runs: the sum over the distinct messages so far (no cost: claude states it at the end). */
  private onMessageUsage(message: Json | undefined): AgentEvent[] {
    this.model = modelName(message?.model) ?? this.model;
    const tokens = claudeTokens(message?.usage);
    if (!tokens || this.result) return [];
    const id = str(message?.id) ?? `line-${this.messageUsage.size}`;
    this.messageUsage.set(id, tokens);
    let total: TokenUsage | undefined;
    for (const usage of this.messageUsage.values()) total = addUsage(total, usage);
    return this.replaceUsage(withModel(total as TokenUsage, this.model));
  }

  /** The result line's `usage` and `total_cost_usd`: the run's final figures. */
  private onFinalUsage(value: Json): AgentEvent[] {
    const tokens = claudeTokens(value.usage);
    const cost = statedCost(value.total_cost_usd);
    const model = resultModel(value.modelUsage) ?? this.model;
    // A result whose usage cannot be read keeps the streamed tokens, with the stated cost if any.
    const base = tokens ?? this.usage;
    if (!base) return [];
    const final = withModel(base, model);
    if (cost === undefined) delete final.costUsd;
    else final.costUsd = cost;
    return this.replaceUsage(final);
  }

  /** The run's usage so far becomes `usage`; a `usage` event when that changed it. */
  private replaceUsage(usage: TokenUsage): AgentEvent[] {
    if (sameUsage(this.usage, usage)) return [];
    this.usage = usage;
    return [this.event({ type: "usage", usage: { ...usage } })];
  }

  protected judge(info: FinishInfo): Verdict {
    const result = this.result;
    if (!result) {
      return {
        outcome: "failed",
        reason: this.exitReason(
          info,
          info.exitCode === 0 ? "no final result event in its output" : undefined,
        ),
      };
    }
    const denials = this.permissionDenials;
    if (!result.isError) {
      return denials > 0
        ? { outcome: "ok", reason: `completed with ${denials} permission denial${denials === 1 ? "" : "s"}` }
        : { outcome: "ok" };
    }
    const detail = truncate(result.errors.join("; ") || result.text || result.subtype || "unknown error");
    if (result.subtype === "error_max_turns") return { outcome: "max_turns", reason: detail };
    if (result.subtype === "error_max_budget_usd") {
      const limit = this.maxBudgetUsd === undefined ? "" : ` of ${usd(this.maxBudgetUsd)}`;
      const spent = this.usage?.costUsd;
      const spentText = spent === undefined ? "" : ` (spent ${usd(spent)})`;
      return {
        outcome: "budget_exceeded",
        reason: `claude stopped at its budget${limit} (--max-budget-usd)${spentText}: ${detail}`,
      };
    }
    const status = result.apiStatus !== undefined ? ` (HTTP ${result.apiStatus})` : "";
    return { outcome: "failed", reason: `claude reported an error: ${detail}${status}` };
  }
}

export const claudeAdapter: AgentAdapter = {
  kind: "claude",
  program: "claude",
  judgesByChanges: false,
  enforcesBudget: true,
  buildInvocation,
  createParser: (options) => new ClaudeParser(options),
};
