import { GadugiError } from "@gadugi/error-handling";
import { TaskStatus } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import {
  canTransition,
  isFinished,
  TASK_TRANSITIONS,
  type TaskStatusChange,
  TaskTracker,
} from "./task-tracker.js";
import { fakeClock } from "./test-helpers/index.js";

const LEGAL: [TaskStatus, TaskStatus][] = [
  ["pending", "queued"],
  ["pending", "skipped"],
  ["pending", "cancelled"],
  ["queued", "running"],
  ["queued", "skipped"],
  ["queued", "cancelled"],
  ["queued", "pending"],
  ["queued", "failed"],
  ["running", "completed"],
  ["running", "failed"],
  ["running", "cancelled"],
  ["running", "queued"],
  ["running", "changes-requested"],
  ["running", "budget-exceeded"],
  ["completed", "merge-failed"],
  ["completed", "queued"],
  ["failed", "queued"],
  ["merge-failed", "queued"],
  ["changes-requested", "queued"],
  ["cancelled", "queued"],
  ["skipped", "queued"],
  ["budget-exceeded", "queued"],
];

/** Shortest legal route from pending to each status, to set a task up in it. */
const ROUTE: Record<TaskStatus, TaskStatus[]> = {
  pending: [],
  queued: ["queued"],
  running: ["queued", "running"],
  completed: ["queued", "running", "completed"],
  failed: ["queued", "running", "failed"],
  "merge-failed": ["queued", "running", "completed", "merge-failed"],
  "changes-requested": ["queued", "running", "changes-requested"],
  cancelled: ["cancelled"],
  skipped: ["skipped"],
  "budget-exceeded": ["queued", "running", "budget-exceeded"],
};

function trackerWith(status: TaskStatus): TaskTracker {
  const tracker = new TaskTracker({ now: fakeClock().now });
  tracker.add("t1");
  for (const step of ROUTE[status]) tracker.transition("t1", step);
  return tracker;
}

describe("transition table", () => {
  it("lists exactly the documented legal transitions", () => {
    const listed = Object.entries(TASK_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to]));
    expect(listed.sort()).toEqual([...LEGAL].sort());
  });

  it.each(LEGAL)("allows %s → %s", (from, to) => {
    const tracker = trackerWith(from);
    expect(canTransition(from, to)).toBe(true);
    expect(tracker.transition("t1", to).status).toBe(to);
    expect(tracker.status("t1")).toBe(to);
  });

  const illegal = TaskStatus.options.flatMap((from) =>
    TaskStatus.options.filter((to) => !canTransition(from, to)).map((to) => [from, to] as const),
  );

  it.each(illegal)("rejects %s → %s with GADUGI_ILLEGAL_TRANSITION and changes nothing", (from, to) => {
    const tracker = trackerWith(from);
    const before = tracker.get("t1");
    let caught: unknown;
    try {
      tracker.transition("t1", to);
    } catch (error) {
      caught = error;
    }
    expect(GadugiError.is(caught, "GADUGI_ILLEGAL_TRANSITION")).toBe(true);
    expect((caught as GadugiError).message).toBe(`Task t1 cannot go from ${from} to ${to}.`);
    expect(tracker.get("t1")).toEqual(before);
  });

  it("includes the headline illegal moves", () => {
    for (const [from, to] of [
      ["pending", "running"],
      ["completed", "running"],
      ["completed", "failed"],
      ["skipped", "running"],
      ["cancelled", "running"],
      ["failed", "running"],
      ["merge-failed", "running"],
      ["running", "running"],
      ["running", "merge-failed"],
      ["changes-requested", "running"],
      ["changes-requested", "completed"],
      ["completed", "changes-requested"],
    ] as const) {
      expect(canTransition(from, to)).toBe(false);
    }
  });

  it("classifies finished statuses, and every way out of one but a merge failure re-queues it", () => {
    const finished = TaskStatus.options.filter(isFinished);
    expect(finished).toEqual([
      "completed",
      "failed",
      "merge-failed",
      "changes-requested",
      "cancelled",
      "skipped",
      "budget-exceeded",
    ]);
    for (const from of finished) {
      expect(TASK_TRANSITIONS[from].filter((to) => to !== "queued" && to !== "merge-failed")).toEqual([]);
    }
  });
});

