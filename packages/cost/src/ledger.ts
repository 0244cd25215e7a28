import {
  type AgentEvent,
  type PhaseUsage,
  type Pricing,
  type RunEvent,
  type RunEventInput,
  TokenUsage,
  type UsageTotals,
} from "@gadugi/interfaces";
import { DEFAULT_PRICING, priceUsage } from "./pricing.js";

/** An agent event as a journal event not yet stamped carries it. */
type AgentEventInput = Extract<RunEventInput, { type: "agent.event" }>["event"];

/** One agent run as the ledger knows it: finished (`agent.run` journaled) or still running. */
interface LedgerRun {
  taskId: string;
  attempt: number;
  purpose: string;
  usage: TokenUsage | undefined;
  /** The agent's process, from its `started` event. */
  pid: number | undefined;
  open: boolean;
}

/** The purpose of an agent run a task's phase starts, until its `agent.run` says otherwise. */
const PHASE_PURPOSE: Readonly<Record<string, string>> = { testing: "testing-fix" };

/**
 * A usage as the ledger counts it: validated, missing counts 0 (an event not yet stamped by the
 * journal has its defaults unapplied); anything malformed is no usage (unknown), never NaN.
 */
function usageOf(raw: unknown): TokenUsage | undefined {
  if (raw === undefined) return undefined;
  const parsed = TokenUsage.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Totals with nothing counted. */
export function emptyTotals(): UsageTotals {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    unknownCostRuns: 0,
    unknownUsageRuns: 0,
    runs: 0,
  };
}

/** Every token counted in `totals`. */
export function totalsTokens(totals: UsageTotals): number {
  return totals.inputTokens + totals.outputTokens + totals.cacheReadTokens + totals.cacheWriteTokens;
}

/**
 * Tokens and cost of a run's agent runs, per task, attempt and phase, built from the run's journal
 * (`apply` every event, in order; a resumed run replays its whole journal first).
 *
 * - An agent's `started` event (journaled as `agent.event`) opens its run; the CLI naming its
 *   session, or a second `started` of the same process, is the same run.
 * - Its streamed `usage` events carry its usage so far, each replacing the one before: they are
 *   what a running agent has spent.
 * - Its `agent.run` event ends it, with the final usage (none, and none streamed: unknown tokens
 *   and cost, counted as such, never as zero).
 * - An agent run that never got its `agent.run` (its orchestrator was killed) ends at the resume
 *   (`run.status` with `pausedSince`) or when the task's next agent starts, keeping the last usage
 *   it streamed: spend is never forgotten across a crash.
 */
export class CostLedger {
  readonly #pricing: Pricing;
  readonly #runs: LedgerRun[] = [];
  /** The task's agent run that has started and not ended yet. */
  readonly #open = new Map<string, LedgerRun>();
  /** The task's current phase (for an open run's purpose) and latest attempt. */
  readonly #phase = new Map<string, string>();
  readonly #attempt = new Map<string, number>();

  constructor(pricing: Pricing = DEFAULT_PRICING) {
    this.#pricing = pricing;
  }

  /** A ledger of every event of a journal. */
  static of(events: Iterable<RunEvent>, pricing: Pricing = DEFAULT_PRICING): CostLedger {
    const ledger = new CostLedger(pricing);
    for (const event of events) ledger.apply(event);
    return ledger;
  }

