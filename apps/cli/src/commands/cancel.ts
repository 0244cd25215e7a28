import { Command } from "commander";
import type { CliIo } from "../main.js";
import { type QueueCliOptions, queuedRunUrl } from "./queue-options.js";
import { CWD_OPTION, repoRootOf, resolveRunId } from "./shared.js";

/** `gadugi cancel <run>`: stop a run (its orchestrator cancels every task) or mark a dead one cancelled. */
export function cancelCommand(io: CliIo): Command {
  return new Command("cancel")
    .description("stop a running run: every task is cancelled and its processes killed; resume it later")
    .argument("<run>", "run id or unique prefix")
    .option(...CWD_OPTION)
    .option("--json", "print JSON")
    .option(
      "--queue <url>",
      "a queued run's queue, to stop its jobs on the workers (default: $GADUGI_QUEUE_URL, else the run's own when it has no password)",
    )
    .action(async (run: string, options: QueueCliOptions & { cwd?: string; json?: boolean }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const runId = await resolveRunId(repoRoot, run);
      const { Orchestrator } = await import("@gadugi/orchestrator");
      const result = await new Orchestrator({ repoRoot }).cancel(runId);
      // A queued run's jobs: their workers stop the agents, even when the orchestrator is gone.
      const queue = await queuedRunUrl(options, repoRoot, runId);
      if (queue?.url !== undefined) {
        const { TaskQueue } = await import("@gadugi/queue");
        const opened = await TaskQueue.open(queue.url);
        try {
          await opened.cancelRun(runId);
        } finally {
          await opened.close();
        }
      }
      if (options.json) {
        io.stdout(
          `${JSON.stringify({ runId, ...result, ...(queue ? { queue: { url: queue.masked, jobsCancelled: queue.url !== undefined } } : {}) })}\n`,
        );
        return;
      }
      io.stdout(
        result.signalled
          ? `sent SIGTERM to the orchestrator (pid ${result.signalled}); run ${runId} is ${result.status}\n`
          : `run ${runId} is ${result.status}\n`,
      );
      if (result.killed) io.stdout(`killed leftover process groups: ${result.killed.join(", ")}\n`);
      if (queue?.url !== undefined)
        io.stdout(`cancelled its jobs on ${queue.masked}: the workers stop their agents\n`);
      else if (queue)
        io.stdout(
          `its jobs are on ${queue.masked}: pass --queue <url> (with the password) to stop them on the workers\n`,
        );
    });
}
