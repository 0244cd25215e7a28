import { Command } from "commander";
import type { CliIo } from "../main.js";
import { CWD_OPTION, repoRootOf, resolveRunId, table } from "./shared.js";

/** `gadugi cleanup <run>`: remove a run's worktrees without losing work. */
export function cleanupCommand(io: CliIo): Command {
  return new Command("cleanup")
    .description(
      "remove a run's worktrees: uncommitted work is committed to the task branch first; branches with unmerged commits are kept",
    )
    .argument("[run]", "run id or unique prefix (default: the newest run)")
    .option(...CWD_OPTION)
    .option(
      "--delete-branches",
      "also delete task branches whose commits are all on the base or an integration branch (others only with --force)",
    )
    .option("--force", "also remove locked worktrees and delete branches with commits (bundled first)")
    .option("--json", "print JSON")
    .action(
      async (
        run: string | undefined,
        options: { cwd?: string; deleteBranches?: boolean; force?: boolean; json?: boolean },
      ) => {
        const repoRoot = await repoRootOf(options.cwd);
        const runId = await resolveRunId(repoRoot, run);
        const { Orchestrator } = await import("@gadugi/orchestrator");
        const result = await new Orchestrator({ repoRoot }).cleanup(runId, {
          force: options.force === true,
          deleteBranches: options.deleteBranches === true,
        });
        if (options.json) {
          io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        if (result.entries.length === 0) {
          io.stdout(`run ${runId} has no worktrees left\n`);
          return;
        }
        const rows = [["TASK", "ACTION", "BRANCH", "NOTE"]];
        for (const e of result.entries) {
          const saved = e.savedWork ? `work saved (${e.savedWork.mode})` : "";
          rows.push([
            e.taskId,
            e.action,
            e.branchDeleted ? `${e.branch} (deleted)` : e.branch,
            [saved, e.reason ?? ""].filter(Boolean).join("; "),
          ]);
        }
        io.stdout(table(rows));
      },
    );
}
