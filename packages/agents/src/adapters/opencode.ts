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
import { readCounts, statedCost, withModel } from "../usage.js";

/** The message when the prompt goes as an attached file (too long, or starting with "-"). */
export const OPENCODE_FILE_PROMPT = "Carry out the task described in the attached file.";

function buildInvocation(request: AgentRunRequest): AgentInvocation {
  const { agent } = request;
  const { file, prefix } = programOf(request, "opencode");
  const prompt = promptWithSystem(request);
  const viaFile = !promptFitsArgv(prompt);
  const args = [...prefix, "run", viaFile ? OPENCODE_FILE_PROMPT : prompt, "--format", "json"];
  if (viaFile) args.push("-f", request.promptFile);
  if (agent.autonomy === "full") args.push("--auto");
  if (agent.model) args.push("--model", agent.model);
  // maxBudgetUsd: runAgent stops opencode at it, from its usage.
  const warnings = unsupported(request, "opencode", ["maxTurns"]);
  if (agent.autonomy === "read-only") {
    warnings.push(
      "opencode has no read-only flag: deny edits with `permission` in its config (opencode.json); permissions it would ask for are auto-rejected",
    );
  }
  if (viaFile && agent.appendSystemPrompt) {
    warnings.push("the prompt goes to opencode as a file, without appendSystemPrompt");
  }
  return { file, args, env: agentEnv(request), stdin: "ignore", cwd: request.worktree, warnings };
}

/** One step_finish's tokens and stated cost; undefined when its tokens are missing or malformed. */
function stepUsage(part: Json): TokenUsage | undefined {
  const tokens = readCounts(part.tokens, { input: "input", output: "output", reasoning: "reasoning" }, [
    "input",
    "output",
  ]);
  const cache = rec(part.tokens)?.cache;
  const cached =
    cache === undefined ? { read: 0, write: 0 } : readCounts(cache, { read: "read", write: "write" });
  if (!tokens || !cached) return undefined;
  const cost = statedCost(part.cost);
  return {
    inputTokens: tokens.input,
    outputTokens: tokens.output + tokens.reasoning,
    cacheReadTokens: cached.read,
    cacheWriteTokens: cached.write,
    ...(cost === undefined ? {} : { costUsd: cost }),
  };
}

const DENIED = /rejected permission|permission denied|not permitted|denied/i;

/**
 * `opencode run --format json`: text, tool_use (with the tool's final state), step_finish (tokens
 * and cost of one model call, summed here), error. Permissions it would ask for are auto-rejected
 * and it still exits 0, so rejected tool calls are counted as permission denials.
 */
export class OpencodeParser extends BaseParser {
  private steps = 0;
  /** The last error event, cleared when a later step finishes (it recovered). */
  private error: string | undefined;

  constructor(options?: ParserOptions) {
    super("opencode", options);
  }

  protected onJson(value: Json, _stream: OutputStream): AgentEvent[] {
    const events = this.session(value.sessionID);
    const part = rec(value.part);
    switch (value.type) {
      case "text": {
        const text = str(part?.text);
        if (text) events.push(this.event({ type: "text", text }));
        break;
      }
      case "tool_use":
        if (part) events.push(...this.onTool(part));
        break;
      case "step_finish": {
        this.steps++;
        this.error = undefined;
        if (part?.reason === "stop") this.terminal = true;
        const step = part ? stepUsage(part) : undefined;
        if (step) {
          // Each step_finish is one model call: the run's usage is their sum. The stream names no
          // model (the captures have none): the one the request asked for, if any.
          this.usage = withModel(addUsage(this.usage, step), this.requestedModel);
          events.push(this.event({ type: "usage", usage: { ...this.usage } }));
        }
        break;
      }
      case "error": {
        const error = rec(value.error);
        const data = rec(error?.data);
        const name = str(error?.name) ?? "error";
        const message = str(data?.message) ?? str(error?.message) ?? "unknown error";
        this.error = `${name}: ${apiErrorText(message, num(data?.statusCode))}`;
        events.push(this.event({ type: "warning", message: this.error }));
        break;
      }
      default:
        break;
    }
    return events;
  }

  private onTool(part: Json): AgentEvent[] {
    const tool = str(part.tool) ?? "unknown";
    const id = str(part.callID) ?? str(part.id);
    const idPart = id ? { id } : {};
    const state = rec(part.state);
    const events: AgentEvent[] = [this.event({ type: "tool_call", tool, input: state?.input, ...idPart })];
    const status = str(state?.status);
    if (status === "completed") {
      const output = str(state?.output);
      events.push(
        this.event({
          type: "tool_result",
          ok: true,
          ...idPart,
          ...(output ? { output: truncate(output, MAX_EVENT_TEXT) } : {}),
        }),
      );
    } else if (status === "error") {
      const error = str(state?.error) ?? "tool failed";
      if (DENIED.test(error) && this.recordDenial(id)) {
        events.push(this.event({ type: "permission_denied", tool, detail: truncate(error) }));
      }
      events.push(
        this.event({ type: "tool_result", ok: false, ...idPart, output: truncate(error, MAX_EVENT_TEXT) }),
      );
    }
    return events;
  }

  protected judge(info: FinishInfo): Verdict {
    if (info.exitCode !== 0 && !(info.exitCode === null && this.terminal)) {
      return { outcome: "failed", reason: this.exitReason(info, this.error) };
    }
    if (this.error !== undefined) return { outcome: "failed", reason: `opencode reported ${this.error}` };
    if (this.steps === 0)
      return { outcome: "failed", reason: this.exitReason(info, "no step_finish event in its output") };
    const denials = this.permissionDenials;
    return denials > 0
      ? { outcome: "ok", reason: `completed with ${denials} permission denial${denials === 1 ? "" : "s"}` }
      : { outcome: "ok" };
  }
}

export const opencodeAdapter: AgentAdapter = {
  kind: "opencode",
  program: "opencode",
  judgesByChanges: false,
  buildInvocation,
  createParser: (options) => new OpencodeParser(options),
};
