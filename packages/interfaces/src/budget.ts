import { z } from "zod";

/** What one model costs, in USD per million tokens (cached reads and cache writes priced apart). */
export const ModelPrice = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  /** Default: the input price. */
  cacheReadPerMTok: z.number().nonnegative().optional(),
  /** Default: the input price. */
  cacheWritePerMTok: z.number().nonnegative().optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

/**
 * The config's `pricing`: model name → price. Used for CLIs that report tokens but no cost;
 * a cost the CLI states itself (Claude Code's `total_cost_usd`) always wins. A model with no
 * price has an unknown cost, never a guessed one.
 */
export const Pricing = z.record(z.string().min(1), ModelPrice);
export type Pricing = z.infer<typeof Pricing>;

/** The config's `budget`: caps on what a run, and each task, may spend. */
export const BudgetSetting = z.strictObject({
  /** The whole run's spend in USD (`--max-budget-usd`). */
  maxUsd: z.number().positive().optional(),
  /** The whole run's tokens (input + output + cache). */
  maxTokens: z.number().int().positive().optional(),
  /** Each task's spend in USD (a prompt's `max_budget_usd` wins). */
  perTaskUsd: z.number().positive().optional(),
});
export type BudgetSetting = z.infer<typeof BudgetSetting>;

/** The run budget in force, as journaled in the run's settings (a resume may raise it). */
export const RunBudget = BudgetSetting.pick({ maxUsd: true, maxTokens: true });
export type RunBudget = z.infer<typeof RunBudget>;

/** Percentages of the run budget at which a `budget.threshold` event is journaled. */
export const BUDGET_THRESHOLDS = [50, 80, 100] as const;

/** Tokens and cost of some agent runs; `costUsd` is absent when any of them had no known cost. */
export const UsageTotals = z.strictObject({
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  cacheReadTokens: z.number().nonnegative(),
  cacheWriteTokens: z.number().nonnegative(),
  /** Sum of the known costs. */
  costUsd: z.number().nonnegative(),
  /** Agent runs whose cost is unknown (no usage line, or tokens of a model with no price). */
  unknownCostRuns: z.number().int().nonnegative(),
  /** Agent runs that reported no usage at all (tokens unknown). */
  unknownUsageRuns: z.number().int().nonnegative(),
  /** Agent runs counted. */
  runs: z.number().int().nonnegative(),
});
export type UsageTotals = z.infer<typeof UsageTotals>;

/** One phase's agent runs of one task (purpose: implementation, testing-fix, documentation, review...). */
export const PhaseUsage = UsageTotals.extend({
  attempt: z.number().int().nonnegative(),
  purpose: z.string(),
});
export type PhaseUsage = z.infer<typeof PhaseUsage>;

/** What the budget did in a run: its limits, what was spent, which tasks it stopped or held back. */
export const BudgetReport = RunBudget.extend({
  spentUsd: z.number().nonnegative(),
  spentTokens: z.number().nonnegative(),
  /** The run reached its budget. */
  reached: z.boolean(),
  /** Tasks whose running agents the budget stopped (`budget-exceeded`). */
  stopped: z.array(z.string()).default([]),
  /** Tasks never started because the budget was reached. */
  notStarted: z.array(z.string()).default([]),
});
export type BudgetReport = z.infer<typeof BudgetReport>;
