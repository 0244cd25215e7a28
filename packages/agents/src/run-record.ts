import { performance } from "node:perf_hooks";
import type { AgentEvent, AgentRunRequest, AgentRunResult } from "@gadugi/interfaces";
import { LineFile } from "./line-file.js";
import { isTransientReason } from "./transient.js";
import type { AgentStreamParser, FinishedEvent, FinishInfo } from "./types.js";

/**
 * What one run leaves behind: its log (`request.logFile`), its events (`request.eventsFile` and
 * `onEvent`) and, at the end, its AgentRunResult. Opening throws GADUGI_FILE_UNWRITABLE.
 */
export class RunRecord {
  readonly startedAt: string;
  /** The agent's pid once it runs; `started` events get it. */
  pid: number | undefined;
  private readonly t0 = performance.now();
  private readonly log: LineFile;
  private readonly events: LineFile | undefined;
  private callbackFailed = false;

  constructor(
    private readonly request: AgentRunRequest,
    private readonly parser: AgentStreamParser,
    private readonly now: () => Date,
    private readonly onEvent: ((event: AgentEvent) => void) | undefined,
  ) {
    this.startedAt = now().toISOString();
    this.log = new LineFile(request.logFile);
    try {
      this.events = request.eventsFile ? new LineFile(request.eventsFile) : undefined;
    } catch (error) {
      this.log.close();
      throw error;
    }
    const log = this.log;
    log.onError = (error) =>
      this.emit({
        type: "warning",
        at: this.at(),
        message: `cannot write the log ${log.path}: ${error.message}`,
      });
    const events = this.events;
    if (events) {
      events.onError = (error) =>
        log.write(`[gadugi] cannot write the events file ${events.path}: ${error.message}`);
    }
  }

  /** The clock's time, as an ISO string. */
  at(): string {
    return this.now().toISOString();
  }

  /** One line of the log (output lines as they came, Gadugi's own as `[gadugi] …`). */
  write(line: string): void {
    this.log.write(line);
  }

  emit(event: AgentEvent): void {
    const pid = this.pid;
    const out =
      event.type === "started" && pid !== undefined && event.pid === undefined ? { ...event, pid } : event;
    this.events?.write(JSON.stringify(out));
    try {
      this.onEvent?.(out);
    } catch (error) {
      if (!this.callbackFailed) {
        this.callbackFailed = true;
        this.log.write(`[gadugi] onEvent threw: ${(error as Error).message}`);
      }
    }
  }

  /** The run's last event and line, the files closed, and its result. */
  finish(finished: FinishedEvent): AgentRunResult {
    this.emit(finished);
    const endedAt = this.at();
    const reason = finished.reason ? `: ${finished.reason.replace(/\s*\n\s*/g, " ")}` : "";
    this.log.write(
      `[gadugi] ${endedAt} end: ${finished.outcome}, exit code ${finished.exitCode ?? "none"}${reason}`,
    );
    this.log.close();
    this.events?.close();
    const summary = this.parser.summary();
    const result: AgentRunResult = {
      runId: this.request.runId,
      taskId: this.request.taskId,
      outcome: finished.outcome,
      exitCode: finished.exitCode,
      permissionDenials: summary.permissionDenials,
      startedAt: this.startedAt,
      endedAt,
      durationMs: Math.max(0, Math.round(performance.now() - this.t0)),
      transient: isTransientReason(finished.outcome, finished.reason),
    };
    if (finished.reason) result.reason = finished.reason;
    if (summary.sessionId) result.sessionId = summary.sessionId;
    if (finished.usage) result.usage = finished.usage;
    if (this.pid !== undefined) result.pid = this.pid;
    return result;
  }

  /** A run that ended before the agent could run (or start): failed, cancelled, or stopped by the budget. */
  failEarly(info: FinishInfo, reason: string): AgentRunResult {
    const finished = this.parser.finish(info);
    const outcome = info.budgetExceeded ? "budget_exceeded" : info.cancelled ? "cancelled" : "failed";
    return this.finish({ ...finished, outcome, reason });
  }
}
