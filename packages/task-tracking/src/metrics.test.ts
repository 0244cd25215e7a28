import { GadugiError } from "@gadugi/error-handling";
import { PerformanceMetrics } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import {
  activeDurationMs,
  computeMetrics,
  criticalPath,
  type RunSummary,
  type TaskRun,
  taskDurationMs,
} from "./metrics.js";
import { T0 } from "./test-helpers/index.js";

const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** A(10s) → C(5s), B(8s) alongside, 2 slots, wall 15s. */
const EXAMPLE: RunSummary = {
  runId: "run-1",
  startedAt: at(0),
  endedAt: at(15),
  maxParallel: 2,
  tasks: [
    {
      id: "A",
      type: "feature",
      status: "completed",
      startedAt: at(0),
      endedAt: at(10),
      tokens: 1000,
      costUsd: 0.5,
    },
    { id: "B", type: "bugfix", status: "completed", startedAt: at(0), endedAt: at(8), tokens: 250 },
    {
      id: "C",
      type: "test",
      status: "completed",
      startedAt: at(10),
      endedAt: at(15),
      dependencies: ["A"],
      costUsd: 0.25,
    },
  ],
};

describe("computeMetrics", () => {
  it("measures speedup, efficiency and the critical path of a hand-computed run", () => {
    const metrics = computeMetrics(EXAMPLE);
    expect(metrics).toEqual({
      runId: "run-1",
      wallTimeMs: 15_000,
      sumTaskDurationsMs: 23_000,
      speedup: 23 / 15,
      parallelEfficiency: 23 / 15 / 2,
      maxParallel: 2,
      criticalPath: ["A", "C"],
      criticalPathMs: 15_000,
      tasksTotal: 3,
      tasksCompleted: 3,
      tasksFailed: 0,
      tasksSkipped: 0,
      tasksCancelled: 0,
      tokens: 1250,
      costUsd: 0.75,
    });
    expect(PerformanceMetrics.parse(metrics)).toEqual(metrics);
  });

  it("counts statuses and only times tasks that ran to an end", () => {
    const tasks: TaskRun[] = [
      ...EXAMPLE.tasks,
      { id: "D", type: "docs", status: "failed", startedAt: T0, endedAt: T0 + 2000 },
      { id: "E", type: "docs", status: "skipped", dependencies: ["D"] },
      { id: "F", type: "docs", status: "cancelled", startedAt: T0, endedAt: T0 + 1000 },
      { id: "G", type: "docs", status: "running", startedAt: T0 },
      { id: "H", type: "docs", status: "completed" },
      { id: "I", type: "docs", status: "changes-requested" },
      { id: "J", type: "docs", status: "merge-failed" },
    ];
    const metrics = computeMetrics({ ...EXAMPLE, tasks });
    expect(metrics).toMatchObject({
      sumTaskDurationsMs: 26_000,
      tasksTotal: 10,
      tasksCompleted: 4,
      // Neither a task whose review requested changes nor one that did not merge landed.
      tasksFailed: 3,
      tasksSkipped: 1,
      tasksCancelled: 1,
      criticalPath: ["A", "C"],
    });
  });

  it("times tasks that did their work but did not land, and leaves the time before a resume out", () => {
    const run: RunSummary = {
      runId: "run-2",
      startedAt: at(0),
      endedAt: at(100),
      maxParallel: 2,
      // The orchestrator crashed at 10 s; the resume came at 90 s.
      pauses: [{ from: at(10), to: at(90) }],
      tasks: [
        // Interrupted while running, finished after the resume: 5 s before, 6 s after.
        { id: "A", type: "feature", status: "completed", startedAt: at(5), endedAt: at(96) },
        { id: "B", type: "feature", status: "merge-failed", startedAt: at(0), endedAt: at(4) },
        { id: "C", type: "feature", status: "changes-requested", startedAt: at(91), endedAt: at(100) },
      ],
    };
    expect(taskDurationMs(run.tasks[0] as TaskRun, run.pauses)).toBe(11_000);
    expect(computeMetrics(run)).toMatchObject({
      wallTimeMs: 20_000,
      sumTaskDurationsMs: 24_000,
      speedup: 1.2,
      tasksCompleted: 1,
      tasksFailed: 2,
    });
    expect(activeDurationMs(0, 10, [{ from: 20, to: 30 }])).toBe(10);
    expect(
      activeDurationMs(0, 10, [
        { from: -5, to: 3 },
        { from: 8, to: 50 },
      ]),
    ).toBe(5);
  });

  it("clamps efficiency to 1 and reports zero wall time as speedup 0", () => {
    const oneSlot = computeMetrics({ ...EXAMPLE, maxParallel: 1 });
    expect(oneSlot.speedup).toBeCloseTo(1.5333, 4);
    expect(oneSlot.parallelEfficiency).toBe(1);

    const instant = computeMetrics({ ...EXAMPLE, endedAt: EXAMPLE.startedAt });
    expect(instant).toMatchObject({ wallTimeMs: 0, speedup: 0, parallelEfficiency: 0 });

    const empty = computeMetrics({ runId: "r", startedAt: T0, endedAt: T0 + 5, maxParallel: 4, tasks: [] });
    expect(empty).toMatchObject({ sumTaskDurationsMs: 0, speedup: 0, criticalPath: [], criticalPathMs: 0 });
  });

  it("rejects impossible inputs with GadugiErrors", () => {
    expect(() => computeMetrics({ ...EXAMPLE, maxParallel: 0 })).toThrow(/maxParallel/);
    expect(() => computeMetrics({ ...EXAMPLE, endedAt: at(-1) })).toThrow(/run endedAt/);
    expect(() => computeMetrics({ ...EXAMPLE, startedAt: "yesterday" })).toThrow(/ISO timestamp/);
    const backwards: TaskRun = {
      id: "X",
      type: "docs",
      status: "completed",
      startedAt: at(5),
      endedAt: at(1),
    };
    expect(() => taskDurationMs(backwards)).toThrow(/endedAt of task X/);
    expect(() => computeMetrics({ ...EXAMPLE, tasks: [{ ...backwards, tokens: -1 }] })).toThrow(GadugiError);
  });
});

