import { describe, expect, it } from "vitest";
import { BudgetThresholds, budgetPercent, hasLimit } from "./budget.js";

describe("budgetPercent and hasLimit", () => {
  it("is the larger share of the USD and token limits", () => {
    expect(budgetPercent({ maxUsd: 10, maxTokens: 1000 }, { usd: 2, tokens: 600 })).toBeCloseTo(60);
    expect(budgetPercent({ maxUsd: 10, maxTokens: 1000 }, { usd: 9, tokens: 100 })).toBeCloseTo(90);
    expect(budgetPercent({}, { usd: 1e6, tokens: 1e9 })).toBe(0);
  });

  it("knows a budget without limits from one with a limit", () => {
    expect(hasLimit(undefined)).toBe(false);
    expect(hasLimit({})).toBe(false);
    expect(hasLimit({ maxTokens: 5 })).toBe(true);
  });
});

describe("BudgetThresholds", () => {
  it("says 50, 80 and 100 % once each, as the spend crosses them", () => {
    const thresholds = new BudgetThresholds({ maxUsd: 10 });
    expect(thresholds.observe({ usd: 4.9, tokens: 0 })).toEqual([]);
    expect(thresholds.observe({ usd: 5, tokens: 0 })).toEqual([50]);
    expect(thresholds.observe({ usd: 6, tokens: 0 })).toEqual([]);
    expect(thresholds.observe({ usd: 8.5, tokens: 0 })).toEqual([80]);
    expect(thresholds.observe({ usd: 12, tokens: 0 })).toEqual([100]);
    expect(thresholds.observe({ usd: 20, tokens: 0 })).toEqual([]);
  });

  it("says every threshold a single jump crosses", () => {
    expect(new BudgetThresholds({ maxUsd: 1 }).observe({ usd: 1, tokens: 0 })).toEqual([50, 80, 100]);
  });

  it("does not miss a threshold that floating-point sums land a hair under", () => {
    const spent = 0.1 + 0.7; // 0.7999999999999999
    expect(new BudgetThresholds({ maxUsd: 1 }).observe({ usd: spent, tokens: 0 })).toEqual([50, 80]);
    expect(new BudgetThresholds({ maxUsd: 0.3 }).reached({ usd: 0.1 + 0.2 - 1e-17, tokens: 0 })).toBe(true);
  });

  it("watches a token limit the same way", () => {
    const thresholds = new BudgetThresholds({ maxTokens: 1000 });
    expect(thresholds.observe({ usd: 100, tokens: 500 })).toEqual([50]);
    expect(thresholds.reached({ usd: 100, tokens: 999 })).toBe(false);
    expect(thresholds.reached({ usd: 0, tokens: 1000 })).toBe(true);
  });

  it("does not repeat what a resumed run's journal already said", () => {
    const thresholds = new BudgetThresholds({ maxUsd: 10 }, [50]);
    expect(thresholds.observe({ usd: 9, tokens: 0 })).toEqual([80]);
  });

  it("never says anything, nor is reached, without a limit", () => {
    const thresholds = new BudgetThresholds({});
    expect(thresholds.observe({ usd: 1e6, tokens: 1e9 })).toEqual([]);
    expect(thresholds.reached({ usd: 1e6, tokens: 1e9 })).toBe(false);
    expect(thresholds.admits({ usd: 1e6, tokens: 1e9 }, 1e6)).toBe(true);
  });

  it("admits a task while spend plus the expected cost stays within the budget", () => {
    const thresholds = new BudgetThresholds({ maxUsd: 10 });
    expect(thresholds.admits({ usd: 2, tokens: 0 })).toBe(true);
    expect(thresholds.admits({ usd: 2, tokens: 0 }, 7)).toBe(true);
    // Expected to end exactly at the budget: within it.
    expect(thresholds.admits({ usd: 2, tokens: 0 }, 8)).toBe(true);
    expect(thresholds.admits({ usd: 2, tokens: 0 }, 8.01)).toBe(false);
  });

  it("admits nothing once the budget is reached, by dollars or by tokens", () => {
    expect(new BudgetThresholds({ maxUsd: 10 }).admits({ usd: 10, tokens: 0 })).toBe(false);
    const both = new BudgetThresholds({ maxUsd: 10, maxTokens: 100 });
    expect(both.admits({ usd: 1, tokens: 100 })).toBe(false);
    expect(new BudgetThresholds({ maxTokens: 100 }).admits({ usd: 1e6, tokens: 99 }, 1e6)).toBe(true);
  });
});
