import { RunState } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import {
  buildTaskReports,
  type RunReport,
  renderGanttMermaid,
  renderReportHtml,
  renderReportMarkdown,
  type TaskReport,
} from "./report.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

function state(): RunState {
  return RunState.parse({
    runId: "run-x",
    status: "completed",
    startedAt: at(0),
    endedAt: at(20),
    updatedAt: at(20),
    repoRoot: "/repo",
    baseRef: "main",
    taskIds: ["a", "b"],
    definitions: {
      a: { id: "a", slug: "add-thing", name: "Add thing", promptFile: "p/a.md" },
      b: { id: "b", slug: "fix-bug", name: "Fix", promptFile: "p/b.md" },
    },
    tasks: {
      a: {
        runId: "run-x",
        taskId: "a",
        status: "completed",
        startedAt: at(0),
        endedAt: at(10),
        updatedAt: at(10),
        attempts: 1,
        branch: "gadugi/add-thing",
        phases: [
          { phase: "setup", status: "completed", startedAt: at(0), endedAt: at(2), durationMs: 2000 },
          {
            phase: "issue_creation",
            status: "skipped",
            startedAt: at(2),
            endedAt: at(2),
            durationMs: 0,
            reason: "no token",
          },
          {
            phase: "implementation",
            status: "completed",
            startedAt: at(2),
            endedAt: at(10),
            durationMs: 8000,
          },
        ],
      },
      b: {
        runId: "run-x",
        taskId: "b",
        status: "failed",
        startedAt: at(5),
        endedAt: at(20),
        updatedAt: at(20),
        attempts: 2,
        error: "tests | <failed>",
        phases: [
          {
            phase: "testing",
            status: "failed",
            startedAt: at(5),
            endedAt: at(20),
            durationMs: 15000,
            reason: "exit 1",
          },
        ],
      },
    },
    merges: { a: { branch: "gadugi/add-thing", status: "merged", commit: "abc", at: at(11) } },
  });
}

function report(): RunReport {
  const s = state();
  return {
    runId: s.runId,
    status: s.status,
    repoRoot: s.repoRoot,
    baseRef: "main",
    startedAt: s.startedAt,
    endedAt: at(20),
    metrics: {
      runId: s.runId,
      wallTimeMs: 20000,
      sumTaskDurationsMs: 25000,
      speedup: 1.25,
      parallelEfficiency: 0.625,
      maxParallel: 2,
      criticalPath: ["b"],
      criticalPathMs: 15000,
      tasksTotal: 2,
      tasksCompleted: 1,
      tasksFailed: 1,
      tasksSkipped: 0,
      tasksCancelled: 0,
      tokens: 1200,
      costUsd: 0.01,
    },
    tasks: buildTaskReports(s, {
      a: { agent: "claude", filesChanged: ["x.ts"] },
    }),
    warnings: ["something to know"],
  };
}

