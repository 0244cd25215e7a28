import { resolve } from "node:path";
import { Command } from "commander";
import type { CliIo } from "../main.js";
import { requiredQueueUrl } from "./queue-options.js";

interface WorkerOptions {
  queue?: string;
  concurrency: string;
  workdir?: string;
  lockDuration?: string;
}

async function positive(name: string, value: string): Promise<number> {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1)) {
    const { GadugiError } = await import("@gadugi/error-handling");
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name,
      value,
      expected: "a whole number of at least 1",
    });
  }
  return n;
}

/** Resolves on the first SIGINT/SIGTERM (finish the jobs running), `now` on the second. */
function stopSignals(onStop: (now: boolean) => void): () => void {
  let count = 0;
  const handler = () => {
    count += 1;
    onStop(count > 1);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** `gadugi worker`: a long-running process that runs queued task work for any orchestrator. */
export function workerCommand(io: CliIo): Command {
  return new Command("worker")
    .description(
      "take task work from the queue and run it here (clone, worktree, agent, workflow, push the branch); runs until SIGINT/SIGTERM",
    )
    .option(
      "--queue <url>",
      "the queue's Redis: redis://[:password@]host:port[/db] or rediss:// (default: $GADUGI_QUEUE_URL)",
    )
    .option("--concurrency <n>", "tasks this worker runs at once", "1")
    .option("--workdir <dir>", "where the worker keeps its clones (default: ./gadugi-worker)")
    .option(
      "--lock-duration <duration>",
      'how soon the jobs of a worker that died run elsewhere, e.g. "30s" (default 30 s)',
    )
    .action(async (options: WorkerOptions) => {
      const url = await requiredQueueUrl(options.queue);
      const concurrency = await positive("--concurrency", options.concurrency);
      const workDir = resolve(options.workdir ?? "gadugi-worker");
      let lockDurationMs: number | undefined;
      if (options.lockDuration !== undefined) {
        const { parseTimeout } = await import("./shared.js");
        lockDurationMs = ((await parseTimeout(options.lockDuration)) as number) * 1000;
      }
      const [{ QueueWorker }, { queueTaskHandler }] = await Promise.all([
        import("@gadugi/queue"),
        import("@gadugi/orchestrator"),
      ]);
      const log = (message: string) => io.stderr(`[worker] ${message}\n`);
      const handle = queueTaskHandler({ workDir, env: {}, onLog: log });
      const worker = await QueueWorker.start({
        url,
        concurrency,
        ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
        onLog: log,
        handler: (payload: Parameters<typeof handle>[0], context) => handle(payload, context),
      });
      // The host's own governor: fewer jobs at once while memory or CPU run short (as locally).
      const { ResourceGovernor } = await import("@gadugi/execution-monitor");
      const governor = new ResourceGovernor({ max: concurrency });
      governor.onChange((change) => {
        worker.setConcurrency(change.to);
        log(`concurrency ${change.from} → ${change.to}: ${change.reason}`);
      });
      governor.start();
      io.stdout(
        `worker ${worker.ref.id} on ${worker.ref.host} (pid ${worker.ref.pid}): ${concurrency} at a time from ${worker.url.masked}, clones in ${workDir}\n`,
      );
      await new Promise<void>((done, fail) => {
        const release = stopSignals((now) => {
          io.stderr(
            now ? "[worker] stopping now\n" : "[worker] finishing the tasks running (again to stop now)\n",
          );
          governor.stop();
          worker.close({ now }).then(
            () => {
              release();
              done();
            },
            (error: unknown) => {
              release();
              fail(error);
            },
          );
        });
      });
    });
}
