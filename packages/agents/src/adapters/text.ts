import type { AgentEvent } from "@gadugi/interfaces";
import { BaseParser, type Json, stripAnsi, truncate, type Verdict } from "../parser-base.js";
import type { FinishInfo, OutputStream, ParserOptions } from "../types.js";

/**
 * Parser for agents without structured output (aider, any command): stdout lines are `text`
 * events, stderr is kept for the failure reason, and the exit code decides.
 */
export class TextParser extends BaseParser {
  /** The last line that reads like an error, from either stream. */
  protected lastError: string | undefined;

  constructor(program: string, options?: ParserOptions) {
    super(program, options, false);
  }

  protected onJson(_value: Json, _stream: OutputStream): AgentEvent[] {
    return [];
  }

  protected override onText(line: string, stream: OutputStream): AgentEvent[] {
    const text = stripAnsi(line).trimEnd();
    if (/(?:error|exception)\b/i.test(text)) this.lastError = truncate(text.trim());
    if (stream === "stderr") {
      this.rememberStderr(line);
      return [];
    }
    return text.trim() ? [this.event({ type: "text", text })] : [];
  }

  protected judge(info: FinishInfo): Verdict {
    if (info.exitCode === 0) return { outcome: "ok" };
    return { outcome: "failed", reason: this.exitReason(info) };
  }
}