describe("run reports", () => {
  it("builds task reports from state: durations, phases, merges, errors", () => {
    const [a, b] = buildTaskReports(state(), { a: { agent: "claude", filesChanged: ["x.ts", "y.ts"] } });
    expect(a).toMatchObject({
      slug: "add-thing",
      durationMs: 10000,
      agent: "claude",
      merge: { status: "merged" },
    });
    expect(a?.phases.map((p) => p.phase)).toEqual(["setup", "issue_creation", "implementation"]);
    expect(b).toMatchObject({
      status: "failed",
      error: "tests | <failed>",
      durationMs: 15000,
      attempts: 2,
      agent: "default",
    });
  });

  it("renders Markdown with measured figures, escaped cells and a Mermaid Gantt chart", () => {
    const md = renderReportMarkdown(report());
    expect(md).toContain("| Measured speedup | 1.25× |");
    expect(md).toContain("| Critical path | fix-bug (15.0s) |");
    expect(md).toContain("| Parallel efficiency | 63% of 2 slots |");
    expect(md).toContain("failed: tests \\| <failed>");
    expect(md).toContain("```mermaid\ngantt");
    expect(md).toContain("- something to know");
    expect(md).toContain("| issue_creation | skipped | 0.0s | no token |");
  });

  it("draws one Gantt bar per timed phase, failed phases marked critical", () => {
    const gantt = renderGanttMermaid(report());
    expect(gantt).toContain("section add-thing");
    expect(gantt).toContain(`implementation :${t0 + 2000}, ${t0 + 10000}`);
    expect(gantt).toContain(`testing :crit, ${t0 + 5000}, ${t0 + 20000}`);
    // A zero-length phase still gets a visible bar.
    expect(gantt).toContain(`issue_creation :done, ${t0 + 2000}, ${t0 + 2001}`);
  });

  it("renders standalone HTML with an inline SVG chart and escaped text", () => {
    const html = renderReportHtml(report());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("<svg");
    expect(html.match(/<rect /g)).toHaveLength(4);
    expect(html).toContain("tests | &#60;failed&#62;");
    expect(html).not.toContain("<script");
  });

  it("names each attempt's agent and sums tokens and cost from the journaled agent runs", () => {
    const base = state();
    const run = RunState.parse({
      ...base,
      agentRuns: {
        a: [
          {
            attempt: 1,
            purpose: "implementation",
            agent: "beta",
            outcome: "timeout",
            usage: { inputTokens: 100, outputTokens: 10, costUsd: 0.01 },
            at: at(3),
          },
          {
            attempt: 2,
            purpose: "implementation",
            agent: "gamma",
            outcome: "ok",
            usage: { inputTokens: 200, outputTokens: 20, costUsd: 0.02 },
            at: at(6),
          },
          { attempt: 2, purpose: "documentation", agent: "gamma", outcome: "ok", at: at(8) },
        ],
      },
    });
    const [a, b] = buildTaskReports(run, { a: { agent: "from-memory" }, b: { agent: "sample" } });
    expect(a).toMatchObject({
      agent: "gamma",
      attemptAgents: [
        { attempt: 1, agent: "beta" },
        { attempt: 2, agent: "gamma" },
      ],
      tokens: 330,
      // The documentation run journaled no usage: its cost is unknown, the rest a lower bound.
      costUnknown: true,
    });
    expect(a?.costUsd).toBeCloseTo(0.03);
    expect(a?.usage?.map((u) => [u.attempt, u.purpose, u.runs])).toEqual([
      [1, "implementation", 1],
      [2, "implementation", 1],
      [2, "documentation", 1],
    ]);
    expect(b?.agent).toBe("sample");
    const markdown = renderReportMarkdown({ ...report(), tasks: [a as TaskReport, b as TaskReport] });
    expect(markdown).toContain("beta (attempt 1), gamma (attempt 2)");
    expect(markdown).toContain("| ≥ 330 (1 run unknown) | ≥ $0.0300 (1 run unknown) |");
  });
});

describe("the speedup of a run in which no task completed", () => {
  function allFailed(): RunReport {
    const r = report();
    // The failed tasks' time over the wall time would read as a speedup of 1.25×.
    return { ...r, status: "failed", metrics: { ...r.metrics, tasksCompleted: 0, tasksFailed: 2 } };
  }

  it("is not printed in Markdown or HTML; the reason is, and the JSON metrics keep the numbers", () => {
    const md = renderReportMarkdown(allFailed());
    expect(md).toContain("| Measured speedup | no speedup: no task completed |");
    expect(md).toContain("| Parallel efficiency | — |");
    expect(md).not.toContain("1.25×");
    const html = renderReportHtml(allFailed());
    expect(html).toContain("no speedup: no task completed");
    expect(html).not.toContain("1.25×");
    expect(allFailed().metrics.speedup).toBe(1.25);
  });

  it("is printed as soon as one task completed", () => {
    expect(renderReportHtml(report())).toContain("measured speedup <strong>1.25×</strong>");
  });
});

describe("the report's merge rules", () => {
  it("lists each rule a task's merges applied, an earlier merge's marked as re-run", () => {
    const [a, b] = report().tasks as [TaskReport, TaskReport];
    const lock = {
      file: "pnpm-lock.yaml",
      rule: "lockfile",
      result: "skipped",
      reason: "pnpm failed",
    } as const;
    const log = { file: "CHANGELOG.md", rule: "append-only", result: "applied", reason: "union" } as const;
    const merged = { branch: "gadugi/a", status: "merged" as const, conflictFiles: [], at: at(9) };
    const tasks = [{ ...a, merge: { ...merged, rules: [log], earlierRules: [lock] } }, b];
    const md = renderReportMarkdown({ ...report(), tasks });
    expect(md).toContain("| add-thing | pnpm-lock.yaml | lockfile | skipped, re-run | pnpm failed |");
    expect(md).toContain("| add-thing | CHANGELOG.md | append-only | applied | union |");
    expect(renderReportMarkdown(report())).not.toContain("## Merge rules");
  });
});
