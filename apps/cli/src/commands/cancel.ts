import { Command } from "commander";
import type { CliIo } from "../main.js";
import { CWD_OPTION, repoRootOf, resolveRunId } from "./shared.js";

/** `gadugi cancel <run>`: stop a run (its orchestrator cancels every task) or mark a dead one cancelled. */
export function cancelCommand(io: CliIo): Command {
  return new Command("cancel")
    .description("stop a running run: every task is cancelled and its processes killed; resume it later")
    .argument("<run>", "run id or unique prefix")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .action(async (run: string, options: { cwd?: string; json?: boolean }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const runId = await resolveRunId(repoRoot, run);
      const { Orchestrator } = await import("@gadugi/orchestrator");
      const result = await new Orchestrator({ repoRoot }).cancel(runId);
      if (options.json) {
        io.stdout(`${JSON.stringify({ runId, ...result })}\n`);
        return;
      }
      io.stdout(
        result.signalled
          ? `sent SIGTERM to the orchestrator (pid ${result.signalled}); run ${runId} is ${result.status}\n`
          : `run ${runId} is ${result.status}\n`,
      );
      if (result.killed) io.stdout(`killed leftover process groups: ${result.killed.join(", ")}\n`);
    });
}
