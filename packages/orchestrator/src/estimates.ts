import { join } from "node:path";
import type { TaskData } from "@gadugi/interfaces";
import { ProductivityAnalyzer } from "@gadugi/task-tracking";

/**
 * Expected durations for the scheduler's critical-path priority, from the durations earlier runs
 * recorded in `historyFile`: the median per task type and complexity, else per type. Returned only
 * when every task has one (mixing measured times with guesses would rank badly), so the caller
 * falls back to complexity weights otherwise; an unreadable history gives undefined too.
 */
export async function estimateDurations(
  historyFile: string,
  tasks: readonly Pick<TaskData, "id" | "type" | "complexity">[],
): Promise<Map<string, number> | undefined> {
  const history = new ProductivityAnalyzer({ history: historyFile });
  const estimates = new Map<string, number>();
  try {
    for (const task of tasks) {
      const prediction =
        (await history.predict(task.type, task.complexity)) ?? (await history.predict(task.type));
      if (prediction === undefined) return undefined;
      estimates.set(task.id, prediction.medianMs);
    }
  } catch {
    return undefined;
  }
  return estimates;
}

/**
 * What each task still to run is expected to cost in USD, from the costs earlier runs recorded in
 * the history (median per type and complexity, else per type); tasks without one are left out
 * (expected: nothing). An unreadable history gives none.
 */
export async function expectedCosts(session: {
  repoRoot: string;
  plan: { tasks: readonly Pick<TaskData, "id" | "type" | "complexity">[] };
}): Promise<Map<string, number>> {
  const history = new ProductivityAnalyzer({ history: join(session.repoRoot, ".gadugi", "history.json") });
  const expected = new Map<string, number>();
  try {
    for (const task of session.plan.tasks) {
      const cost =
        (await history.predictCost(task.type, task.complexity)) ?? (await history.predictCost(task.type));
      if (cost !== undefined) expected.set(task.id, cost);
    }
  } catch {
    return new Map();
  }
  return expected;
}
