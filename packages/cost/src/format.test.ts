import { describe, expect, it } from "vitest";
import { budgetLimitsText, costText, formatUsd, tokensText } from "./index.js";
import { emptyTotals } from "./ledger.js";

const totals = (over: Partial<ReturnType<typeof emptyTotals>>) => ({ ...emptyTotals(), ...over });

describe("how cost is said", () => {
  it("formats amounts with cents from a dollar up, four decimals below", () => {
    expect([formatUsd(12.345), formatUsd(1), formatUsd(0.00216), formatUsd(0)]).toEqual([
      "$12.35",
      "$1.00",
      "$0.0022",
      "$0.0000",
    ]);
  });

  it("says a cost as known: a lower bound with the unknown runs counted, never a silent $0", () => {
    expect(costText(totals({}))).toBe("—");
    expect(costText(totals({ runs: 2, costUsd: 0.5 }))).toBe("$0.5000");
    expect(costText(totals({ runs: 3, costUsd: 0.5, unknownCostRuns: 1 }))).toBe("≥ $0.5000 (1 run unknown)");
    expect(costText(totals({ runs: 3, costUsd: 0.5, unknownCostRuns: 2 }))).toBe(
      "≥ $0.5000 (2 runs unknown)",
    );
    expect(costText(totals({ runs: 2, unknownCostRuns: 2 }))).toBe("unknown");
  });

  it("says tokens the same way", () => {
    expect(tokensText(totals({ runs: 1, inputTokens: 1200, outputTokens: 300 }))).toBe("1,500");
    expect(tokensText(totals({ runs: 2, inputTokens: 10, unknownUsageRuns: 1 }))).toBe(
      "≥ 10 (1 run unknown)",
    );
    expect(tokensText(totals({ runs: 1, unknownUsageRuns: 1 }))).toBe("unknown");
  });

  it("names a budget's limits", () => {
    expect(budgetLimitsText({ maxUsd: 2 })).toBe("$2.00");
    expect(budgetLimitsText({ maxTokens: 1_000_000 })).toBe("1,000,000 tokens");
    expect(budgetLimitsText({ maxUsd: 0.003, maxTokens: 5000 })).toBe("$0.0030 / 5,000 tokens");
    expect(budgetLimitsText({})).toBe("");
  });
});
