import { Command } from "commander";
import type { CliIo } from "../main.js";
import { requiredQueueUrl } from "./queue-options.js";
import { table } from "./shared.js";

/** `gadugi workers`: the live workers of a queue. */
export function workersCommand(io: CliIo): Command {
  return new Command("workers")
    .description("list the live workers of the queue: host, pid, concurrency, current tasks, last heartbeat")
    .option("--queue <url>", "the queue's Redis (default: $GADUGI_QUEUE_URL)")
    .option("--json", "print JSON")
    .action(async (options: { queue?: string; json?: boolean }) => {
      const url = await requiredQueueUrl(options.queue);
      const { listWorkers } = await import("@gadugi/queue");
      const workers = await listWorkers(url);
      if (options.json) {
        io.stdout(`${JSON.stringify(workers, null, 2)}\n`);
        return;
      }
      if (workers.length === 0) {
        io.stdout("no live workers: start one with `gadugi worker --queue <url>`\n");
        return;
      }
      const rows = [["WORKER", "HOST", "PID", "CONCURRENCY", "TASKS", "LAST HEARTBEAT"]];
      for (const w of workers) {
        const tasks = w.tasks.map((t) => `${t.label ?? t.taskId} (${t.runId})`).join(", ");
        rows.push([w.id, w.host, String(w.pid), String(w.concurrency), tasks || "—", w.lastHeartbeat]);
      }
      io.stdout(table(rows));
    });
}
