export { BudgetThresholds, budgetPercent, hasLimit, type Spend } from "./budget.js";
export { budgetLimitsText, costText, formatUsd, tokensText } from "./format.js";
export { CostLedger, emptyTotals, totalsTokens } from "./ledger.js";
export {
  type CostSource,
  DEFAULT_PRICING,
  effectivePricing,
  lookupPrice,
  type PricedUsage,
  priceUsage,
  totalTokens,
} from "./pricing.js";
