import { BUDGET_THRESHOLDS, type RunBudget } from "@gadugi/interfaces";

export interface Spend {
  usd: number;
  tokens: number;
}

/** How far a spend is into a budget: the larger share of its USD and token limits, in percent. */
export function budgetPercent(budget: RunBudget, spend: Spend): number {
  const shares = [
    budget.maxUsd === undefined ? 0 : spend.usd / budget.maxUsd,
    budget.maxTokens === undefined ? 0 : spend.tokens / budget.maxTokens,
  ];
  return Math.max(...shares) * 100;
}

/** Whether a budget has any limit at all. */
export function hasLimit(budget: RunBudget | undefined): budget is RunBudget {
  return budget !== undefined && (budget.maxUsd !== undefined || budget.maxTokens !== undefined);
}

/**
 * The thresholds (50, 80, 100 %) a run's spend crosses, each said once: `observe` returns the ones
 * newly crossed by the spend given. A resumed run passes the thresholds its journal already has.
 */
export class BudgetThresholds {
  readonly #budget: RunBudget;
  readonly #said: Set<number>;

  constructor(budget: RunBudget, alreadySaid: Iterable<number> = []) {
    this.#budget = budget;
    // A raised budget (resume) starts over: thresholds said of a smaller one are not this one's.
    this.#said = new Set(alreadySaid);
  }

  observe(spend: Spend): number[] {
    const percent = budgetPercent(this.#budget, spend);
    const crossed = BUDGET_THRESHOLDS.filter((t) => percent >= t && !this.#said.has(t));
    for (const t of crossed) this.#said.add(t);
    return crossed;
  }

  /** The spend is at or over the budget. */
  reached(spend: Spend): boolean {
    return hasLimit(this.#budget) && budgetPercent(this.#budget, spend) >= 100;
  }

  /**
   * Whether a task may start: the spend so far plus what the running tasks and this one are
   * expected to cost (from history; 0 when unknown) stays under the USD budget, and the spend
   * itself is under every limit.
   */
  admits(spend: Spend, expectedUsd = 0): boolean {
    if (this.reached(spend)) return false;
    if (this.#budget.maxUsd === undefined) return true;
    return spend.usd + expectedUsd < this.#budget.maxUsd;
  }
}
