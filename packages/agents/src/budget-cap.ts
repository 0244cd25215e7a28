import { DEFAULT_PRICING, priceUsage } from "@gadugi/cost";
import type { AgentRunRequest, Pricing, TokenUsage } from "@gadugi/interfaces";
import type { AgentAdapter } from "./types.js";
import { usd } from "./usage.js";

/** What one usage event means for the cap: nothing yet, the cap is reached, or it cannot be enforced. */
export type CapCheck = { reached: string } | { warning: string } | undefined;

/**
 * The per-task cap (`agent.maxBudgetUsd`) for CLIs that have no budget flag of their own: the
 * run's usage so far (each `usage` event is cumulative) is priced, and once its cost reaches the
 * cap the agent is to be stopped. A cost that is unknown (no price for the model) cannot reach
 * it: that is said once, as a warning.
 */
export class TaskBudgetCap {
  private warned = false;

  private constructor(
    private readonly limitUsd: number,
    private readonly pricing: Pricing,
    private readonly requestedModel: string | undefined,
  ) {}

  /** The cap for this run, or undefined: no cap set, or the CLI enforces it itself (claude). */
  static of(request: AgentRunRequest, adapter: AgentAdapter): TaskBudgetCap | undefined {
    const limit = request.agent.maxBudgetUsd;
    if (limit === undefined || adapter.enforcesBudget === true) return undefined;
    return new TaskBudgetCap(limit, request.pricing ?? DEFAULT_PRICING, request.agent.model);
  }

  check(usage: TokenUsage): CapCheck {
    const { costUsd } = priceUsage(usage, this.pricing, this.requestedModel);
    if (costUsd === undefined) {
      if (this.warned) return undefined;
      this.warned = true;
      const model = usage.model ?? this.requestedModel;
      return {
        warning:
          model === undefined
            ? "per-task budget cannot be enforced: the agent names no model and agent.model is unset, so its tokens have no price"
            : `per-task budget cannot be enforced: no price for model ${model}`,
      };
    }
    if (costUsd < this.limitUsd) return undefined;
    return { reached: `stopped at its budget of ${usd(this.limitUsd)} (spent ${usd(costUsd)})` };
  }
}
