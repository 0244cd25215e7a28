import type { PhaseUsage, Pricing, RunEvent, TokenUsage, UsageTotals } from "@gadugi/interfaces";
import { DEFAULT_PRICING, priceUsage } from "./pricing.js";

/** One agent run as the ledger knows it: finished (`agent.run` journaled) or still running. */
interface LedgerRun {
  taskId: string;
  attempt: number;
  purpose: string;
  usage: TokenUsage | undefined;
  open: boolean;
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
 * - An agent's streamed `usage` events (journaled as `agent.event`) carry its usage so far, each
 *   replacing the one before: they are what a running agent has spent.
 * - Its `agent.run` event ends it, with the final usage (or none: unknown tokens and cost).
 * - An agent run that never got its `agent.run` (the orchestrator was killed) keeps the last usage
 *   it streamed when the task's next agent starts: spend is never forgotten across a crash.
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

  apply(event: RunEvent): void {
    switch (event.type) {
      case "phase.started":
        this.#phase.set(event.taskId, event.phase);
        return;
      case "agent.event":
        if (event.event.type === "started") this.#start(event.taskId);
        else if (event.event.type === "usage") this.#openRun(event.taskId).usage = event.event.usage;
        else if (event.event.type === "finished" && event.event.usage) {
          this.#openRun(event.taskId).usage = event.event.usage;
        }
        return;
      case "agent.run": {
        const run = this.#open.get(event.taskId) ?? this.#newRun(event.taskId);
        this.#open.delete(event.taskId);
        run.open = false;
        run.attempt = event.attempt;
        run.purpose = event.purpose;
        if (event.usage !== undefined) run.usage = event.usage;
        this.#attempt.set(event.taskId, event.attempt);
        return;
      }
      default:
        return;
    }
  }

  /** A new agent of the task started: one still open (its orchestrator was killed) is kept as it was. */
  #start(taskId: string): void {
    const previous = this.#open.get(taskId);
    if (previous) previous.open = false;
    this.#open.set(taskId, this.#newRun(taskId));
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
