import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GadugiError } from "@gadugi/error-handling";
import { freePort, startRedis, type TestRedis, useTempDirs, waitFor } from "@gadugi/test-utils";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { redisClient } from "./connection.js";
import { jobId, listWorkers, parseQueueUrl, QUEUE_PREFIX, QueueWorker, TaskQueue } from "./index.js";

type Payload = { sleepMs: number; file?: string; startedFile?: string };
type Result = { pid: number; cancelled: boolean };

const temp = useTempDirs();
let redis: TestRedis;
let queueNumber = 0;
const closers: (() => Promise<void>)[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis({ password: "hunter2" });
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function queueName(): string {
  queueNumber += 1;
  return `t${queueNumber}${process.pid}`;
}

async function openQueue(name: string): Promise<TaskQueue<Payload, Result>> {
  const queue = await TaskQueue.open<Payload, Result>(redis.url, { name });
  closers.push(() => queue.close());
  return queue;
}

async function inProcessWorker(name: string, concurrency = 1) {
  const worker = await QueueWorker.start<Payload, Result>({
    url: redis.url,
    name,
    concurrency,
    heartbeatMs: 200,
    handler: async (payload, ctx) => {
      try {
        await sleep(payload.sleepMs, undefined, { signal: ctx.signal });
      } catch {
        return { pid: process.pid, cancelled: true };
      }
      return { pid: process.pid, cancelled: false };
    },
  });
  closers.push(() => worker.close());
  return worker;
}

/** A worker in a process of its own (test-helpers/sleep-worker.mjs), ready when it says so. */
async function workerProcess(name: string, concurrency = 1): Promise<ChildProcess> {
  const script = join(import.meta.dirname, "test-helpers", "sleep-worker.mjs");
  const child = spawn(process.execPath, [script, redis.url, name, String(concurrency)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  await waitFor(() => out.includes("ready"), 10_000, "worker process did not start");
  return child;
}

describe("job ids", () => {
  it("are <run>:<task>:<attempt> and refuse a ':' inside a part", () => {
    expect(jobId("run-1", "auth", 2)).toBe("run-1:auth:2");
    expect(jobId("run-1", "auth", "2r1")).toBe("run-1:auth:2r1");
    expect(() => jobId("run:1", "auth", 1)).toThrow(/without ':'/);
  });
});

describe("TaskQueue and QueueWorker", () => {
  it("runs a job on a worker and hands back its result with the worker that ran it", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    const worker = await inProcessWorker(name);
    const id = jobId("run-a", "one", 1);
    expect(await queue.submit(id, { runId: "run-a", taskId: "one", payload: { sleepMs: 50 } })).toBe("added");
    let startedOn: string | undefined;
    const end = await queue.wait(id, { onStart: (p) => (startedOn = p.worker.id) });
    expect(end.status).toBe("completed");
    if (end.status !== "completed") return;
    expect(end.result.value).toEqual({ pid: process.pid, cancelled: false });
    expect(end.result.worker).toEqual(worker.ref);
    expect(startedOn).toBe(worker.ref.id);
    expect(end.result.finishedAt).toBeGreaterThanOrEqual(end.result.startedAt);
  });

  it("hands back a result the moment the job ends, from the queue's events, not a poll", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    await inProcessWorker(name);
    const id = jobId("run-ev", "one", 1);
    await queue.submit(id, { runId: "run-ev", taskId: "one", payload: { sleepMs: 300 } });
    // No look at the job after the first one: only an event can end this wait in time.
    const end = await queue.wait(id, { recheckMs: 60_000, pollMs: 60_000 });
    expect(end.status).toBe("completed");
    if (end.status === "completed") expect(Date.now() - end.result.finishedAt).toBeLessThan(1000);
  });

  it("collects a result that ended before anyone waited (an orchestrator restarted meanwhile)", async () => {
    const name = queueName();
    const first = await openQueue(name);
    const worker = await inProcessWorker(name);
    const id = jobId("run-down", "one", 1);
    await first.submit(id, { runId: "run-down", taskId: "one", payload: { sleepMs: 10 } });
    await first.close();
    const raw = new Queue(name, { prefix: QUEUE_PREFIX, connection: redisClient(parseQueueUrl(redis.url)) });
    closers.push(() => raw.close());
    for (let i = 0; (await raw.getJobState(id)) !== "completed"; i++) {
      if (i > 100) throw new Error("the job did not complete");
      await sleep(50);
    }
    const second = await openQueue(name);
    let startedOn: string | undefined;
    const end = await second.wait(id, { recheckMs: 60_000, onStart: (p) => (startedOn = p.worker.id) });
    expect(end.status === "completed" && end.result.worker).toEqual(worker.ref);
    expect(startedOn).toBe(worker.ref.id);
  });

  it("waits for many jobs over one events connection", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    await inProcessWorker(name, 4);
    const admin = redisClient(parseQueueUrl(redis.url));
    closers.push(async () => admin.disconnect());
    const connections = async () =>
      String(await admin.call("CLIENT", "LIST"))
        .trim()
        .split("\n").length;
    const before = await connections();
    const ids = Array.from({ length: 12 }, (_, i) => jobId("run-many", `t${i}`, 1));
    for (const id of ids)
      await queue.submit(id, { runId: "run-many", taskId: id, payload: { sleepMs: 200 } });
    const waits = ids.map((id) => queue.wait(id));
    await sleep(100);
    expect(await connections()).toBe(before);
    expect((await Promise.all(waits)).map((end) => end.status)).toEqual(ids.map(() => "completed"));
  });

  it("never runs the same attempt twice: a second submit attaches, a finished one is collected", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    const dir = temp.dir();
    const file = join(dir, "ran");
    const id = jobId("run-b", "one", 1);
    await queue.submit(id, { runId: "run-b", taskId: "one", payload: { sleepMs: 300, file } });
    expect(await queue.submit(id, { runId: "run-b", taskId: "one", payload: { sleepMs: 300, file } })).toBe(
      "attached",
    );
    await workerProcess(name, 2);
    expect((await queue.wait(id)).status).toBe("completed");
    expect(await queue.submit(id, { runId: "run-b", taskId: "one", payload: { sleepMs: 300, file } })).toBe(
      "collected",
    );
    // A result the caller does not keep (e.g. a cancelled attempt) is replaced by a fresh job.
    expect(
      await queue.submit(id, { runId: "run-b", taskId: "one", payload: { sleepMs: 10, file } }, () => false),
    ).toBe("added");
    expect((await queue.wait(id)).status).toBe("completed");
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("runs the job of a worker killed with SIGKILL again on another worker", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    const dir = temp.dir();
    const file = join(dir, "finished");
    const startedFile = join(dir, "started");
    const first = await workerProcess(name);
    const id = jobId("run-c", "one", 1);
    await queue.submit(id, { runId: "run-c", taskId: "one", payload: { sleepMs: 1500, file, startedFile } });
    await waitFor(() => {
      try {
        return readFileSync(startedFile, "utf8").includes(String(first.pid));
      } catch {
        return false;
      }
    }, 10_000);
    first.kill("SIGKILL");
    const second = await workerProcess(name);
    const end = await queue.wait(id);
    expect(end.status).toBe("completed");
    if (end.status === "completed") expect(end.result.value.pid).toBe(second.pid);
    // It finished once, on the second worker; the first never got to its end.
    expect(readFileSync(file, "utf8").trim()).toBe(`${id} ${second.pid}`);
  }, 30_000);

  it("finishes the job it runs when stopped with SIGTERM, then exits", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    const dir = temp.dir();
    const startedFile = join(dir, "started");
    const worker = await workerProcess(name);
    const exited = new Promise<number | null>((resolve) => worker.on("exit", (code) => resolve(code)));
    const id = jobId("run-t", "one", 1);
    await queue.submit(id, { runId: "run-t", taskId: "one", payload: { sleepMs: 1000, startedFile } });
    await waitFor(() => {
      try {
        return readFileSync(startedFile, "utf8").length > 0;
      } catch {
        return false;
      }
    }, 10_000);
    worker.kill("SIGTERM");
    const end = await queue.wait(id);
    expect(end.status === "completed" && end.result.value).toEqual({ pid: worker.pid, cancelled: false });
    expect(await exited).toBe(0);
  }, 20_000);

  it("cancels a running job on its worker, and a run's jobs by run id", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    await inProcessWorker(name, 2);
    const one = jobId("run-d", "one", 1);
    const two = jobId("run-e", "two", 1);
    await queue.submit(one, { runId: "run-d", taskId: "one", payload: { sleepMs: 20_000 } });
    await queue.submit(two, { runId: "run-e", taskId: "two", payload: { sleepMs: 20_000 } });
    const controller = new AbortController();
    let started = false;
    const waiting = queue.wait(one, { signal: controller.signal, onStart: () => (started = true) });
    await waitFor(() => started, 5000);
    controller.abort();
    const end = await waiting;
    expect(end.status).toBe("completed");
    if (end.status === "completed") expect(end.result.value.cancelled).toBe(true);
    await sleep(100);
    await queue.cancelRun("run-e");
    const other = await queue.wait(two);
    expect(other.status === "completed" && other.result.value.cancelled).toBe(true);
  });

  it("stops a running job at the run's budget: its worker aborts it with GADUGI_BUDGET_EXCEEDED", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    const reasons: unknown[] = [];
    const worker = await QueueWorker.start<Payload, Result>({
      url: redis.url,
      name,
      concurrency: 1,
      heartbeatMs: 200,
      handler: async (payload, ctx) => {
        try {
          await sleep(payload.sleepMs, undefined, { signal: ctx.signal });
        } catch {
          reasons.push(ctx.signal.reason);
          return { pid: process.pid, cancelled: true };
        }
        return { pid: process.pid, cancelled: false };
      },
    });
    closers.push(() => worker.close());
    const running = jobId("run-f", "one", 1);
    await queue.submit(running, { runId: "run-f", taskId: "one", payload: { sleepMs: 20_000 } });
    let started = false;
    const waiting = queue.wait(running, { onStart: () => (started = true) });
    await waitFor(() => started, 5000);
    await queue.cancel(running, { budget: { limit: "$1.00", spent: "$1.20" } });
    const end = await waiting;
    expect(end.status === "completed" && end.result.value.cancelled).toBe(true);
    expect(GadugiError.is(reasons[0], "GADUGI_BUDGET_EXCEEDED")).toBe(true);
    expect((reasons[0] as Error).message).toContain("budget of $1.00 (spent $1.20)");
  });

  it("lists live workers with host, pid, concurrency and current tasks", async () => {
    const name = queueName();
    const queue = await openQueue(name);
    const worker = await inProcessWorker(name, 3);
    const id = jobId("run-f", "listed", 1);
    await queue.submit(id, { runId: "run-f", taskId: "listed", payload: { sleepMs: 1500 } });
    await waitFor(() => true, 10);
    let listed = await listWorkers(redis.url, { name });
    const end = Date.now() + 5000;
    while (listed[0]?.tasks.length !== 1 && Date.now() < end) {
      await sleep(50);
      listed = await listWorkers(redis.url, { name });
    }
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: worker.ref.id, pid: process.pid, concurrency: 3 });
    expect(listed[0]?.tasks).toEqual([
      expect.objectContaining({ jobId: id, runId: "run-f", taskId: "listed" }),
    ]);
    await queue.wait(id);
    await worker.close();
    expect(await listWorkers(redis.url, { name })).toEqual([]);
  });

  it("waits while Redis is away and goes on when it is back", async () => {
    const own = await startRedis({ persist: true });
    closers.push(() => own.stop());
    const name = queueName();
    const warnings: string[] = [];
    const queue = await TaskQueue.open<Payload, Result>(own.url, {
      name,
      onWarning: (w) => warnings.push(w),
    });
    closers.push(() => queue.close());
    const id = jobId("run-g", "one", 1);
    await queue.submit(id, { runId: "run-g", taskId: "one", payload: { sleepMs: 10 } });
    await own.kill();
    // No safety recheck: the connection coming back is what wakes the wait.
    const waiting = queue.wait(id, { lostAfterMs: 20_000, recheckMs: 60_000 });
    await waitFor(
      () => warnings.some((w) => w.includes("unreachable; waiting") || w.includes("waiting for it")),
      5000,
    );
    await own.restart();
    const worker = await QueueWorker.start<Payload, Result>({
      url: own.url,
      name,
      handler: async () => ({ pid: process.pid, cancelled: false }),
    });
    closers.push(() => worker.close());
    expect((await waiting).status).toBe("completed");
    expect(warnings.at(-1)).toMatch(/reachable again/);
  }, 30_000);

  it("gives up on a Redis lost for longer than the limit with GADUGI_QUEUE_LOST", async () => {
    const own = await startRedis();
    closers.push(() => own.stop());
    const queue = await TaskQueue.open<Payload, Result>(own.url, { name: queueName() });
    closers.push(() => queue.close());
    const id = jobId("run-h", "one", 1);
    await queue.submit(id, { runId: "run-h", taskId: "one", payload: { sleepMs: 10 } });
    await own.kill();
    await expect(queue.wait(id, { lostAfterMs: 1000 })).rejects.toMatchObject({ code: "GADUGI_QUEUE_LOST" });
  }, 20_000);
});

