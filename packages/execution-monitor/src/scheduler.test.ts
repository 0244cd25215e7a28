import { sleep } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import { LocalExecutor, type TaskInput, type TaskOutcome } from "./executor.js";
import { ResourceGovernor, type ResourceSample } from "./governor.js";
import { type ScheduledTask, Scheduler, type SchedulerEvent, type SchedulerOptions } from "./scheduler.js";

interface Probe {
  active: number;
  max: number;
  log: string[];
  starts: Map<string, number>;
  ends: Map<string, number>;
  attempts: Map<string, number>;
}

type Behaviour = (input: TaskInput, signal: AbortSignal) => Promise<TaskOutcome>;

/** An executor whose tasks sleep `ms` and then complete, unless a behaviour says otherwise. */
function probeExecutor(ms: number, behaviours: Record<string, Behaviour> = {}) {
  const probe: Probe = {
    active: 0,
    max: 0,
    log: [],
    starts: new Map(),
    ends: new Map(),
    attempts: new Map(),
  };
  const executor = new LocalExecutor(async (input, { signal }) => {
    probe.active++;
    probe.max = Math.max(probe.max, probe.active);
    probe.log.push(`start ${input.taskId}`);
    probe.starts.set(input.taskId, performance.now());
    probe.attempts.set(input.taskId, input.attempt);
    try {
      const behaviour = behaviours[input.taskId];
      if (behaviour) return await behaviour(input, signal);
      await sleep(ms, signal);
      return { status: "completed" };
    } finally {
      probe.active--;
      probe.log.push(`end ${input.taskId}`);
      probe.ends.set(input.taskId, performance.now());
    }
  });
  return { probe, executor };
}

