import type { AgentEvent, AgentOutcome, TokenUsage } from "@gadugi/interfaces";
import type {
  AgentStreamParser,
  FinishedEvent,
  FinishInfo,
  OutputStream,
  ParserOptions,
  ParserSummary,
} from "./types.js";

/** Distributes Omit over the members of a union, so `{ type: "text", text }` type-checks. */
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<AgentEvent, "at">;

export type Json = Record<string, unknown>;

/** The final judgement of a run, before it becomes the `finished` event. */
export interface Verdict {
  outcome: AgentOutcome;
  reason?: string;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*(?:\u0007|\u001b\\)/g;
const MAX_BLOCK_LINES = 5000;
const MAX_BLOCK_CHARS = 4 * 1024 * 1024;
const STDERR_TAIL = 60;
/** Longest tool output kept in a `tool_result` event (the raw log has all of it). */
export const MAX_EVENT_TEXT = 4000;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

export function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function rec(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

/** Non-negative token count, 0 when absent. */
export function count(value: unknown): number {
  const n = num(value);
  return n !== undefined && n > 0 ? n : 0;
}

/** Two usages added up (steps of one run); the model is left for the caller to name. */
export function addUsage(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  if (!a) return { ...b };
  const sum: TokenUsage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
  // A step without a stated cost makes the total's cost unknown, not a smaller sum.
  if (a.costUsd !== undefined && b.costUsd !== undefined) sum.costUsd = a.costUsd + b.costUsd;
  return sum;
}

/**
 * An API error message, readable: CLIs often pass the API's JSON body through
 * (`[API Error: {"error":{"code":400,"message":"..."}}]`). Returns "message (type) (HTTP 400)"
 * when a JSON body is found, else the text; `status` adds a known HTTP status.
 */
export function apiErrorText(message: string, status?: number): string {
  let text = message;
  let code = status;
  const start = message.indexOf("{");
  const end = message.lastIndexOf("}");
  if (start !== -1 && end > start) {
    try {
      const body: unknown = JSON.parse(message.slice(start, end + 1));
      const error = rec(rec(body)?.error) ?? rec(body);
      const inner = str(error?.message);
      if (inner) {
        const type = str(error?.type) ?? str(error?.status);
        text = `${inner}${type ? ` (${type})` : ""}`;
        code ??= num(error?.code) ?? num(error?.status);
      }
    } catch {
      // Not JSON after all.
    }
  }
  text = truncate(text);
  return code !== undefined && code >= 400 && code < 600 && !text.includes(`HTTP ${code}`)
    ? `${text} (HTTP ${code})`
    : text;
}

/** "exited with code 3" / "was killed by SIGKILL" / "ended without an exit code". */
export function describeExit(exitCode: number | null, signal?: string | null): string {
  if (exitCode !== null) return `exited with code ${exitCode}`;
  if (signal) return `was killed by ${signal}`;
  return "ended without an exit code";
}

/**
 * Shared machinery of the stream parsers: one JSON object per line (or a pretty-printed object
 * spanning lines, as `gemini -o json` prints), tolerance for anything else, the stderr tail for
 * failure reasons, session id, usage and permission denials. Subclasses map the CLI's JSON to
 * events (`onJson`) and judge the outcome (`judge`).
 */
export abstract class BaseParser implements AgentStreamParser {
  protected readonly now: () => Date;
  /** `agent.model`, for CLIs whose output names no model. */
  protected readonly requestedModel: string | undefined;
  protected sessionId: string | undefined;
  protected usage: TokenUsage | undefined;
  /** The CLI printed its own final status. */
  protected terminal = false;
  private readonly deniedIds = new Set<string>();
  private anonymousDenials = 0;
  private readonly stderrTail: string[] = [];
  private readonly blocks: Partial<Record<OutputStream, { lines: string[]; chars: number }>> = {};

  constructor(
    /** Name used in reasons: "claude exited with code 1". */
    protected readonly program: string,
    options: ParserOptions = {},
    /** false: every line is text (plain-text agents), JSON is not interpreted. */
    private readonly structured = true,
  ) {
    this.now = options.now ?? (() => new Date());
    this.requestedModel = options.model;
  }

  push(line: string, stream: OutputStream = "stdout"): AgentEvent[] {
    try {
      return this.pushLine(line, stream);
    } catch (error) {
      // A parser bug must never end a run: say it and go on.
      const message = error instanceof Error ? error.message : String(error);
      return [this.event({ type: "warning", message: `could not interpret a line of output: ${message}` })];
    }
  }

  finish(info: FinishInfo): FinishedEvent {
    const flushed: string[] = [];
    for (const stream of ["stdout", "stderr"] as const) {
      const block = this.blocks[stream];
      delete this.blocks[stream];
      for (const line of block?.lines ?? []) {
        if (stream === "stderr") this.rememberStderr(line);
        else flushed.push(line);
      }
    }
    for (const line of flushed) this.onText(line, "stdout");

    let verdict: Verdict;
    const budgetStop = {
      outcome: "budget_exceeded",
      reason: info.stopReason ?? "stopped at its budget",
    } as const;
    if (info.budgetExceeded && !this.terminal) {
      verdict = budgetStop;
    } else if (info.cancelled) {
      verdict = { outcome: "cancelled", reason: info.stopReason ?? "cancelled" };
    } else if (info.timedOut && !this.terminal) {
      verdict = { outcome: "timeout", reason: info.stopReason ?? "timed out" };
    } else {
      // A budget stop (or timeout) after the CLI's final status: a success it reported stands (its
      // work is done); anything else is the stop's (the exit code is the stop's SIGINT).
      verdict = this.judge(info);
      if (info.budgetExceeded && verdict.outcome !== "ok") verdict = budgetStop;
      else if (info.timedOut || info.budgetExceeded) {
        const stop = info.stopReason ?? (info.timedOut ? "timed out" : "stopped at its budget");
        verdict = {
          ...verdict,
          reason: verdict.reason
            ? `${verdict.reason}; then ${stop}`
            : `killed after its final status: ${stop}`,
        };
      }
    }
    const finished: FinishedEvent = {
      type: "finished",
      at: this.at(),
      outcome: verdict.outcome,
      exitCode: info.exitCode,
    };
    if (verdict.reason) finished.reason = verdict.reason;
    if (this.usage) finished.usage = { ...this.usage };
    return finished;
  }

  summary(): ParserSummary {
    const summary: ParserSummary = {
      permissionDenials: this.deniedIds.size + this.anonymousDenials,
      terminal: this.terminal,
    };
    if (this.sessionId) summary.sessionId = this.sessionId;
    if (this.usage) summary.usage = { ...this.usage };
    return summary;
  }

  protected abstract onJson(value: Json, stream: OutputStream): AgentEvent[];
  protected abstract judge(info: FinishInfo): Verdict;

  /** A line that is not JSON: stderr is kept for failure reasons, stdout becomes a warning. */
  protected onText(line: string, stream: OutputStream): AgentEvent[] {
    if (stream === "stderr") {
      this.rememberStderr(line);
      return [];
    }
    const text = stripAnsi(line).trim();
    if (!text) return [];
    return [this.event({ type: "warning", message: `unexpected output: ${truncate(text)}` })];
  }

  protected at(): string {
    return this.now().toISOString();
  }

  protected event(body: EventBody): AgentEvent {
    return { ...body, at: this.at() } as AgentEvent;
  }

  /** The `started` event the first time the CLI names its session. */
  protected session(id: unknown): AgentEvent[] {
    if (typeof id !== "string" || !id || this.sessionId) return [];
    this.sessionId = id;
    return [this.event({ type: "started", sessionId: id })];
  }

  /** Records a refused tool call once per id; returns whether it was new. */
  protected recordDenial(id: string | undefined): boolean {
    if (id === undefined) {
      this.anonymousDenials++;
      return true;
    }
    if (this.deniedIds.has(id)) return false;
    this.deniedIds.add(id);
    return true;
  }

  protected get permissionDenials(): number {
    return this.deniedIds.size + this.anonymousDenials;
  }

  protected rememberStderr(line: string): void {
    const text = stripAnsi(line).trimEnd();
    if (!text.trim()) return;
    this.stderrTail.push(text);
    if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
  }

  /** The most telling stderr line: the first that reads like an error, else the last one. */
  protected stderrSummary(): string | undefined {
    const lines = this.stderrTail.map((l) => l.trim()).filter((l) => l && !/^at\s/.test(l));
    // "Error: x", "fatal: x", "npm error x", and thrown errors such as "SyntaxError: x" or
    // "ModuleNotFoundError: x" (Node and Python print the runtime's version or a traceback after them).
    const error = lines.find((l) => /^(?:error|fatal)\b|\berror:|^[A-Z]\w*(?:Error|Exception)\b/i.test(l));
    const chosen = error ?? lines[lines.length - 1];
    return chosen === undefined ? undefined : truncate(chosen);
  }

  /**
   * Reason for a run that ended without the CLI's final status: how it exited, `detail`, and the
   * telling stderr line (left out after exit code 0, or with `withStderr: false`).
   */
  protected exitReason(info: FinishInfo, detail?: string, withStderr = true): string {
    const parts = [`${this.program} ${describeExit(info.exitCode, info.signal)}`];
    if (detail) parts.push(detail);
    const stderr = withStderr && info.exitCode !== 0 ? this.stderrSummary() : undefined;
    if (stderr && !detail?.includes(stderr)) parts.push(stderr);
    return parts.join(": ");
  }

  private pushLine(line: string, stream: OutputStream): AgentEvent[] {
    if (!this.structured) return this.onText(line, stream);
    const block = this.blocks[stream];
    if (block) {
      block.lines.push(line);
      block.chars += line.length + 1;
      if (line.trimEnd() === "}") {
        try {
          const value: unknown = JSON.parse(block.lines.join("\n"));
          delete this.blocks[stream];
          if (isRecord(value)) return this.onJson(value, stream);
        } catch {
          // Not complete yet (a nested "}" at column 0), or not JSON: keep reading.
        }
      }
      if (block.lines.length > MAX_BLOCK_LINES || block.chars > MAX_BLOCK_CHARS) {
        delete this.blocks[stream];
        return block.lines.flatMap((l) => this.onText(l, stream));
      }
      return [];
    }
    if (line.trimEnd() === "{") {
      this.blocks[stream] = { lines: [line], chars: line.length + 1 };
      return [];
    }
    const trimmed = line.trim();
    if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch {
        value = undefined;
      }
      if (isRecord(value)) return this.onJson(value, stream);
    }
    return this.onText(line, stream);
  }
}
