import type { TokenUsage } from "@gadugi/interfaces";
import { isRecord } from "./parser-base.js";

/** The model name claude gives the messages it makes up itself (an API or auth error): nothing was paid for. */
const SYNTHETIC_MODEL = "<synthetic>";

/** A model name as the CLI prints it; undefined for none, an empty one or claude's `<synthetic>`. */
export function modelName(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" && value !== SYNTHETIC_MODEL ? value : undefined;
}

/**
 * Token counts from a CLI's usage object, field by field (`fields` maps our names to the CLI's):
 * an absent or null field counts 0, but one that is not a non-negative finite number makes the
 * whole object malformed (undefined), and so does an object with none of `required` (when any are
 * named). Unknown tokens stay unknown: never zeros made up for a line that could not be read.
 */
export function readCounts<K extends string>(
  source: unknown,
  fields: Readonly<Record<K, string>>,
  required: readonly NoInfer<K>[] = [],
): Record<K, number> | undefined {
  if (!isRecord(source)) return undefined;
  const present = (key: K) => source[fields[key]] !== undefined && source[fields[key]] !== null;
  if (required.length > 0 && !required.some(present)) return undefined;
  const counts = {} as Record<K, number>;
  for (const key of Object.keys(fields) as K[]) {
    const value = present(key) ? source[fields[key]] : 0;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
    counts[key] = value;
  }
  return counts;
}

/** A cost the CLI states: a non-negative finite number, else undefined (unknown, never 0). */
export function statedCost(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The usage with `model` set (or left out when unknown). */
export function withModel(usage: TokenUsage, model: string | undefined): TokenUsage {
  const { model: _previous, ...rest } = usage;
  return model === undefined ? rest : { ...rest, model };
}

/** Whether two usages say the same (so an unchanged one is not emitted again). */
export function sameUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.cacheReadTokens === b.cacheReadTokens &&
    a.cacheWriteTokens === b.cacheWriteTokens &&
    a.costUsd === b.costUsd &&
    a.model === b.model
  );
}

/** "$0.50": dollars as a budget is said; below a cent, enough digits to not read as $0.00. */
export function usd(amount: number): string {
  if (amount !== 0 && Math.abs(amount) < 0.01) return `$${Number(amount.toPrecision(2))}`;
  return `$${amount.toFixed(2)}`;
}
