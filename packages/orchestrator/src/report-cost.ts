import { budgetPercent, CostLedger, emptyTotals, hasLimit, totalsTokens } from "@gadugi/cost";
import type {
  BudgetReport,
  Pricing,
  RunBudget,
  RunEvent,
  RunReport,
  RunState,
  TaskReport,
  UsageTotals,
} from "@gadugi/interfaces";

/**
 * The report's cost: each task's tokens and cost, per attempt and phase, and the run's total, the
 * cost per merged task and what the budget did, all from one CostLedger over the run's journal.
 */

/** A ledger of the state's journaled agent runs, for a report built without the journal at hand. */
export function ledgerOfAgentRuns(state: RunState, pricing?: Pricing): CostLedger {
  const ledger = new CostLedger(pricing);
  let seq = 0;
  for (const [taskId, runs] of Object.entries(state.agentRuns)) {
    for (const { at, ...run } of runs) {
      seq += 1;
      ledger.apply({ type: "agent.run", seq, at, runId: state.runId, taskId, ...run });
    }
  }
  return ledger;
}

/** A task's tokens, cost (known part), whether some of it is unknown, and its usage per attempt and phase. */
export function taskCost(
  ledger: CostLedger,
  taskId: string,
): Pick<TaskReport, "tokens" | "costUsd" | "costUnknown" | "usage"> {
  const totals = ledger.task(taskId);
  if (totals.runs === 0) return {};
  const tokensKnown = totals.unknownUsageRuns < totals.runs;
  const costKnown = totals.unknownCostRuns < totals.runs;
  return {
    ...(tokensKnown ? { tokens: totalsTokens(totals) } : {}),
    ...(costKnown ? { costUsd: totals.costUsd } : {}),
    ...(totals.unknownCostRuns > 0 ? { costUnknown: true } : {}),
    usage: ledger.phases(taskId),
  };
}

/** The reason of each task's last `task.status` (empty when it gave none). */
function lastReasons(events: readonly RunEvent[]): Map<string, string> {
  const last = new Map<string, string>();
  for (const event of events) if (event.type === "task.status") last.set(event.taskId, event.reason ?? "");
  return last;
}

/**
 * What the budget did: its limits, the spend, whether it was reached, the tasks it stopped
 * (`budget-exceeded`) and those it never let start (skipped for the budget). Undefined when the
 * run had no budget and the budget stopped nothing.
 */
export function budgetReport(
  budget: RunBudget | undefined,
  total: UsageTotals,
  tasks: readonly TaskReport[],
  events: readonly RunEvent[],
): BudgetReport | undefined {
  const reasons = lastReasons(events);
  const stopped = tasks.filter((t) => t.status === "budget-exceeded").map((t) => t.id);
  const notStarted = tasks
    .filter((t) => t.status === "skipped" && /budget/i.test(reasons.get(t.id) ?? t.error ?? ""))
    .map((t) => t.id);
  if (!hasLimit(budget) && stopped.length === 0 && notStarted.length === 0) return undefined;
  const spend = { usd: total.costUsd, tokens: totalsTokens(total) };
  const atLimit = hasLimit(budget) && budgetPercent(budget, spend) >= 100 - 1e-9;
  return {
    ...(budget?.maxUsd === undefined ? {} : { maxUsd: budget.maxUsd }),
    ...(budget?.maxTokens === undefined ? {} : { maxTokens: budget.maxTokens }),
    spentUsd: spend.usd,
    spentTokens: spend.tokens,
    reached: atLimit || stopped.length > 0 || notStarted.length > 0,
    stopped,
    notStarted,
  };
}

/** The run's cost: the sum of its tasks', the cost per merged task when every cost is known, the budget. */
export function runCost(
  ledger: CostLedger,
  tasks: readonly TaskReport[],
  events: readonly RunEvent[],
  budget: RunBudget | undefined,
): NonNullable<RunReport["cost"]> {
  const total = emptyTotals();
  for (const task of tasks) {
    const t = ledger.task(task.id);
    for (const key of Object.keys(total) as (keyof UsageTotals)[]) total[key] += t[key];
  }
  const merged = tasks.filter((t) => t.merge?.status === "merged").length;
  const known = total.unknownCostRuns === 0 && total.runs > 0;
  const budgetDone = budgetReport(budget, total, tasks, events);
  return {
    total,
    ...(known && merged > 0 ? { perMergedTaskUsd: total.costUsd / merged } : {}),
    ...(budgetDone ? { budget: budgetDone } : {}),
  };
}
