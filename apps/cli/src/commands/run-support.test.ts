import type { RunResult } from "@gadugi/orchestrator";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../main.js";
import { printSummary } from "./run-support.js";

function result(tasksCompleted: number): RunResult {
  const metrics = {
    runId: "run-x",
    wallTimeMs: 10_000,
    sumTaskDurationsMs: 18_000,
    speedup: 1.8,
    parallelEfficiency: 0.45,
    maxParallel: 4,
    criticalPath: [],
    criticalPathMs: 0,
    tasksTotal: 2,
    tasksCompleted,
    tasksFailed: 2 - tasksCompleted,
    tasksSkipped: 0,
    tasksCancelled: 0,
    tokens: 0,
    costUsd: 0,
  };
  const report = { runId: "run-x", status: "failed", repoRoot: "/repo", metrics, tasks: [], warnings: [] };
  const reportFiles = { markdown: "/repo/.gadugi/runs/run-x/report.md" };
  return { runId: "run-x", status: "failed", report, reportFiles } as unknown as RunResult;
}

function summary(r: RunResult): string {
  let out = "";
  const io: CliIo = { stdout: (t) => (out += t), stderr: () => {} };
  printSummary(io, r, "/repo");
  return out;
}

describe("the end-of-run summary", () => {
  it("prints no speedup when every task failed, and says why", () => {
    const text = summary(result(0));
    expect(text).toContain("no speedup: no task completed");
    expect(text).not.toContain("1.80×");
    expect(text).not.toContain("parallel efficiency");
  });

  it("prints the measured speedup once a task completed", () => {
    expect(summary(result(1))).toContain("measured speedup 1.80× · parallel efficiency 45% of 4");
  });
});
