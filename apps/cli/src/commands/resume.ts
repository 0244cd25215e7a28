import { resolve } from "node:path";
import { Command } from "commander";
import type { CliIo } from "../main.js";
import { printSummary, withProgress } from "./run-support.js";
import { CWD_OPTION, MAX_PARALLEL_OPTION, parseMaxParallel, repoRootOf, resolveRunId } from "./shared.js";

/** `gadugi resume <run>`: continue a run after a crash, kill -9 or cancel. */
export function resumeCommand(io: CliIo): Command {
  return new Command("resume")
    .description(
      "continue a run: finished tasks are kept, the others continue from their last completed phase",
    )
    .argument("[run]", "run id or unique prefix (default: the newest run)")
    .option(...CWD_OPTION)
    .option(...MAX_PARALLEL_OPTION)
    .option("--keep-worktrees", "leave the task worktrees in place after the run")
    .option("--json", "JSON events on stdout, then the report")
    .action(
      async (
        run: string | undefined,
        options: { cwd?: string; maxParallel?: string; keepWorktrees?: boolean; json?: boolean },
      ) => {
        const maxParallel = await parseMaxParallel(options.maxParallel);
        const repoRoot = await repoRootOf(resolve(options.cwd ?? process.cwd()));
        const runId = await resolveRunId(repoRoot, run);
        const { Orchestrator } = await import("@gadugi/orchestrator");
        const result = await withProgress(io, { json: options.json === true }, ({ signal, onEvent }) =>
          new Orchestrator({ repoRoot, onEvent }).resume({
            runId,
            signal,
            ...(maxParallel === undefined ? {} : { maxParallel }),
            ...(options.keepWorktrees ? { keepWorktrees: true } : {}),
          }),
        );
        if (options.json)
          io.stdout(
            `${JSON.stringify({ type: "run.report", report: result.report, files: result.reportFiles })}\n`,
          );
        else printSummary(io, result, repoRoot);
      },
    );
}
