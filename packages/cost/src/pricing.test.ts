import { type Pricing, TokenUsage } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { DEFAULT_PRICING, effectivePricing, lookupPrice, priceUsage, totalTokens } from "./pricing.js";

const usage = (fields: Partial<TokenUsage>): TokenUsage => TokenUsage.parse(fields);
const pricing: Pricing = {
  "big-model": { inputPerMTok: 2, outputPerMTok: 10, cacheReadPerMTok: 0.2, cacheWritePerMTok: 2.5 },
  "plain-model": { inputPerMTok: 1, outputPerMTok: 4 },
};

describe("priceUsage", () => {
  it("takes the cost the CLI states over any price of its model", () => {
    const priced = priceUsage(usage({ inputTokens: 1_000_000, costUsd: 0.42, model: "big-model" }), pricing);
    expect(priced).toEqual({ costUsd: 0.42, source: "cli" });
  });

  it("takes a stated cost of zero as known, not as missing", () => {
    expect(priceUsage(usage({ outputTokens: 10, costUsd: 0 }), pricing)).toEqual({
      costUsd: 0,
      source: "cli",
    });
  });

  it("prices each kind of token by the model the usage names", () => {
    const priced = priceUsage(
      usage({
        inputTokens: 1_000_000,
        outputTokens: 500_000,
        cacheReadTokens: 2_000_000,
        cacheWriteTokens: 400_000,
        model: "big-model",
      }),
      pricing,
    );
    expect(priced.source).toBe("pricing");
    expect(priced.costUsd).toBeCloseTo(2 + 5 + 0.4 + 1, 10);
  });

  it("prices cache reads and writes at the input price when the table gives none", () => {
    const priced = priceUsage(
      usage({ cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000, model: "plain-model" }),
      pricing,
    );
    expect(priced.costUsd).toBeCloseTo(2, 10);
  });

  it("falls back to the model it is given when the usage names none", () => {
    const priced = priceUsage(usage({ outputTokens: 1_000_000 }), pricing, "plain-model");
    expect(priced).toEqual({ costUsd: 4, source: "pricing" });
  });

  it("prefers the model the usage names over the fallback", () => {
    const priced = priceUsage(usage({ outputTokens: 1_000_000, model: "big-model" }), pricing, "plain-model");
    expect(priced.costUsd).toBe(10);
  });

  it("finds provider-prefixed and dated model names under their bare name", () => {
    const names = [
      "openrouter/big-model",
      "anthropic/big-model-20250929",
      "big-model-2024-08-06",
      "big-model@20250929",
      "Big-Model",
    ];
    for (const model of names) {
      expect(priceUsage(usage({ inputTokens: 1_000_000, model }), pricing).costUsd, model).toBe(2);
    }
  });

  it("says unknown, never zero, without usage, without a model or without a price", () => {
    const unknown = { costUsd: undefined, source: "unknown" };
    expect(priceUsage(undefined, pricing)).toEqual(unknown);
    expect(priceUsage(usage({ inputTokens: 100 }), pricing)).toEqual(unknown);
    expect(priceUsage(usage({ inputTokens: 100, model: "no-such-model" }), pricing)).toEqual(unknown);
    expect(priceUsage(usage({ inputTokens: 100, model: "constructor" }), pricing)).toEqual(unknown);
  });

  it("prices the captures' models with the defaults", () => {
    for (const model of ["claude-opus-5-5", "gpt-mock", "mock-gemini"]) {
      const priced = priceUsage(usage({ inputTokens: 1000, outputTokens: 100, model }));
      expect(priced.source, model).toBe("pricing");
      expect(priced.costUsd, model).toBeGreaterThan(0);
    }
  });
});

describe("effectivePricing", () => {
  it("lays the config's prices over the defaults", () => {
    const merged = effectivePricing({
      "gpt-mock": { inputPerMTok: 9, outputPerMTok: 9 },
      mine: pricing["big-model"]!,
    });
    expect(merged["gpt-mock"]).toEqual({ inputPerMTok: 9, outputPerMTok: 9 });
    expect(merged.mine).toEqual(pricing["big-model"]);
    expect(merged["claude-opus-5-5"]).toEqual(DEFAULT_PRICING["claude-opus-5-5"]);
  });

  it("is the defaults without a config", () => {
    expect(effectivePricing()).toEqual(DEFAULT_PRICING);
  });
});

describe("lookupPrice and totalTokens", () => {
  it("prefers an exact entry over the bare name's", () => {
    const table: Pricing = { ...pricing, "vendor/big-model": { inputPerMTok: 7, outputPerMTok: 7 } };
    expect(lookupPrice(table, "vendor/big-model")?.inputPerMTok).toBe(7);
    expect(lookupPrice(table, "other/big-model")?.inputPerMTok).toBe(2);
  });

  it("counts input, output and both cache kinds", () => {
    expect(
      totalTokens(usage({ inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4 })),
    ).toBe(10);
  });
});
