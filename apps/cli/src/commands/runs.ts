import { Command } from "commander";
import type { CliIo } from "../main.js";
import { describeRunStatus, judgeLiveness, readRunHolder } from "./liveness.js";
import { CWD_OPTION, formatDuration, repoRootOf, table } from "./shared.js";

/** `gadugi runs`: the run history of this repository, newest first. */
export function runsCommand(io: CliIo): Command {
  return new Command("runs")
    .description("list the runs of this repository, newest first")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .action(async (options: { cwd?: string; json?: boolean }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const { WorkflowStateManager } = await import("@gadugi/state");
      const manager = new WorkflowStateManager(repoRoot);
      const runs = await manager.listRuns();
      const judged = await Promise.all(
        runs.map(async (r) => {
          if (r.status !== "running") return { ...r, liveness: await judgeLiveness(r.status, undefined, {}) };
          // The lock is read before the state again, so a run that ended meanwhile reads as ended.
          const holder = await readRunHolder(repoRoot, r.runId);
          const state = await manager.loadRun(r.runId);
          return {
            ...r,
            status: state.status,
            liveness: await judgeLiveness(state.status, state.owner, holder),
          };
        }),
      );
      if (options.json) {
        const rows = judged.map(({ liveness: { interrupted, orchestratorAlive }, ...r }) =>
          orchestratorAlive === undefined ? { ...r, interrupted } : { ...r, interrupted, orchestratorAlive },
        );
        io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (runs.length === 0) {
        io.stdout("no runs yet: start one with `gadugi run <prompt files>`\n");
        return;
      }
      // STATUS comes last: an interrupted run's status says how to resume it.
      const rows = [["RUN", "TASKS", "STARTED", "DURATION", "STATUS"]];
      for (const r of judged) {
        const ms = r.startedAt && r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : undefined;
        rows.push([
          r.runId,
          String(r.taskCount),
          r.startedAt ?? "—",
          formatDuration(ms),
          describeRunStatus(r.runId, r.status, r.liveness),
        ]);
      }
      io.stdout(table(rows));
    });
}
