import type { Complexity, PlanEdge } from "@gadugi/interfaces";
import { COMPLEXITY_WEIGHT } from "./classify.js";

export interface PlanShape {
  /** Parallel levels: each task sits one level after the latest task it waits for. */
  levels: string[][];
  /** The chain of waiting tasks with the largest total weight (complexity: low 1, medium 2, high 3). */
  criticalPath: string[];
  /** The widest level: more agents at once would sit idle. At least 1. */
  recommendedParallelism: number;
}

/**
 * Levels, critical path and parallelism of a DAG. `ids` are in scheduling order (a topological
 * order of `edges`), which also orders tasks inside a level and breaks ties between paths.
 */
export function planShape(
  ids: readonly string[],
  edges: readonly PlanEdge[],
  complexity: ReadonlyMap<string, Complexity>,
): PlanShape {
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) preds.get(e.to)?.push(e.from);
  const level = new Map<string, number>();
  const best = new Map<string, { weight: number; prev?: string }>();
  for (const id of ids) {
    let l = 0;
    let top: { weight: number; prev?: string } = { weight: 0 };
    for (const p of preds.get(id) ?? []) {
      l = Math.max(l, (level.get(p) ?? 0) + 1);
      const w = best.get(p)?.weight ?? 0;
      if (w > top.weight) top = { weight: w, prev: p };
    }
    level.set(id, l);
    best.set(id, {
      weight: top.weight + COMPLEXITY_WEIGHT[complexity.get(id) ?? "medium"],
      ...(top.prev ? { prev: top.prev } : {}),
    });
  }
  const levels: string[][] = [];
  for (const id of ids) {
    const l = level.get(id) ?? 0;
    while (levels.length <= l) levels.push([]);
    levels[l]?.push(id);
  }
  let end: string | undefined;
  for (const id of ids) {
    if (end === undefined || (best.get(id)?.weight ?? 0) > (best.get(end)?.weight ?? 0)) end = id;
  }
  const criticalPath: string[] = [];
  for (let at = end; at !== undefined; at = best.get(at)?.prev) criticalPath.unshift(at);
  return {
    levels,
    criticalPath,
    recommendedParallelism: Math.max(1, ...levels.map((l) => l.length)),
  };
}
