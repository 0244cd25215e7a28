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
 * priced by model (the one the usage names, else `model`: the agent's configured one). Unknown
 * when there is no usage, no model, or no price for the model.
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
  const price = name === undefined ? undefined : lookupPrice(pricing, name);
  if (price === undefined) return { costUsd: undefined, source: "unknown" };
  return { costUsd: tokenCost(usage, price), source: "pricing" };
}

/**
 * The price of a model: its exact name first, then without a provider prefix (`anthropic/claude-…`),
 * then without a date suffix (`-20250929`, `-2024-08-06`, `@20250929`), each also in lower case.
 * Only the table's own keys count (a model named `constructor` has no price).
 */
export function lookupPrice(pricing: Pricing, model: string): ModelPrice | undefined {
  const bare = model.slice(model.lastIndexOf("/") + 1);
  const undated = bare.replace(/(?:[-@]\d{8}|-\d{4}-\d{2}-\d{2})$/, "");
  for (const name of [model, bare, undated]) {
    for (const key of [name, name.toLowerCase()]) {
      if (Object.hasOwn(pricing, key)) return pricing[key];
    }
  }
  return undefined;
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
