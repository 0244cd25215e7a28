import { parseWith } from "@gadugi/error-handling";
import { PhaseRecord, type PhaseStatus, WORKFLOW_PHASES, type WorkflowPhase } from "@gadugi/interfaces";
import { type Clock, callerError, emit, iso, systemClock } from "./util.js";

export interface PhaseChange {
  taskId: string;
  phase: WorkflowPhase;
  status: PhaseStatus;
  at: string;
  durationMs?: number;
  reason?: string;
}

export type PhaseListener = (change: PhaseChange) => void;

/** Totals of one phase across every task of the tracker. */
export interface PhaseTotals {
  phase: WorkflowPhase;
  running: number;
  completed: number;
  failed: number;
  skipped: number;
  /** Sum of the durations of the ended (completed or failed) runs of this phase. */
  totalMs: number;
  /** Longest single run; 0 when none ended. */
  maxMs: number;
}

export interface WorkflowPhaseTrackerOptions {
  now?: Clock;
}

interface Entry {
  record: PhaseRecord;
  /** Clock reading at start, kept in ms so durations do not round-trip through ISO strings. */
  startMs?: number;
}

const ORDER = new Map<WorkflowPhase, number>(WORKFLOW_PHASES.map((p, i) => [p, i]));
const HINT = "This is a bug in the caller: phases are started, then ended, failed or skipped once.";

/**
 * Start, end and duration of each workflow phase of each task. Produces the interfaces'
 * PhaseRecord[] per task (in workflow order) and per-phase totals across tasks.
 *
 * Rules: `start` needs a phase that is not running (a failed or completed phase may be started
 * again, which replaces its record: a retry); `end` and `fail` need a running phase; `skip` needs
 * one that is not running or completed. `fail` and `skip` need a non-empty reason. Durations come
 * from the injected clock and are never negative (a clock stepping back counts as 0 ms).
 */
export class WorkflowPhaseTracker {
  readonly #tasks = new Map<string, Map<WorkflowPhase, Entry>>();
  readonly #listeners = new Set<PhaseListener>();
  readonly #now: Clock;

  constructor(options: WorkflowPhaseTrackerOptions = {}) {
    this.#now = options.now ?? systemClock;
  }

  start(taskId: string, phase: WorkflowPhase): PhaseRecord {
    const entry = this.#entry(taskId, phase);
    if (entry?.record.status === "running") {
      throw callerError("phase", phase, `a phase of task ${taskId} that is not running`, HINT);
    }
    const ms = this.#now();
    const record: PhaseRecord = { phase, status: "running", startedAt: iso(ms), data: {} };
    this.#phases(taskId).set(phase, { record, startMs: ms });
    this.#emit(taskId, record);
    return structuredClone(record);
  }

  /** Completes a running phase; `data` is merged into the record's data. */
  end(taskId: string, phase: WorkflowPhase, data?: Record<string, unknown>): PhaseRecord {
    return this.#finish(taskId, phase, "completed", undefined, data);
  }

  fail(taskId: string, phase: WorkflowPhase, reason: string, data?: Record<string, unknown>): PhaseRecord {
    return this.#finish(taskId, phase, "failed", reason, data);
  }

