import { Command } from "commander";
import type { CliIo } from "../main.js";
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
      const runs = await new WorkflowStateManager(repoRoot).listRuns();
      if (options.json) {
        io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
        return;
      }
      if (runs.length === 0) {
        io.stdout("no runs yet: start one with `gadugi run <prompt files>`\n");
        return;
      }
      const rows = [["RUN", "STATUS", "TASKS", "STARTED", "DURATION"]];
      for (const r of runs) {
        const ms = r.startedAt && r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : undefined;
        rows.push([r.runId, r.status, String(r.taskCount), r.startedAt ?? "—", formatDuration(ms)]);
      }
      io.stdout(table(rows));
    });
}
