import { sleep } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import { LocalExecutor, type TaskOutcome } from "./executor.js";
import { Scheduler, type SchedulerEvent } from "./scheduler.js";

// What the run's budget asks of the scheduler: stop launching for good, hold a task back while
// the running ones may leave room, and a task stopped at its budget that is no failure.

function run(options: {
  outcomes?: Record<string, TaskOutcome>;
  admit?: (taskId: string) => string | undefined;
  onStart?: (taskId: string, s: Scheduler) => void;
  maxParallel?: number;
  ms?: number;
}) {
  const started: string[] = [];
  const events: SchedulerEvent[] = [];
  let scheduler: Scheduler | undefined;
  const executor = new LocalExecutor(async (input, { signal }) => {
    started.push(input.taskId);
    options.onStart?.(input.taskId, scheduler as Scheduler);
    await sleep(options.ms ?? 20, signal);
    return options.outcomes?.[input.taskId] ?? { status: "completed" };
  });
  scheduler = new Scheduler({
    runId: "run-1",
    executor,
    maxParallel: options.maxParallel ?? 1,
    retry: { initialDelayMs: 1, maxDelayMs: 5, jitter: "none" },
    breaker: { failureThreshold: 1 },
    onEvent: (e) => events.push(e),
    ...(options.admit ? { admit: options.admit } : {}),
  });
  return { scheduler, started, events };
}

describe("Scheduler and a budget", () => {
  it("stop: no task starts after it, the ones not started are skipped with the reason, the running one ends", async () => {
    const { scheduler, started } = run({
      onStart: (id, s) => {
        if (id === "b") s.stop("not started: the run's budget of $1.00 was reached");
      },
    });
    const result = await scheduler.run([
      { id: "a" },
      { id: "b" },
      { id: "c" },
      { id: "d", dependencies: ["a"] },
    ]);
    expect(started).toEqual(["a", "b"]);
    const byId = Object.fromEntries(result.tasks.map((t) => [t.taskId, t]));
    expect(byId.b?.status).toBe("completed");
    expect(byId.c).toMatchObject({
      status: "skipped",
      reason: "not started: the run's budget of $1.00 was reached",
    });
    expect(byId.d?.status).toBe("skipped");
    expect(result.stoppedReason).toBe("not started: the run's budget of $1.00 was reached");
  });

  it("admit: a held task waits while others run, and starts when room is left", async () => {
    let room = false;
    const { scheduler, started } = run({
      maxParallel: 2,
      admit: (id) => (id === "b" && !room ? "held: the budget is committed to running tasks" : undefined),
      onStart: (id) => {
        if (id === "a") setTimeout(() => (room = true), 5);
      },
    });
    const result = await scheduler.run([{ id: "a" }, { id: "b" }]);
    expect(started).toEqual(["a", "b"]);
    expect(result.status).toBe("completed");
  });

  it("admit: with nothing running, a held task and everything left are skipped with the reason", async () => {
    const { scheduler, started } = run({
      admit: () => (started.length > 0 ? "not started: the run's budget is spent" : undefined),
    });
    const result = await scheduler.run([{ id: "a" }, { id: "b" }, { id: "c", dependencies: ["b"] }]);
    expect(started).toEqual(["b"]);
    expect(result.tasks.map((t) => t.status)).toEqual(["skipped", "completed", "skipped"]);
    expect(result.tasks[0]?.reason).toBe("not started: the run's budget is spent");
  });

  it("a budget-exceeded outcome skips the dependents and does not open the breaker", async () => {
    const { scheduler, started, events } = run({
      outcomes: { a: { status: "budget-exceeded", reason: "stopped at its budget of $0.50" } },
    });
    const result = await scheduler.run([{ id: "a" }, { id: "b", dependencies: ["a"] }, { id: "c" }]);
    expect(started).toEqual(["a", "c"]);
    expect(result.tasks[0]).toMatchObject({
      status: "budget-exceeded",
      reason: "stopped at its budget of $0.50",
    });
    expect(result.tasks[1]?.reason).toContain('dependency "a" was stopped at its budget');
    expect(result.tasks[2]?.status).toBe("completed");
    expect(events.some((e) => e.type === "breaker.state")).toBe(false);
  });
});
