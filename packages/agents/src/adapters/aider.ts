import type { AgentEvent, AgentRunRequest, TokenUsage } from "@gadugi/interfaces";
import { agentEnv, programOf, promptFitsArgv, promptWithSystem, unsupported } from "../invocation.js";
import { stripAnsi, type Verdict } from "../parser-base.js";
import type { AgentAdapter, AgentInvocation, FinishInfo, OutputStream, ParserOptions } from "../types.js";
import { TextParser } from "./text.js";

function buildInvocation(request: AgentRunRequest): AgentInvocation {
  const { agent } = request;
  const { file, prefix } = programOf(request, "aider");
  const prompt = promptWithSystem(request);
  const viaFile = !promptFitsArgv(prompt);
  const args = [...prefix, ...(viaFile ? ["--message-file", request.promptFile] : ["--message", prompt])];
  // Gadugi commits the task's work itself; --no-check-update keeps --yes-always from upgrading aider.
  args.push("--yes-always", "--no-auto-commits", "--no-pretty", "--no-check-update");
  if (agent.autonomy === "read-only") args.push("--dry-run");
  if (agent.model) args.push("--model", agent.model);
  // maxBudgetUsd: runAgent stops aider at it, from the session cost it prints.
  const warnings = unsupported(request, "aider", ["maxTurns"]);
  if (viaFile && agent.appendSystemPrompt)
    warnings.push("the prompt goes to aider as a file, without appendSystemPrompt");
  return { file, args, env: agentEnv(request), stdin: "ignore", cwd: request.worktree, warnings };
}

/** "2.3k" → 2300. */
function tokens(text: string | undefined): number {
  if (!text) return 0;
  const match = /^([\d.,]+)([kKmM]?)$/.exec(text.trim());
  if (!match) return 0;
  const value = Number.parseFloat((match[1] as string).replace(/,/g, ""));
  const scale = match[2]?.toLowerCase() === "k" ? 1e3 : match[2]?.toLowerCase() === "m" ? 1e6 : 1;
  return Number.isFinite(value) ? Math.round(value * scale) : 0;
}

const TOKENS_LINE = /^Tokens:\s*(.*?\breceived)\b(?:.*\$([\d.]+)\s+session)?/;

/**
 * aider prints text only and exits 0 even when the model call failed, so the run is judged by the
 * exit code and by whether the worktree changed (no changes → failed, "no changes"). Its
 * "Tokens: 2.3k sent, 1.1k cache hit, 120 received. Cost: $0.01 message, $0.02 session." lines
 * become usage.
 */
export class AiderParser extends TextParser {
  private sessionCost: number | undefined;

  constructor(options?: ParserOptions) {
    super("aider", options);
  }

  protected override onText(line: string, stream: OutputStream): AgentEvent[] {
    const events = super.onText(line, stream);
    const match = TOKENS_LINE.exec(stripAnsi(line).trim());
    if (!match) return events;
    const step: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    for (const part of (match[1] as string).split(",")) {
      const m = /^\s*([\d.,]+[kKmM]?)\s+(sent|received|cache hit|cache write)\s*$/.exec(part);
      if (!m) continue;
      const n = tokens(m[1]);
      if (m[2] === "sent") step.inputTokens = n;
      else if (m[2] === "received") step.outputTokens = n;
      else if (m[2] === "cache hit") step.cacheReadTokens = n;
      else step.cacheWriteTokens = n;
    }
    const usage: TokenUsage = {
      inputTokens: (this.usage?.inputTokens ?? 0) + step.inputTokens,
      outputTokens: (this.usage?.outputTokens ?? 0) + step.outputTokens,
      cacheReadTokens: (this.usage?.cacheReadTokens ?? 0) + step.cacheReadTokens,
      cacheWriteTokens: (this.usage?.cacheWriteTokens ?? 0) + step.cacheWriteTokens,
    };
    // The session cost is already a running total.
    if (match[2] !== undefined) this.sessionCost = Number.parseFloat(match[2]);
    if (this.sessionCost !== undefined && Number.isFinite(this.sessionCost)) usage.costUsd = this.sessionCost;
    this.usage = usage;
    return [...events, this.event({ type: "usage", usage: { ...usage } })];
  }

  protected override judge(info: FinishInfo): Verdict {
    if (info.exitCode !== 0) return { outcome: "failed", reason: this.exitReason(info, this.lastError) };
    if (info.hasChanges === false) {
      return {
        outcome: "failed",
        reason: this.lastError ? `no changes (last error: ${this.lastError})` : "no changes",
      };
    }
    return { outcome: "ok" };
  }
}

export const aiderAdapter: AgentAdapter = {
  kind: "aider",
  program: "aider",
  judgesByChanges: true,
  buildInvocation,
  createParser: (options) => new AiderParser(options),
};
