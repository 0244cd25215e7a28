import {
  BudgetThresholds,
  budgetLimitsText,
  CostLedger,
  effectivePricing,
  formatUsd,
  hasLimit,
  type Spend,
  totalsTokens,
} from "@gadugi/cost";
import { GadugiError } from "@gadugi/error-handling";
import type { RunBudget, RunEvent } from "@gadugi/interfaces";
import { EventJournal } from "@gadugi/state";
import { recordOf, type Session } from "./session.js";

/** Events that change what the run has spent. */
function spends(event: RunEvent): boolean {
  if (event.type === "agent.run") return true;
  return event.type === "agent.event" && (event.event.type === "usage" || event.event.type === "finished");
}

const usd = formatUsd;

function spendText(budget: RunBudget, spend: Spend): string {
  return [
    ...(budget.maxUsd === undefined ? [] : [usd(spend.usd)]),
    ...(budget.maxTokens === undefined ? [] : [`${spend.tokens.toLocaleString("en-US")} tokens`]),
  ].join(" / ");
}

/**
 * The run's budget at work (issue: cost you can see and cap). It watches every journaled event
 * through a CostLedger (a resume replays the journal first, so spend survives a crash), and:
 *
 * - journals `budget.threshold` at 50, 80 and 100 % of the budget, once each per budget;
 * - before a task starts, holds it back while the spend so far plus what the running tasks are
 *   still expected to spend (history's median cost of such tasks; nothing when unknown) would
 *   reach the budget (the scheduler's `admit`);
 * - at the budget, stops the scheduler (no task starts any more; those not started are skipped
 *   with the reason) and aborts every running agent run with GADUGI_BUDGET_EXCEEDED: the agents
 *   get SIGINT, then the group kill, and their tasks end `budget-exceeded`, as do tasks that would
 *   start another agent; a task past its agents still merges.
 *
 * Without a limit it still keeps the ledger, which the per-task caps use.
 */
export class RunBudgetGuard {
  readonly #session: Session;
  readonly #budget: RunBudget | undefined;
  readonly #ledger: CostLedger;
  readonly #thresholds: BudgetThresholds | undefined;
  readonly #expected: ReadonlyMap<string, number>;
  /** Tasks started and not ended: their expected spend is committed. */
  readonly #tasks = new Set<string>();
  /** Agent runs going on, by task: stopped at the budget. */
  readonly #agents = new Map<string, AbortController>();
  /** Agents already warned about for runs of unknown cost. */
  readonly #unpriced = new Set<string>();
  #stopScheduler: ((reason: string) => void) | undefined;
  readonly #reachedListeners: ((stop: { limit: string; spent: string }) => void)[] = [];
  #reachedReason: string | undefined;