  /** Takes a journal event, stamped or not yet (a progress display sees both). */
  apply(event: RunEvent | RunEventInput): void {
    switch (event.type) {
      case "phase.started":
        this.#phase.set(event.taskId, PHASE_PURPOSE[event.phase] ?? event.phase);
        return;
      case "task.status":
        // Each start of a task is its next attempt (as the run's state counts them).
        if (event.status === "running")
          this.#attempt.set(event.taskId, (this.#attempt.get(event.taskId) ?? 0) + 1);
        return;
      case "task.updated":
        if (event.patch.attempts !== undefined) this.#attempt.set(event.taskId, event.patch.attempts);
        return;
      case "run.status":
        // A resume: no agent of the previous orchestrator reports any more.
        if (event.pausedSince !== undefined) this.end();
        return;
      case "agent.event":
        this.#agentEvent(event.taskId, event.event);
        return;
      case "agent.run": {
        const run = this.#open.get(event.taskId) ?? this.#newRun(event.taskId);
        this.#open.delete(event.taskId);
        run.open = false;
        run.attempt = event.attempt;
        run.purpose = event.purpose;
        const usage = usageOf(event.usage);
        if (usage !== undefined) run.usage = usage;
        this.#attempt.set(event.taskId, event.attempt);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Every open run ends as it is (the report, once nothing runs; a resume): one that reported no
   * usage has unknown tokens and cost from now on.
   */
  end(): void {
    for (const run of this.#open.values()) run.open = false;
    this.#open.clear();
  }

  #agentEvent(taskId: string, event: AgentEvent | AgentEventInput): void {
    if (event.type === "started") this.#start(taskId, event.pid);
    else if (event.type === "usage" || event.type === "finished") {
      const usage = usageOf(event.usage);
      if (usage !== undefined) this.#openRun(taskId).usage = usage;
    }
  }

  /** An agent of the task started: a new run unless it is the open run's agent announcing itself again. */
  #start(taskId: string, pid: number | undefined): void {
    const open = this.#open.get(taskId);
    if (open && sameAgent(open, pid)) {
      open.pid ??= pid;
      return;
    }
    // One still open lost its orchestrator (killed): it keeps what it streamed.
    if (open) open.open = false;
    const run = this.#newRun(taskId);
    run.pid = pid;
    this.#open.set(taskId, run);
  }

  #openRun(taskId: string): LedgerRun {
    const open = this.#open.get(taskId);
    if (open) return open;
    const run = this.#newRun(taskId);
    this.#open.set(taskId, run);
    return run;
  }

  #newRun(taskId: string): LedgerRun {
    const run: LedgerRun = {
      taskId,
      attempt: this.#attempt.get(taskId) ?? 0,
      purpose: this.#phase.get(taskId) ?? "implementation",
      usage: undefined,
      pid: undefined,
      open: true,
    };
    this.#runs.push(run);
    return run;
  }

  /** Every agent run of the run, the running ones with what they spent so far. */
  totals(): UsageTotals {
    return this.#sum(this.#runs);
  }

  /** One task's agent runs. */
  task(taskId: string): UsageTotals {
    return this.#sum(this.#runs.filter((r) => r.taskId === taskId));
  }

  /** One task's agent runs per attempt and purpose, in the order they first ran. */
  phases(taskId: string): PhaseUsage[] {
    const groups = new Map<string, LedgerRun[]>();
    for (const run of this.#runs) {
      if (run.taskId !== taskId) continue;
      const key = `${run.attempt}\0${run.purpose}`;
      groups.set(key, [...(groups.get(key) ?? []), run]);
    }
    return [...groups.values()].map((runs) => ({
      attempt: (runs[0] as LedgerRun).attempt,
      purpose: (runs[0] as LedgerRun).purpose,
      ...this.#sum(runs),
    }));
  }

  /** The task's running agent's spend so far; undefined when none runs. */
  running(taskId: string): UsageTotals | undefined {
    const open = this.#open.get(taskId);
    return open ? this.#sum([open]) : undefined;
  }

  /** Tasks with at least one agent run, in the order their first one started. */
  taskIds(): string[] {
    return [...new Set(this.#runs.map((r) => r.taskId))];
  }

  #sum(runs: readonly LedgerRun[]): UsageTotals {
    const totals = emptyTotals();
    for (const run of runs) {
      totals.runs += 1;
      // A running agent that has not reported usage yet has spent nothing known: not "unknown".
      if (run.usage === undefined) {
        if (!run.open) {
          totals.unknownUsageRuns += 1;
          totals.unknownCostRuns += 1;
        }
        continue;
      }
      totals.inputTokens += run.usage.inputTokens;
      totals.outputTokens += run.usage.outputTokens;
      totals.cacheReadTokens += run.usage.cacheReadTokens;
      totals.cacheWriteTokens += run.usage.cacheWriteTokens;
      const priced = priceUsage(run.usage, this.#pricing);
      if (priced.costUsd === undefined) totals.unknownCostRuns += 1;
      else totals.costUsd += priced.costUsd;
    }
    return totals;
  }
}

/**
 * Whether a `started` event is the open run's agent again: the CLI naming its session (no pid of
 * its own), or the same process. A new process, or a pid after usage from an agent of unknown pid,
 * is another agent.
 */
function sameAgent(open: LedgerRun, pid: number | undefined): boolean {
  if (pid === undefined) return true;
  if (open.pid === undefined) return open.usage === undefined;
  return open.pid === pid;
}
