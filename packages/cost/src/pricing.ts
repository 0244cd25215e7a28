import type { ModelPrice, Pricing, TokenUsage } from "@gadugi/interfaces";

/**
 * Built-in prices (USD per million tokens) for the models in the agent CLI captures Gadugi's
 * tests replay (`claude-opus-5-5`, codex's `gpt-mock`, gemini's `mock-gemini`). They are
 * placeholders for those captures, not anyone's list price: a real model's price belongs in the
 * config's `pricing`, and a model with no price there has an unknown cost, never a guessed one.
 */
export const DEFAULT_PRICING: Readonly<Pricing> = Object.freeze({
  "claude-opus-5-5": { inputPerMTok: 5, outputPerMTok: 25, cacheReadPerMTok: 0.5, cacheWritePerMTok: 6.25 },
  "gpt-mock": { inputPerMTok: 1.25, outputPerMTok: 10, cacheReadPerMTok: 0.125 },
  "mock-gemini": { inputPerMTok: 1.25, outputPerMTok: 10, cacheReadPerMTok: 0.31 },
});

/** The config's `pricing` laid over the defaults. */
export function effectivePricing(configured: Pricing = {}): Pricing {
  return { ...DEFAULT_PRICING, ...configured };
}

/** Where a cost came from: stated by the CLI, priced from the table, or unknown. */
export type CostSource = "cli" | "pricing" | "unknown";

export interface PricedUsage {
  /** Undefined when unknown. */
  costUsd: number | undefined;
  source: CostSource;
}

/**
 * The cost of one agent run's usage: the CLI's own figure when it states one, else its tokens
 * priced by model (`model`, else the usage's). Unknown when there is no usage, no model, or no
 * price for the model.
 */
export function priceUsage(
  usage: TokenUsage | undefined,
  pricing: Pricing = DEFAULT_PRICING,
  model?: string,
): PricedUsage {
  if (usage === undefined) return { costUsd: undefined, source: "unknown" };
  if (usage.costUsd !== undefined && Number.isFinite(usage.costUsd)) {
    return { costUsd: usage.costUsd, source: "cli" };
  }
  const name = usage.model ?? model;
  const price = name === undefined ? undefined : lookup(pricing, name);
  if (price === undefined) return { costUsd: undefined, source: "unknown" };
  return { costUsd: tokenCost(usage, price), source: "pricing" };
}

/** Exact name first, then the name without a provider prefix (`anthropic/claude-…`) or date suffix. */
function lookup(pricing: Pricing, model: string): ModelPrice | undefined {
  if (pricing[model]) return pricing[model];
  const bare = model.includes("/") ? model.slice(model.lastIndexOf("/") + 1) : model;
  if (pricing[bare]) return pricing[bare];
  const undated = bare.replace(/-\d{8}$/, "");
  return pricing[undated];
}

function tokenCost(usage: TokenUsage, price: ModelPrice): number {
  const perToken = (perMTok: number) => perMTok / 1_000_000;
  return (
    usage.inputTokens * perToken(price.inputPerMTok) +
    usage.outputTokens * perToken(price.outputPerMTok) +
    usage.cacheReadTokens * perToken(price.cacheReadPerMTok ?? price.inputPerMTok) +
    usage.cacheWriteTokens * perToken(price.cacheWritePerMTok ?? price.inputPerMTok)
  );
}

/** Every token of a usage: input, output and cache. */
export function totalTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
}
