import type { RunBudget, UsageTotals } from "@gadugi/interfaces";
import { totalsTokens } from "./ledger.js";

/**
 * An amount in USD as every Gadugi output shows it: cents from $1 up (`$12.34`), four decimals
 * below (`$0.0022`), where agent runs' costs mostly are.
 */
export function formatUsd(amount: number): string {
  return `$${amount.toFixed(Math.abs(amount) >= 1 ? 2 : 4)}`;
}

const count = (n: number) => n.toLocaleString("en-US");
const runsUnknown = (n: number) => `${n} run${n === 1 ? "" : "s"} unknown`;

/**
 * Some agent runs' cost as known: `$0.1234`; `≥ $0.1234 (1 run unknown)` when some is unknown;
 * `unknown` when none is known; `—` for no run. Never a silent $0.
 */
export function costText(t: Pick<UsageTotals, "costUsd" | "unknownCostRuns" | "runs">): string {
  if (t.runs === 0) return "—";
  if (t.unknownCostRuns === 0) return formatUsd(t.costUsd);
  if (t.unknownCostRuns >= t.runs) return "unknown";
  return `≥ ${formatUsd(t.costUsd)} (${runsUnknown(t.unknownCostRuns)})`;
}

/** Their tokens as known, the same way as `costText`. */
export function tokensText(t: UsageTotals): string {
  if (t.runs === 0) return "—";
  const tokens = count(totalsTokens(t));
  if (t.unknownUsageRuns === 0) return tokens;
  if (t.unknownUsageRuns >= t.runs) return "unknown";
  return `≥ ${tokens} (${runsUnknown(t.unknownUsageRuns)})`;
}

/** A budget's limits in words: `$2.00`, `1,000,000 tokens`, or both (`$2.00 / 1,000,000 tokens`); empty for none. */
export function budgetLimitsText(budget: RunBudget): string {
  return [
    ...(budget.maxUsd === undefined ? [] : [formatUsd(budget.maxUsd)]),
    ...(budget.maxTokens === undefined ? [] : [`${count(budget.maxTokens)} tokens`]),
  ].join(" / ");
}
