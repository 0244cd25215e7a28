// A worker process for tests: takes jobs whose payload is { sleepMs, file? }, sleeps, appends
// "<jobId> <pid>" to `file` and returns { pid }. Prints "ready" once it listens.
// Usage: node sleep-worker.mjs <queue-url> <queue-name> <concurrency>
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { QueueWorker } from "../../dist/index.js";

const [url, name, concurrency] = process.argv.slice(2);
const worker = await QueueWorker.start({
  url,
  name,
  concurrency: Number(concurrency),
  lockDurationMs: 2000,
  stalledIntervalMs: 1000,
  heartbeatMs: 500,
  handler: async (payload, ctx) => {
    if (payload.startedFile) appendFileSync(payload.startedFile, `${ctx.jobId} ${process.pid}\n`);
    try {
      await sleep(payload.sleepMs, undefined, { signal: ctx.signal });
    } catch {
      return { pid: process.pid, cancelled: true };
    }
    if (payload.file) appendFileSync(payload.file, `${ctx.jobId} ${process.pid}\n`);
    return { pid: process.pid, cancelled: false };
  },
});
process.on("SIGTERM", () => {
  worker.close().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
});
console.log("ready");
