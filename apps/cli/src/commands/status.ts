import { Command } from "commander";
import type { CliIo } from "../main.js";
import { describeRunStatus, judgeLiveness, readRunHolder } from "./liveness.js";
import { taskPlacement } from "./queue-options.js";
import { CWD_OPTION, formatDuration, repoRootOf, resolveRunId, table } from "./shared.js";

/** `gadugi status [run]`: where each task of a run stands (the newest run by default). */
export function statusCommand(io: CliIo): Command {
  return new Command("status")
    .description("show each task's status and phase for a run (default: the newest run)")
    .argument("[run]", "run id (or a unique prefix)")
    .option(...CWD_OPTION)
    .option("--json", "print the run state as JSON")
    .action(async (run: string | undefined, options: { cwd?: string; json?: boolean }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const runId = await resolveRunId(repoRoot, run);
      const { WorkflowStateManager } = await import("@gadugi/state");
      const holder = await readRunHolder(repoRoot, runId);
      const state = await new WorkflowStateManager(repoRoot).loadRun(runId);
      const liveness = await judgeLiveness(state.status, state.owner, holder);
      // A queued run (`--queue`) says which worker (host:pid) runs or ran each task.
      const placement = await taskPlacement(repoRoot, runId);
      const queued = Object.keys(placement).length > 0;
      const spend = await runSpend(repoRoot, runId);
      if (options.json) {
        // `status` keeps the state's meaning; whether its orchestrator is still there comes beside it.
        const { interrupted, orchestratorAlive } = liveness;
        const extra = orchestratorAlive === undefined ? { interrupted } : { interrupted, orchestratorAlive };
        io.stdout(
          `${JSON.stringify({ ...state, ...extra, spend: spend.json, ...(queued ? { workers: placement } : {}) }, null, 2)}\n`,
        );
        return;
      }
      io.stdout(`run ${state.runId}: ${describeRunStatus(state.runId, state.status, liveness)}\n`);
      if (state.integrationBranch) io.stdout(`integration branch: ${state.integrationBranch}\n`);
      io.stdout(`${spend.line}\n`);
      const rows = [
        [
          "TASK",
          "STATUS",
          "PHASE",
          "ATTEMPTS",
          "DURATION",
          "COST",
          "MERGE",
          ...(queued ? ["WORKER"] : []),
          "NOTE",
        ],
      ];
      for (const id of state.taskIds) {
        const t = state.tasks[id];
        const def = state.definitions[id];
        const ms = t?.startedAt
          ? Date.parse(t.endedAt ?? new Date().toISOString()) - Date.parse(t.startedAt)
          : undefined;
        rows.push([
          def?.slug ?? id,
          t?.status ?? "pending",
          t?.currentPhase ?? "—",
          String(t?.attempts ?? 0),
          formatDuration(ms),
          spend.task(id),
          state.merges[id]?.status ?? "—",
          ...(queued ? [placement[id] ?? "—"] : []),
          t?.error ?? "",
        ]);
      }
      io.stdout(table(rows));
      if (state.status === "running") {
        // What the agents are doing, from the process registry: pid liveness and output activity.
        const { ProcessRegistry, runDirectory } = await import("@gadugi/execution-monitor");
        const registry = await ProcessRegistry.open(runDirectory(repoRoot, runId), {
          runId,
          sampleIntervalMs: 0,
        });
        for (const p of registry.liveness()) {
          io.stdout(`  ${state.definitions[p.taskId]?.slug ?? p.taskId}: pid ${p.pid}, ${p.summary}\n`);
        }
        await registry.close();
      }
    });
}

/**
 * What the run has spent, from its journal (costs were priced when they were journaled): the line
 * under the run's status (`spent $0.42 of $2.00 (budget reached)`), each task's cost, and the JSON.
 */
async function runSpend(repoRoot: string, runId: string) {
  const [{ budgetLimitsText, CostLedger, costText, totalsTokens }, { EventJournal }] = await Promise.all([
    import("@gadugi/cost"),
    import("@gadugi/state"),
  ]);
  const { events } = await EventJournal.forRun(repoRoot, runId).read();
  const ledger = new CostLedger();
  let budget: { maxUsd?: number; maxTokens?: number } | undefined;
  let reached = false;
  for (const event of events) {
    ledger.apply(event);
    if (event.type === "run.settings") budget = event.settings.budget;
    if (event.type === "budget.threshold" && event.percent >= 100) reached = true;
  }
  const totals = ledger.totals();
  const limits = budget === undefined ? "" : budgetLimitsText(budget);
  const line = `spent ${costText(totals)}, ${totalsTokens(totals)} tokens${limits !== "" ? ` of a budget of ${limits}` : ""}${reached ? " (budget reached)" : ""}`;
  return {
    line,
    task: (id: string) => costText(ledger.task(id)),
    json: { ...totals, tokens: totalsTokens(totals), ...(budget ? { budget } : {}), budgetReached: reached },
  };
}