  skip(taskId: string, phase: WorkflowPhase, reason: string, data?: Record<string, unknown>): PhaseRecord {
    requireReason(taskId, phase, reason);
    const entry = this.#entry(taskId, phase);
    if (entry && (entry.record.status === "running" || entry.record.status === "completed")) {
      throw callerError("phase", phase, `a phase of task ${taskId} that is not ${entry.record.status}`, HINT);
    }
    const record: PhaseRecord = {
      phase,
      status: "skipped",
      endedAt: iso(this.#now()),
      reason,
      data: { ...data },
    };
    this.#phases(taskId).set(phase, { record });
    this.#emit(taskId, record);
    return structuredClone(record);
  }

  /** The phase of `taskId` running now, if any. */
  current(taskId: string): WorkflowPhase | undefined {
    for (const [phase, entry] of this.#tasks.get(taskId) ?? []) {
      if (entry.record.status === "running") return phase;
    }
    return undefined;
  }

  /** The records of every phase of `taskId` touched so far, in workflow order. */
  records(taskId: string): PhaseRecord[] {
    const phases = this.#tasks.get(taskId);
    if (!phases) return [];
    return [...phases.values()]
      .map((e) => structuredClone(e.record))
      .sort((a, b) => (ORDER.get(a.phase) ?? 0) - (ORDER.get(b.phase) ?? 0));
  }

  taskIds(): string[] {
    return [...this.#tasks.keys()];
  }

  /** One entry per workflow phase, in workflow order, summed over all tasks. */
  totals(): PhaseTotals[] {
    const totals = new Map<WorkflowPhase, PhaseTotals>(
      WORKFLOW_PHASES.map((phase) => [
        phase,
        { phase, running: 0, completed: 0, failed: 0, skipped: 0, totalMs: 0, maxMs: 0 },
      ]),
    );
    for (const phases of this.#tasks.values()) {
      for (const { record } of phases.values()) {
        const t = totals.get(record.phase)!;
        if (record.status === "pending") continue;
        t[record.status]++;
        if (record.durationMs !== undefined) {
          t.totalMs += record.durationMs;
          t.maxMs = Math.max(t.maxMs, record.durationMs);
        }
      }
    }
    return [...totals.values()];
  }

  /**
   * Loads the records of one task, e.g. from its WorkflowState on resume. They are validated
   * against the PhaseRecord schema; a running record resumes timing from its startedAt.
   */
  restore(taskId: string, records: readonly unknown[], source = `phases of task ${taskId}`): void {
    const parsed = parseWith(PhaseRecord.array(), records, source);
    const phases = new Map<WorkflowPhase, Entry>();
    for (const record of parsed) {
      const entry: Entry = { record };
      if (record.status === "running" && record.startedAt !== undefined) {
        const ms = Date.parse(record.startedAt);
        if (!Number.isNaN(ms)) entry.startMs = ms;
      }
      phases.set(record.phase, entry);
    }
    this.#tasks.set(taskId, phases);
  }

  on(listener: PhaseListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #finish(
    taskId: string,
    phase: WorkflowPhase,
    status: "completed" | "failed",
    reason: string | undefined,
    data: Record<string, unknown> | undefined,
  ): PhaseRecord {
    if (status === "failed") requireReason(taskId, phase, reason);
    const entry = this.#entry(taskId, phase);
    if (entry?.record.status !== "running") {
      const state = entry ? entry.record.status : "not started";
      throw callerError("phase", phase, `a running phase of task ${taskId} (it is ${state})`, HINT);
    }
    const ms = this.#now();
    const record = entry.record;
    record.status = status;
    record.endedAt = iso(ms);
    if (entry.startMs !== undefined) record.durationMs = Math.max(0, ms - entry.startMs);
    if (reason !== undefined) record.reason = reason;
    record.data = { ...record.data, ...data };
    delete entry.startMs;
    this.#emit(taskId, record);
    return structuredClone(record);
  }

  #entry(taskId: string, phase: WorkflowPhase): Entry | undefined {
    if (!ORDER.has(phase)) {
      throw callerError("phase", String(phase), `one of ${WORKFLOW_PHASES.join(", ")}`, HINT);
    }
    return this.#tasks.get(taskId)?.get(phase);
  }

  #phases(taskId: string): Map<WorkflowPhase, Entry> {
    let phases = this.#tasks.get(taskId);
    if (!phases) {
      phases = new Map();
      this.#tasks.set(taskId, phases);
    }
    return phases;
  }

  #emit(taskId: string, record: PhaseRecord): void {
    const change: PhaseChange = {
      taskId,
      phase: record.phase,
      status: record.status,
      at: record.endedAt ?? record.startedAt ?? iso(this.#now()),
    };
    if (record.durationMs !== undefined) change.durationMs = record.durationMs;
    if (record.reason !== undefined) change.reason = record.reason;
    emit(this.#listeners, change);
  }
}

function requireReason(taskId: string, phase: WorkflowPhase, reason: string | undefined): void {
  if (reason === undefined || reason.trim() === "") {
    throw callerError(
      "reason",
      String(reason ?? ""),
      `a non-empty reason for phase ${phase} of task ${taskId}`,
      "A skipped or failed phase must say why.",
    );
  }
}