function scheduler(options: Partial<SchedulerOptions> & Pick<SchedulerOptions, "executor">) {
  const events: SchedulerEvent[] = [];
  const s = new Scheduler({
    runId: "run-1",
    maxParallel: 4,
    retry: { initialDelayMs: 1, maxDelayMs: 5, jitter: "none" },
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { s, events };
}

const fail =
  (reason: string, transient = false): Behaviour =>
  async () => ({ status: "failed", reason, transient });
const independent = (n: number, prefix = "t"): ScheduledTask[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i + 1}` }));
const statuses = (events: SchedulerEvent[], taskId: string) =>
  events.flatMap((e) => (e.type === "task.status" && e.taskId === taskId ? [e.status] : []));

describe("Scheduler", () => {
  it("runs independent tasks in parallel up to maxParallel and no further", async () => {
    const { probe, executor } = probeExecutor(40);
    const { s } = scheduler({ executor, maxParallel: 3 });
    const result = await s.run(independent(9));
    expect(result.status).toBe("completed");
    expect(probe.max).toBe(3);
    expect(result.maxConcurrent).toBe(3);
    expect(result.tasks.map((t) => t.status)).toEqual(Array(9).fill("completed"));
  });

  it("starts the next task when a running one releases its slot, and never runs more agents than the limit", async () => {
    // Each task: 30 ms of "agent" work holding a slot, then 60 ms of slot-free work (a merge);
    // the second task also runs its agent again (a conflict re-run) after taking a slot back.
    let agents = 0;
    let maxAgents = 0;
    const agent = async (signal: AbortSignal) => {
      agents++;
      maxAgents = Math.max(maxAgents, agents);
      await sleep(30, signal);
      agents--;
    };
    const starts: string[] = [];
    const done: string[] = [];
    const executor = new LocalExecutor(async (input, { signal, slot }) => {
      starts.push(input.taskId);
      await agent(signal);
      slot?.release();
      slot?.release(); // twice: nothing more happens
      await sleep(60, signal);
      if (input.taskId === "t2") {
        await slot?.reacquire();
        await agent(signal);
        slot?.release();
      }
      done.push(input.taskId);
      return { status: "completed" };
    });
    const { s } = scheduler({ executor, maxParallel: 2 });
    const tasks: ScheduledTask[] = [...independent(6), { id: "after", dependencies: ["t1"] }];
    const result = await s.run(tasks);
    expect(result.status).toBe("completed");
    expect(maxAgents).toBe(2);
    const timing = (id: string) => result.tasks.find((t) => t.taskId === id) as (typeof result.tasks)[number];
    // t3 and t4 started while t1 and t2 were still merging: slots, not tasks, were limited.
    expect(timing("t3").startedAt).toBeLessThan(timing("t1").endedAt as number);
    expect(timing("t4").startedAt).toBeLessThan(timing("t2").endedAt as number);
    expect(starts.slice(0, 4).sort()).toEqual(["t1", "t2", "t3", "t4"]);
    expect(done).toHaveLength(7);
    // A dependent still waits for its dependency to finish, slot or not.
    expect(timing("after").startedAt).toBeGreaterThanOrEqual(timing("t1").endedAt as number);
  });

  it("starts a task only after all its dependencies completed", async () => {
    const { probe, executor } = probeExecutor(15);
    const { s } = scheduler({ executor });
    await s.run([
      { id: "c", dependencies: ["a", "b"] },
      { id: "a" },
      { id: "b", dependencies: ["a"] },
      { id: "d", dependencies: ["c"] },
    ]);
    const at = (line: string) => probe.log.indexOf(line);
    expect(at("start b")).toBeGreaterThan(at("end a"));
    expect(at("start c")).toBeGreaterThan(at("end b"));
    expect(at("start d")).toBeGreaterThan(at("end c"));
  });

  it("starts a dependent as soon as its own dependency finishes, without waiting for a whole wave", async () => {
    const { probe, executor } = probeExecutor(10, {
      slow: async (_input, signal) => {
        await sleep(300, signal);
        return { status: "completed" };
      },
    });
    const { s } = scheduler({ executor });
    await s.run([{ id: "slow" }, { id: "fast" }, { id: "after-fast", dependencies: ["fast"] }]);
    expect(probe.starts.get("after-fast")).toBeLessThan(probe.ends.get("slow") as number);
  });

  it("starts the ready task with the longest remaining critical path first", async () => {
    const { probe, executor } = probeExecutor(5);
    const { s } = scheduler({ executor, maxParallel: 1 });
    const result = await s.run([
      { id: "leaf", estimatedMs: 5000 },
      { id: "head", estimatedMs: 1000 },
      { id: "tail", estimatedMs: 8000, dependencies: ["head"] },
      { id: "tiny", estimatedMs: 10 },
    ]);
    expect(result.startOrder).toEqual(["head", "tail", "leaf", "tiny"]);
    expect(probe.max).toBe(1);
  });

  it("skips only the dependents of a failed task, naming it, and lets independent tasks finish", async () => {
    const { executor } = probeExecutor(5, { a: fail("tests failed") });
    const { s, events } = scheduler({ executor, breaker: false });
    const result = await s.run([
      { id: "a" },
      { id: "b", dependencies: ["a"] },
      { id: "c", dependencies: ["b"] },
      { id: "d" },
      { id: "e", dependencies: ["d"] },
    ]);
    const byId = Object.fromEntries(result.tasks.map((t) => [t.taskId, t]));
    expect(result.status).toBe("failed");
    expect(byId.a).toMatchObject({ status: "failed", reason: "tests failed", attempts: 1 });
    expect(byId.b).toMatchObject({
      status: "skipped",
      reason: 'dependency "a" failed: tests failed',
      attempts: 0,
    });
    expect(byId.c).toMatchObject({
      status: "skipped",
      reason: 'dependency "b" was skipped (dependency "a" failed)',
    });
    expect(byId.d?.status).toBe("completed");
    expect(byId.e?.status).toBe("completed");
    // Only legal transitions: pending → skipped for b (never queued, never running).
    expect(statuses(events, "b")).toEqual(["skipped"]);
    expect(statuses(events, "a")).toEqual(["queued", "running", "failed"]);
  });

  it("retries a transient failure with backoff, then succeeds", async () => {
    let calls = 0;
    const { executor } = probeExecutor(1, {
      flaky: async () => {
        calls++;
        return calls < 3
          ? { status: "failed", reason: "rate limited", transient: true }
          : { status: "completed" };
      },
    });
    const { s, events } = scheduler({
      executor,
      retry: { maxAttempts: 3, initialDelayMs: 1, jitter: "none" },
    });
    const result = await s.run([{ id: "flaky" }]);
    expect(result.tasks[0]).toMatchObject({ status: "completed", attempts: 3 });
    expect(statuses(events, "flaky")).toEqual([
      "queued",
      "running",
      "queued",
      "running",
      "queued",
      "running",
      "completed",
    ]);
    const warnings = events.filter((e) => e.type === "warning");
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ taskId: "flaky", message: expect.stringContaining("rate limited") });
  });

  it("does not retry a permanent failure, and gives up on a transient one after maxAttempts", async () => {
    const { probe, executor } = probeExecutor(1, {
      broken: fail("syntax error"),
      down: fail("API overloaded", true),
    });
    const { s } = scheduler({
      executor,
      breaker: false,
      retry: { maxAttempts: 2, initialDelayMs: 1, jitter: "none" },
    });
    const result = await s.run([{ id: "broken" }, { id: "down" }]);
    expect(result.tasks[0]).toMatchObject({ status: "failed", attempts: 1, reason: "syntax error" });
    expect(result.tasks[1]).toMatchObject({
      status: "failed",
      attempts: 2,
      reason: "API overloaded (gave up after 2 attempts)",
    });
    expect(probe.attempts.get("down")).toBe(2);
  });

  it("drops to sequential execution when the breaker opens, and stops launching when it opens again", async () => {
    const behaviours = Object.fromEntries(independent(10).map((t) => [t.id, fail(`boom ${t.id}`)]));
    const { probe, executor } = probeExecutor(5, behaviours);
    const { s, events } = scheduler({ executor, maxParallel: 2, breaker: { failureThreshold: 2 } });
    let activeAfterSwitch = 0;
    s.on((e) => {
      if (e.type === "concurrency.changed") activeAfterSwitch = -1;
      if (e.type === "task.status" && e.status === "running" && activeAfterSwitch !== 0) {
        activeAfterSwitch = Math.max(activeAfterSwitch, probe.active + 1);
      }
    });
    const result = await s.run(independent(10));

    const change = events.find((e) => e.type === "concurrency.changed");
    expect(change).toMatchObject({ from: 2, to: 1 });
    expect(change?.type === "concurrency.changed" && change.reason).toMatch(
      /circuit breaker "tasks" opened after 2 consecutive failed tasks; running the remaining tasks one at a time/,
    );
    expect(s.sequential).toBe(true);
    expect(activeAfterSwitch).toBe(1);
    const breakerStates = events.flatMap((e) => (e.type === "breaker.state" ? [e.state] : []));
    expect(breakerStates).toEqual(["open", "closed", "open"]);

    expect(result.stoppedReason).toMatch(/opened after 2 consecutive failed tasks in sequential mode/);
    const ran = result.tasks.filter((t) => t.status === "failed");
    const skipped = result.tasks.filter((t) => t.status === "skipped");
    expect(ran).toHaveLength(4);
    expect(skipped).toHaveLength(6);
    for (const t of skipped) expect(t.reason).toBe(result.stoppedReason);
  });

  it("takes a new maxParallel while running", async () => {
    const { probe, executor } = probeExecutor(60);
    const { s, events } = scheduler({ executor, maxParallel: 1 });
    const running = s.run(independent(8));
    await sleep(20, undefined);
    s.setMaxParallel(4, "raised by the user");
    const result = await running;
    expect(probe.max).toBe(4);
    expect(events).toContainEqual({
      type: "concurrency.changed",
      from: 1,
      to: 4,
      reason: "raised by the user",
    });
    expect(result.status).toBe("completed");
  });

  it("cancels: running tasks are aborted and the rest become cancelled", async () => {
    const { probe, executor } = probeExecutor(5000);
    const controller = new AbortController();
    const { s, events } = scheduler({ executor, maxParallel: 2, signal: controller.signal });
    const running = s.run([...independent(3), { id: "dep", dependencies: ["t1"] }]);
    await sleep(30, undefined);
    const started = performance.now();
    controller.abort("received SIGINT");
    const result = await running;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.status).toBe("cancelled");
    expect(result.tasks.map((t) => t.status)).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
    expect(result.tasks[0]?.reason).toBe("run cancelled: received SIGINT");
    expect(probe.active).toBe(0);
    expect(statuses(events, "t3")).toEqual(["queued", "cancelled"]);
    expect(statuses(events, "dep")).toEqual(["cancelled"]);
  });

  it("follows the resource governor down and back up", async () => {
    const samples: ResourceSample[] = [];
    const governor = new ResourceGovernor({
      max: 4,
      minFreeMemoryMb: 1000,
      maxLoadPerCore: 2,
      recoverAfter: 1,
      intervalMs: 60_000,
      sampler: () => samples.shift() ?? { freeMemoryMb: 8000, loadPerCore: 0.1 },
    });
    const { probe, executor } = probeExecutor(80);
    const { s, events } = scheduler({ executor, maxParallel: 4, governor });
    samples.push({ freeMemoryMb: 400, loadPerCore: 0.5 }); // severe: 4 → 2
    await governor.sample();
    expect(s.concurrency).toBe(2);
    const running = s.run(independent(12));
    await sleep(10, undefined);
    expect(probe.active).toBe(2);
    await governor.sample(); // healthy: 2 → 3
    await governor.sample(); // healthy: 3 → 4
    await running;
    expect(probe.max).toBe(4);
    const changes = events.flatMap((e) => (e.type === "concurrency.changed" ? [[e.from, e.to]] : []));
    expect(changes).toEqual([
      [2, 3],
      [3, 4],
    ]);
    expect(events.find((e) => e.type === "concurrency.changed")).toMatchObject({
      reason: expect.stringContaining("resources recovered"),
    });
  });

  it("rejects a graph with a cycle, an unknown dependency or a duplicate id", async () => {
    const { executor } = probeExecutor(1);
    await expect(
      scheduler({ executor }).s.run([
        { id: "a", dependencies: ["c"] },
        { id: "b", dependencies: ["a"] },
        { id: "c", dependencies: ["b"] },
      ]),
    ).rejects.toMatchObject({ code: "GADUGI_DEPENDENCY_CYCLE" });
    await expect(scheduler({ executor }).s.run([{ id: "a", dependencies: ["zz"] }])).rejects.toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
    });
    await expect(scheduler({ executor }).s.run([{ id: "a" }, { id: "a" }])).rejects.toMatchObject({
      code: "GADUGI_DUPLICATE_TASK_ID",
    });
  });

  it("turns an executor's throw or invalid outcome into a failed task", async () => {
    const executor = new LocalExecutor(async (input) => {
      if (input.taskId === "throws")
        throw new Error("exploded with GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789");
      return { status: "done?" } as unknown as TaskOutcome;
    });
    const { s } = scheduler({ executor, breaker: false });
    const result = await s.run([{ id: "throws" }, { id: "invalid" }]);
    expect(result.tasks[0]?.status).toBe("failed");
    expect(result.tasks[0]?.reason).not.toContain("ghp_");
    expect(result.tasks[1]).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("outcome of task invalid"),
    });
  });
});