describe("TaskTracker", () => {
  it("records history with timestamps and reasons and counts attempts", () => {
    const clock = fakeClock();
    const tracker = new TaskTracker({ now: clock.now });
    tracker.add("t1");
    clock.advance(1000);
    tracker.transition("t1", "queued");
    clock.advance(1000);
    tracker.transition("t1", "running");
    clock.advance(1000);
    tracker.transition("t1", "queued", "orchestrator crashed");
    clock.advance(1000);
    tracker.transition("t1", "running");
    clock.advance(1000);
    tracker.transition("t1", "failed", "tests failed");
    clock.advance(1000);
    tracker.transition("t1", "queued", "retry");
    tracker.transition("t1", "running");
    const task = tracker.transition("t1", "completed", "");

    expect(task.attempts).toBe(3);
    expect(task.addedAt).toBe("2025-01-01T00:00:00.000Z");
    expect(task.updatedAt).toBe("2025-01-01T00:00:06.000Z");
    expect(task.history).toEqual([
      { from: "pending", to: "queued", at: "2025-01-01T00:00:01.000Z" },
      { from: "queued", to: "running", at: "2025-01-01T00:00:02.000Z" },
      { from: "running", to: "queued", at: "2025-01-01T00:00:03.000Z", reason: "orchestrator crashed" },
      { from: "queued", to: "running", at: "2025-01-01T00:00:04.000Z" },
      { from: "running", to: "failed", at: "2025-01-01T00:00:05.000Z", reason: "tests failed" },
      { from: "failed", to: "queued", at: "2025-01-01T00:00:06.000Z", reason: "retry" },
      { from: "queued", to: "running", at: "2025-01-01T00:00:06.000Z" },
      { from: "running", to: "completed", at: "2025-01-01T00:00:06.000Z" },
    ]);
  });

  it("emits a change event per transition until unsubscribed", () => {
    const tracker = new TaskTracker({ now: fakeClock().now });
    const seen: TaskStatusChange[] = [];
    const off = tracker.on((c) => seen.push(c));
    tracker.add("t1");
    tracker.transition("t1", "queued");
    tracker.transition("t1", "running");
    off();
    tracker.transition("t1", "completed");
    expect(seen).toEqual([
      { taskId: "t1", from: "pending", to: "queued", at: "2025-01-01T00:00:00.000Z", attempts: 0 },
      { taskId: "t1", from: "queued", to: "running", at: "2025-01-01T00:00:00.000Z", attempts: 1 },
    ]);
  });

  it("keeps the change when a listener throws, still calls the others, then rethrows", () => {
    const tracker = new TaskTracker();
    const calls: string[] = [];
    tracker.on(() => {
      throw new Error("listener broke");
    });
    tracker.on((c) => calls.push(c.to));
    tracker.add("t1");
    expect(() => tracker.transition("t1", "queued")).toThrow("listener broke");
    expect(tracker.status("t1")).toBe("queued");
    expect(calls).toEqual(["queued"]);
  });

  it("rejects unknown and duplicate tasks", () => {
    const tracker = new TaskTracker();
    tracker.add("t1");
    expect(() => tracker.add("t1")).toThrow(GadugiError);
    expect(() => tracker.transition("nope", "queued")).toThrow(/nope/);
    expect(() => tracker.add("t2", "bogus" as TaskStatus)).toThrow(/initial status of task t2/);
  });

  it("counts tasks per status and lists them in insertion order", () => {
    const tracker = new TaskTracker();
    tracker.add("b");
    tracker.add("a", "skipped");
    tracker.add("c");
    tracker.transition("c", "queued");
    expect(tracker.ids()).toEqual(["b", "a", "c"]);
    expect(tracker.counts()).toEqual({
      pending: 1,
      queued: 1,
      running: 0,
      completed: 0,
      failed: 0,
      "merge-failed": 0,
      "changes-requested": 0,
      cancelled: 0,
      skipped: 1,
      "budget-exceeded": 0,
    });
  });

  it("round-trips through a JSON snapshot and keeps enforcing the table", () => {
    const clock = fakeClock();
    const tracker = new TaskTracker({ now: clock.now });
    tracker.add("t1");
    tracker.add("t2", "skipped");
    tracker.transition("t1", "queued");
    clock.advance(500);
    tracker.transition("t1", "running", "worker 1");
    const json = JSON.parse(JSON.stringify(tracker.snapshot()));

    const restored = TaskTracker.restore(json, { now: clock.now });
    expect(restored.snapshot()).toEqual(tracker.snapshot());
    expect(restored.get("t1").attempts).toBe(1);
    // Resume after a crash: the running task goes back to the queue.
    expect(restored.transition("t1", "queued", "resumed").status).toBe("queued");
    expect(() => restored.transition("t2", "running")).toThrow(/cannot go from skipped to running/);
    // The original is independent of the restored copy.
    expect(tracker.status("t1")).toBe("running");
  });

  it("rejects a snapshot whose history does not add up, naming the source", () => {
    const tracker = new TaskTracker({ now: fakeClock().now });
    tracker.add("t1");
    tracker.transition("t1", "queued");
    const bad = tracker.snapshot();
    bad.tasks[0]!.status = "completed";
    bad.tasks[0]!.history.push({ from: "queued", to: "completed", at: "2025-01-01T00:00:00.000Z" });
    expect(() => TaskTracker.restore(bad, { source: "run-1/tracker.json" })).toThrow(
      /run-1\/tracker\.json is not valid:\n- t1\.history\.1: queued → completed/,
    );
    expect(() => TaskTracker.restore({ version: 2, tasks: [] }, { source: "x.json" })).toThrow(
      expect.objectContaining({ code: "GADUGI_INVALID_DATA" }),
    );
  });
});