  private constructor(session: Session, events: readonly RunEvent[], expected: ReadonlyMap<string, number>) {
    this.#session = session;
    this.#budget = hasLimit(session.budget) ? session.budget : undefined;
    this.#ledger = new CostLedger(effectivePricing(session.config.pricing));
    this.#expected = expected;
    const said: number[] = [];
    for (const event of events) {
      this.#ledger.apply(event);
      if (event.type === "budget.threshold" && this.#budget && sameLimits(event, this.#budget))
        said.push(event.percent);
    }
    this.#thresholds = this.#budget ? new BudgetThresholds(this.#budget, said) : undefined;
    // A resume whose budget was not raised: reached already, nothing starts (`bind` stops the scheduler).
    if (this.#thresholds?.reached(this.spend())) this.#reach(this.spend());
  }

  /**
   * The guard of a session, over what its journal holds so far, and listening to what it journals
   * from now on. `expected`: each task's expected cost in USD, where history knows one.
   */
  static async open(
    session: Session,
    expected: ReadonlyMap<string, number> = new Map(),
  ): Promise<RunBudgetGuard> {
    const { events } = await EventJournal.forRun(session.repoRoot, session.runId).read();
    const guard = new RunBudgetGuard(session, events, expected);
    const previous = session.state.listener;
    session.state.listener = (event) => {
      previous?.(event);
      guard.observe(event);
    };
    return guard;
  }

  /** What the run has spent: known costs in USD, and every token. */
  spend(): Spend {
    const totals = this.#ledger.totals();
    return { usd: totals.costUsd, tokens: totalsTokens(totals) };
  }

  /** USD `taskId` has spent so far (known costs only). */
  taskSpentUsd(taskId: string): number {
    return this.#ledger.task(taskId).costUsd;
  }

  /** The scheduler that `stop`s when the budget is reached. */
  bind(scheduler: { stop(reason: string): void }): void {
    this.#stopScheduler = (reason) => scheduler.stop(reason);
    if (this.#reachedReason !== undefined) scheduler.stop(this.#reachedReason);
  }

  observe(event: RunEvent): void {
    // Every event, as the report's ledger takes them (phases and attempts name the open runs).
    this.#ledger.apply(event);
    if (!spends(event)) return;
    if (this.#thresholds === undefined || this.#budget === undefined) return;
    if (event.type === "agent.run") this.#warnUnknownCost(event);
    const spend = this.spend();
    for (const percent of this.#thresholds.observe(spend)) {
      this.#session.background.add(
        recordOf(this.#session)({
          type: "budget.threshold",
          percent,
          spentUsd: spend.usd,
          spentTokens: spend.tokens,
          ...this.#budget,
        }),
      );
    }
    if (this.#thresholds.reached(spend)) this.#reach(spend);
  }

  /**
   * An agent whose runs have no known cost (no usage printed, or tokens of a model without a
   * price) spends nothing the USD budget can see: said once per agent, with what to do.
   */
  #warnUnknownCost(event: Extract<RunEvent, { type: "agent.run" }>): void {
    if (this.#budget?.maxUsd === undefined || this.#unpriced.has(event.agent)) return;
    if (event.outcome === "budget_exceeded" && event.usage?.costUsd === 0) return;
    if (event.usage?.costUsd !== undefined) return;
    this.#unpriced.add(event.agent);
    const why =
      event.usage === undefined
        ? "it printed no usage"
        : `no price for its model${event.usage.model ? ` ${event.usage.model}` : " (it names none)"}`;
    this.#session.background.add(
      recordOf(this.#session)({
        type: "warning",
        taskId: event.taskId,
        message: `the cost of agent ${event.agent}'s runs is unknown (${why}): they count as nothing against the run's budget of ${budgetLimitsText(this.#budget)}${event.usage === undefined ? "" : "; give the model a price under `pricing` in the config"}`,
      }),
    );
  }

  /** Once: no more starts, every running task stopped. */
  #reach(spend: Spend): void {
    if (this.#reachedReason !== undefined || this.#budget === undefined) return;
    const limit = budgetLimitsText(this.#budget);
    const spent = spendText(this.#budget, spend);
    // Also the run's warning (the scheduler's stopped reason): it says how to go on.
    this.#reachedReason = `not started: the run's budget of ${limit} was reached (spent ${spent}); continue with \`gadugi resume ${this.#session.runId} --max-budget-usd <usd>\``;
    this.#stopScheduler?.(this.#reachedReason);
    const error = new GadugiError("GADUGI_BUDGET_EXCEEDED", { scope: "run", limit, spent });
    for (const controller of this.#agents.values()) controller.abort(error);
    for (const listener of this.#reachedListeners) listener({ limit, spent });
  }

  /** Told once when the budget is reached (a queued run stops its jobs on the workers). */
  onReached(listener: (stop: { limit: string; spent: string }) => void): void {
    this.#reachedListeners.push(listener);
  }

  /** The budget was reached: why nothing more starts. */
  get reachedReason(): string | undefined {
    return this.#reachedReason;
  }

  /** `taskId` started (until `done`): what it is still expected to spend counts in `admit`. */
  taskStarted(taskId: string): () => void {
    this.#tasks.add(taskId);
    return () => this.#tasks.delete(taskId);
  }

  /**
   * The signal an agent run of `taskId` runs under: `parent` (the task's), aborted also with
   * GADUGI_BUDGET_EXCEEDED when the budget is reached while it runs. Only agent runs are
   * stopped: a task past its agents still merges (that costs nothing), and one that would start
   * another agent is refused it (`reachedReason`). `done` once the run has ended.
   */
  agentSignal(taskId: string, parent: AbortSignal): { signal: AbortSignal; done: () => void } {
    const own = new AbortController();
    this.#agents.set(taskId, own);
    return {
      signal: AbortSignal.any([parent, own.signal]),
      done: () => {
        if (this.#agents.get(taskId) === own) this.#agents.delete(taskId);
      },
    };
  }

  /**
   * SchedulerOptions.admit: a reason to hold the next task back, or undefined. What the running
   * tasks are expected to spend counts, not the new task's own (an estimate must not keep a run
   * from starting at all).
   */
  admit(): string | undefined {
    if (this.#reachedReason !== undefined) return this.#reachedReason;
    if (this.#budget?.maxUsd === undefined) return undefined;
    const spend = this.spend();
    let committed = spend.usd;
    for (const running of this.#tasks) {
      committed += Math.max(0, (this.#expected.get(running) ?? 0) - this.taskSpentUsd(running));
    }
    if (committed < this.#budget.maxUsd) return undefined;
    const limit = budgetLimitsText(this.#budget);
    return `not started: the run's budget of ${limit} is spent or committed to the running tasks (spent ${usd(spend.usd)}, expected ${usd(committed)})`;
  }
}

function sameLimits(event: Extract<RunEvent, { type: "budget.threshold" }>, budget: RunBudget): boolean {
  return event.maxUsd === budget.maxUsd && event.maxTokens === budget.maxTokens;
}