describe("criticalPath", () => {
  it("follows the heaviest chain, ignoring unknown dependencies", () => {
    expect(
      criticalPath([
        { id: "a", durationMs: 5 },
        { id: "b", durationMs: 1, dependencies: ["a", "ghost"] },
        { id: "c", durationMs: 7 },
        { id: "d", durationMs: 3, dependencies: ["b", "c"] },
      ]),
    ).toEqual({ path: ["c", "d"], ms: 10 });
  });

  it("does not drag unmeasured tasks into the path and breaks ties by length, then order", () => {
    expect(
      criticalPath([
        { id: "a", durationMs: 4 },
        { id: "skipped", dependencies: ["a"] },
        { id: "b", durationMs: 4 },
      ]),
    ).toEqual({ path: ["a"], ms: 4 });
    expect(criticalPath([{ id: "skipped" }, { id: "a", durationMs: 4, dependencies: ["skipped"] }])).toEqual({
      path: ["a"],
      ms: 4,
    });
    expect(criticalPath([{ id: "a" }, { id: "b" }])).toEqual({ path: [], ms: 0 });
  });

  it("reports a dependency cycle", () => {
    const cycle = () =>
      criticalPath([
        { id: "root", durationMs: 1 },
        { id: "x", durationMs: 1, dependencies: ["root", "z"] },
        { id: "y", durationMs: 1, dependencies: ["x"] },
        { id: "z", durationMs: 1, dependencies: ["y"] },
      ]);
    expect(cycle).toThrow(expect.objectContaining({ code: "GADUGI_DEPENDENCY_CYCLE" }));
    expect(cycle).toThrow("x → z → y → x");
  });
});
