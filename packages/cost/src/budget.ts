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

/** Sums of floating-point dollars land a hair under a threshold ($0.1 + $0.7 of $1 is 79.999…%). */
const EPSILON_PERCENT = 1e-9;

function atLeast(percent: number, threshold: number): boolean {
  return percent + EPSILON_PERCENT >= threshold;
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
    // The caller decides what counts as said: a resume with a raised budget passes none, since
    // the thresholds said of the smaller budget are not this one's.
    this.#said = new Set(alreadySaid);
  }

  observe(spend: Spend): number[] {
    const percent = budgetPercent(this.#budget, spend);
    const crossed = BUDGET_THRESHOLDS.filter((t) => atLeast(percent, t) && !this.#said.has(t));
    for (const t of crossed) this.#said.add(t);
    return crossed;
  }

  /** The spend is at or over the budget. */
  reached(spend: Spend): boolean {
    return hasLimit(this.#budget) && atLeast(budgetPercent(this.#budget, spend), 100);
  }

  /**
   * Whether a task may start: the spend so far plus what the running tasks and this one are
   * expected to cost (from history; 0 when unknown) stays within the USD budget, and the spend
   * itself is under every limit.
   */
  admits(spend: Spend, expectedUsd = 0): boolean {
    if (this.reached(spend)) return false;
    if (this.#budget.maxUsd === undefined) return true;
    // Expected to end exactly at the budget is within it.
    return ((spend.usd + expectedUsd) / this.#budget.maxUsd) * 100 <= 100 + EPSILON_PERCENT;
  }
}