describe("Redis unreachable at start", () => {
  it("is GADUGI_QUEUE_UNREACHABLE with the URL masked and a hint", async () => {
    const port = await freePort();
    const url = `redis://:topsecret@127.0.0.1:${port}/0`;
    for (const start of [
      () => TaskQueue.open(url, { connectTimeoutMs: 1000 }),
      () => QueueWorker.start({ url, handler: async () => 1, connectTimeoutMs: 1000 }),
      () => listWorkers(url, { connectTimeoutMs: 1000 }),
    ]) {
      const error = (await start().then(
        () => undefined,
        (e: unknown) => e,
      )) as GadugiError;
      expect(error).toBeInstanceOf(GadugiError);
      expect(error.code).toBe("GADUGI_QUEUE_UNREACHABLE");
      expect(error.message).toContain(`redis://:***@127.0.0.1:${port}/0`);
      expect(error.message).toContain("ECONNREFUSED");
      expect(`${error.message} ${error.hint}`).not.toContain("topsecret");
      expect(error.hint).toMatch(/redis-server/);
    }
  });

  it("says so for a wrong password, without the password", async () => {
    const url = redis.url.replace("hunter2", "wrong-one");
    const error = (await TaskQueue.open(url).catch((e: unknown) => e)) as GadugiError;
    expect(error.code).toBe("GADUGI_QUEUE_UNREACHABLE");
    expect(error.message).toMatch(/WRONGPASS|invalid password|NOAUTH/i);
    expect(error.message).not.toContain("wrong-one");
  });
});
