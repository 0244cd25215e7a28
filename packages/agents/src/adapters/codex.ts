import type { AgentEvent, AgentRunRequest } from "@gadugi/interfaces";
import { agentEnv, programOf, promptFitsArgv, promptWithSystem, unsupported } from "../invocation.js";
import {
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
import { readCounts, withModel } from "../usage.js";

function buildInvocation(request: AgentRunRequest): AgentInvocation {
  const { agent } = request;
  const { file, prefix } = programOf(request, "codex");
  const args = [...prefix, "exec", "--json", "-C", request.worktree];
  if (agent.autonomy === "full") args.push("--dangerously-bypass-approvals-and-sandbox");
  else args.push("-s", agent.autonomy === "read-only" ? "read-only" : "workspace-write");
  if (agent.model) args.push("-m", agent.model);
  const prompt = promptWithSystem(request);
  // codex waits for EOF on stdin: it is closed at once, or carries the prompt (`-`) and then closes.
  const viaStdin = !promptFitsArgv(prompt);
  args.push(viaStdin ? "-" : prompt);
  return {
    file,
    args,
    env: agentEnv(request),
    stdin: viaStdin ? { text: prompt } : "closed",
    cwd: request.worktree,
    // maxBudgetUsd: runAgent stops codex at it, from its usage.
    warnings: unsupported(request, "codex", ["maxTurns"]),
  };
}

/**
 * `codex exec --json`: only `turn.failed` is terminal failure, `turn.completed` success (its
 * usage is cumulative over a resumed thread, so the last one is kept); `error` events are often
 * retries and only become the reason when the run ends without a terminal event. No cost field.
 */
export class CodexParser extends BaseParser {
  private completed = false;
  private failure: string | undefined;
  private lastError: string | undefined;
  private readonly started = new Set<string>();

  constructor(options?: ParserOptions) {
    super("codex", options);
  }

  protected onJson(value: Json, _stream: OutputStream): AgentEvent[] {
    switch (value.type) {
      case "thread.started":
        return this.session(value.thread_id);
      case "item.started":
        return this.onItem(rec(value.item), false);
      case "item.completed":
        return this.onItem(rec(value.item), true);
      case "turn.completed": {
        this.terminal = true;
        this.completed = true;
        this.failure = undefined;
        const counts = readCounts(
          value.usage,
          {
            input: "input_tokens",
            cached: "cached_input_tokens",
            cacheWrite: "cache_write_input_tokens",
            output: "output_tokens",
          },
          ["input", "output"],
        );
        if (!counts) return [];
        // codex's input_tokens include the cached ones; ours are the uncached input, like claude's.
        // The stream names no model: the one the request asked for, if any.
        this.usage = withModel(
          {
            inputTokens: Math.max(0, counts.input - counts.cached),
            outputTokens: counts.output,
            cacheReadTokens: counts.cached,
            cacheWriteTokens: counts.cacheWrite,
          },
          this.requestedModel,
        );
        return [this.event({ type: "usage", usage: { ...this.usage } })];
      }
      case "turn.failed": {
        this.terminal = true;
        this.completed = false;
        const message = str(rec(value.error)?.message) ?? this.lastError ?? "turn failed";
        this.failure = truncate(apiErrorText(message));
        return [];
      }
      case "error": {
        const message = str(value.message);
        if (!message) return [];
        this.lastError = truncate(apiErrorText(message));
        return [this.event({ type: "warning", message: this.lastError })];
      }
      default:
        return [];
    }
  }

  private onItem(item: Json | undefined, done: boolean): AgentEvent[] {
    if (!item) return [];
    const id = str(item.id);
    const idPart = id ? { id } : {};
    const call = (tool: string, input: unknown): AgentEvent[] => {
      if (id && this.started.has(id)) return [];
      if (id) this.started.add(id);
      return [this.event({ type: "tool_call", tool, input, ...idPart })];
    };
    const ok = item.status === "completed";
    switch (item.type) {
      case "agent_message": {
        const text = str(item.text);
        return done && text ? [this.event({ type: "text", text })] : [];
      }
      case "command_execution": {
        const events = call("shell", { command: item.command });
        if (!done) return events;
        const output = str(item.aggregated_output);
        const exit = num(item.exit_code);
        events.push(
          this.event({
            type: "tool_result",
            ok: ok && (exit === undefined || exit === 0),
            ...idPart,
            ...(output ? { output: truncate(output, MAX_EVENT_TEXT) } : {}),
          }),
        );
        return events;
      }
      case "file_change": {
        if (!done) return call("file_change", item.changes);
        return [...call("file_change", item.changes), this.event({ type: "tool_result", ok, ...idPart })];
      }
      case "mcp_tool_call": {
        const tool = [str(item.server), str(item.tool)].filter(Boolean).join("/") || "mcp";
        const events = call(tool, item.arguments);
        if (done) {
          const error = str(rec(item.error)?.message);
          events.push(
            this.event({ type: "tool_result", ok, ...idPart, ...(error ? { output: truncate(error) } : {}) }),
          );
        }
        return events;
      }
      case "web_search": {
        const events = call("web_search", { query: item.query });
        if (done) events.push(this.event({ type: "tool_result", ok: true, ...idPart }));
        return events;
      }
      case "error": {
        const message = str(item.message);
        return done && message ? [this.event({ type: "warning", message: truncate(message) })] : [];
      }
      default:
        // reasoning, todo_list and item types added later.
        return [];
    }
  }

  protected judge(info: FinishInfo): Verdict {
    if (this.failure !== undefined) return { outcome: "failed", reason: `turn failed: ${this.failure}` };
    if (this.completed) {
      if (info.exitCode === 0 || info.exitCode === null) return { outcome: "ok" };
      return { outcome: "failed", reason: this.exitReason(info, "after completing its turn") };
    }
    const detail = this.lastError
      ? `no turn.completed; last error: ${this.lastError}`
      : info.exitCode === 0
        ? "no turn.completed event in its output"
        : undefined;
    return { outcome: "failed", reason: this.exitReason(info, detail, this.lastError === undefined) };
  }
}

export const codexAdapter: AgentAdapter = {
  kind: "codex",
  program: "codex",
  judgesByChanges: false,
  buildInvocation,
  createParser: (options) => new CodexParser(options),
};
