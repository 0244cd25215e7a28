import { CostLedger, effectivePricing, formatUsd, totalsTokens } from "@gadugi/cost";
import { type AgentEvent, RunEvent, type RunEventInput, RunState, type TaskReport } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { buildTaskReports, type RunReport, renderReportHtml, renderReportMarkdown } from "./report.js";
import { runCost } from "./report-cost.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
/** Prices the config sets for a model of its own (the defaults know only the captures' models). */
const pricing = effectivePricing({ "house-model": { inputPerMTok: 1, outputPerMTok: 5 } });
const M = 1_000_000;

/** A run's journal, each event through the real RunEvent schema. */
function journal() {
  const events: RunEvent[] = [];
  const add = (input: RunEventInput) =>
    events.push(RunEvent.parse({ ...input, seq: events.length + 1, at: at(events.length), runId: "run-c" }));
  const agent = (taskId: string, event: Record<string, unknown>) =>
    add({ type: "agent.event", taskId, event: { at: at(events.length), ...event } as AgentEvent });
  return {
    events,
    add,
    status: (taskId: string, status: string, reason?: string) =>
      add({ type: "task.status", taskId, status, ...(reason ? { reason } : {}) } as RunEventInput),
    phase: (taskId: string, phase: "implementation" | "testing" | "documentation" | "review") =>
      add({ type: "phase.started", taskId, phase }),
    started: (taskId: string, pid: number) => agent(taskId, { type: "started", pid }),
    usage: (taskId: string, usage: Record<string, unknown>) => agent(taskId, { type: "usage", usage }),
    run: (
      taskId: string,
      attempt: number,
      purpose: string,
      usage?: Record<string, unknown>,
      outcome = "ok",
    ) =>
      add({
        type: "agent.run",
        taskId,
        attempt,
        purpose,
        agent: "claude",
        outcome,
        ...(usage ? { usage } : {}),
      } as RunEventInput),
  };
}

/**
 * Four tasks: `a` merged after two attempts (a test fix, a crash mid-implementation, docs and
 * review), `b` merged with one agent that reported no usage, `c` stopped at the budget, `d` never
 * started because of it.
 */
function budgetRun() {
  const j = journal();
  j.add({ type: "run.started", repoRoot: "/repo" });
  for (const id of ["a", "b", "c"]) j.status(id, "running");
  j.phase("a", "implementation");
  j.started("a", 10);
  j.usage("a", { inputTokens: 1000, outputTokens: 100 });
  j.run("a", 1, "implementation", { inputTokens: 2000, outputTokens: 200, costUsd: 0.3 });
  j.phase("a", "testing");
  j.started("a", 11);
  j.run("a", 1, "testing-fix", { inputTokens: 100_000, outputTokens: 10_000, model: "gpt-mock" });
  j.phase("b", "implementation");
  j.started("b", 20);
  j.run("b", 1, "implementation");
  j.phase("b", "review");
  j.started("b", 21);
  j.run("b", 1, "review", { inputTokens: 0.1 * M, model: "house-model" });
  j.phase("c", "implementation");
  j.started("c", 30);
  j.usage("c", { inputTokens: 0.2 * M, model: "house-model" });
  j.usage("c", { inputTokens: 0.5 * M, outputTokens: 0.1 * M, model: "house-model" });
  j.run(
    "c",
    1,
    "implementation",
    { inputTokens: 0.5 * M, outputTokens: 0.1 * M, model: "house-model" },
    "budget_exceeded",
  );
  j.status("c", "budget-exceeded", "run budget reached");
  j.status("d", "skipped", "not started: the run's budget is reached");
  // a's second attempt: its agent streams usage, then the orchestrator is killed (no agent.run).
  j.status("a", "running");
  j.phase("a", "implementation");
  j.started("a", 12);
  j.usage("a", { inputTokens: 400, outputTokens: 40, costUsd: 0.2 });
  j.add({ type: "run.status", status: "running", pausedSince: at(40) });
  j.started("a", 13);
  j.run("a", 2, "implementation", { inputTokens: 500, outputTokens: 50, costUsd: 0.25 });
  j.phase("a", "documentation");
  j.started("a", 14);
  j.run("a", 2, "documentation", { outputTokens: 300, costUsd: 0.05 });
  j.phase("a", "review");
  j.started("a", 15);
  j.run("a", 2, "review", { inputTokens: 700, costUsd: 0.1 });
  return j.events;
}

const task = (id: string, status: string, attempts: number) => ({
  runId: "run-c",
  taskId: id,
  status,
  startedAt: at(0),
  endedAt: at(60),
  updatedAt: at(60),
  attempts,
  phases: [],
});

function budgetState(budget: { maxUsd?: number; maxTokens?: number } = { maxUsd: 2 }): RunState {
  return RunState.parse({
    runId: "run-c",
    status: "failed",
    startedAt: at(0),
    updatedAt: at(60),
    repoRoot: "/repo",
    taskIds: ["a", "b", "c", "d"],
    definitions: Object.fromEntries(
      ["a", "b", "c", "d"].map((id) => [id, { id, slug: `task-${id}`, name: id, promptFile: `p/${id}.md` }]),
    ),
    tasks: {
      a: task("a", "completed", 2),
      b: task("b", "completed", 1),
      c: task("c", "budget-exceeded", 1),
      d: { ...task("d", "skipped", 0), error: "not started: the run's budget is reached" },
    },
    merges: {
      a: { branch: "gadugi/a", status: "merged", commit: "1", at: at(50) },
      b: { branch: "gadugi/b", status: "merged", commit: "2", at: at(51) },
    },
    settings: {
      maxParallel: 3,
      integrate: true,
      keepWorktrees: false,
      softEdges: "serialize",
      openPullRequest: false,
      github: "off",
      budget,
    },
  });
}

function reportOf(events: RunEvent[], state: RunState = budgetState()): RunReport {
  const ledger = CostLedger.of(events, pricing);
  ledger.end();
  const tasks = buildTaskReports(state, {}, undefined, ledger);
  return {
    runId: state.runId,
    status: state.status,
    repoRoot: state.repoRoot,
    startedAt: state.startedAt,
    endedAt: at(60),
    metrics: {
      runId: state.runId,
      wallTimeMs: 60000,
      sumTaskDurationsMs: 180000,
      speedup: 3,
      parallelEfficiency: 1,
      maxParallel: 3,
      criticalPath: [],
      criticalPathMs: 0,
      tasksTotal: 4,
      tasksCompleted: 2,
      tasksFailed: 1,
      tasksSkipped: 1,
      tasksCancelled: 0,
      tokens: 0,
      costUsd: 0,
    },
    tasks,
    cost: runCost(ledger, tasks, events, state.settings?.budget),
    warnings: [],
  };
}

const byId = (report: RunReport, id: string) => report.tasks.find((t) => t.id === id) as TaskReport;
const sum = (ns: number[]) => ns.reduce((n, x) => n + x, 0);

describe("the report's cost", () => {
  it("gives each task its cost per attempt and phase, a crashed agent's spend included", () => {
    const a = byId(reportOf(budgetRun()), "a");
    expect(a.usage?.map((u) => [u.attempt, u.purpose, u.runs])).toEqual([
      [1, "implementation", 1],
      [1, "testing-fix", 1],
      [2, "implementation", 2],
      [2, "documentation", 1],
      [2, "review", 1],
    ]);
    // gpt-mock's placeholder price: 100k input at $1.25/M + 10k output at $10/M.
    expect(a.usage?.[1]?.costUsd).toBeCloseTo(0.225, 10);
    expect(a.usage?.[2]?.costUsd).toBeCloseTo(0.45, 10);
    expect(a.costUsd).toBeCloseTo(0.3 + 0.225 + 0.2 + 0.25 + 0.05 + 0.1, 10);
    expect(a.costUnknown).toBeUndefined();
    expect(a.tokens).toBe(2200 + 110_000 + 440 + 550 + 300 + 700);
  });

  it("adds up: each task's phases make its total, the tasks make the run's", () => {
    const report = reportOf(budgetRun());
    for (const t of report.tasks) {
      const usage = t.usage ?? [];
      expect(sum(usage.map((u) => u.costUsd)), t.id).toBeCloseTo(t.costUsd ?? 0, 10);
      if (t.tokens !== undefined) expect(sum(usage.map(totalsTokens)), t.id).toBe(t.tokens);
    }
    const total = report.cost?.total;
    expect(total?.costUsd).toBeCloseTo(sum(report.tasks.map((t) => t.costUsd ?? 0)), 10);
    expect(totalsTokens(total ?? (undefined as never))).toBe(sum(report.tasks.map((t) => t.tokens ?? 0)));
    expect(total).toMatchObject({ runs: 9, unknownCostRuns: 1, unknownUsageRuns: 1 });
  });

  it("says a task's unknown cost is unknown, and gives no cost per merged task then", () => {
    const report = reportOf(budgetRun());
    const b = byId(report, "b");
    expect(b).toMatchObject({ costUnknown: true, tokens: 0.1 * M });
    expect(b.costUsd).toBeCloseTo(0.1, 10);
    expect(report.cost?.perMergedTaskUsd).toBeUndefined();
    expect(byId(report, "d")).not.toHaveProperty("costUsd");
  });

  it("gives the cost per merged task when every cost is known", () => {
    // b's implementation agent did not run at all: every agent left has a known cost.
    const events = budgetRun().filter(
      (e) =>
        !(e.type === "agent.run" && e.taskId === "b" && e.purpose === "implementation") &&
        !(e.type === "agent.event" && e.event.type === "started" && e.event.pid === 20),
    );
    const report = reportOf(events);
    const total = report.cost?.total.costUsd ?? 0;
    expect(report.cost?.perMergedTaskUsd).toBeCloseTo(total / 2, 10);
  });

  it("says what the budget did: limit, spend, reached, the task it stopped and the one it never started", () => {
    const report = reportOf(budgetRun());
    const total = report.cost?.total;
    expect(report.cost?.budget).toEqual({
      maxUsd: 2,
      spentUsd: total?.costUsd,
      spentTokens: totalsTokens(total ?? (undefined as never)),
      reached: true,
      stopped: ["c"],
      notStarted: ["d"],
    });
  });

  it("has no budget section for a run without a budget that nothing stopped", () => {
    const events = budgetRun().filter(
      (e) => e.type !== "task.status" || (e.taskId !== "c" && e.taskId !== "d"),
    );
    const base = budgetState({});
    const state = RunState.parse({
      ...base,
      tasks: { ...base.tasks, c: task("c", "completed", 1), d: task("d", "completed", 1) },
    });
    expect(reportOf(events, state).cost?.budget).toBeUndefined();
  });

  it("renders the cost section and the per-phase table in Markdown", () => {
    const md = renderReportMarkdown(reportOf(budgetRun()));
    const total = reportOf(budgetRun()).cost?.total.costUsd ?? 0;
    expect(md).toContain("## Cost");
    expect(md).toMatch(
      /\| Total tokens \| ≥ [\d,]+ \(1 run unknown\) \(input [\d,]+, output [\d,]+, cache read 0, cache write 0\) \|/,
    );
    expect(md).toContain(`| Total cost | ≥ ${formatUsd(total)} (1 run unknown) |`);
    expect(md).toContain("| Cost per merged task | — (some cost unknown) |");
    expect(md).toContain(
      "| Budget | limit $2.00 · spent ≥ $2.23 (1 run unknown), ≥ 814,190 (1 run unknown) tokens · reached: yes · stopped: task-c · not started: task-d |",
    );
    expect(md).toContain("### Cost per task and phase");
    expect(md).toContain("| task-a | 1 | testing-fix | 1 | 100,000 | 10,000 | 0 | 0 | 110,000 | $0.2250 |");
    expect(md).toContain("| task-a | 2 | implementation | 2 | 900 | 90 | 0 | 0 | 990 | $0.4500 |");
    expect(md).toContain("| task-a |  | all | 6 |  |  |  |  | 114,190 | $1.13 |");
    expect(md).toContain("| task-b | 1 | implementation | 1 | 0 | 0 | 0 | 0 | unknown | unknown |");
    expect(md).toContain(
      "| task-b |  | all | 2 |  |  |  |  | ≥ 100,000 (1 run unknown) | ≥ $0.1000 (1 run unknown) |",
    );
    // The task table says the same.
    expect(md).toMatch(
      /\| task-b \| completed \| [^|]+ \| [^|]+ \| ≥ 100,000 \(1 run unknown\) \| ≥ \$0\.1000 \(1 run unknown\) \|/,
    );
    expect(md).toMatch(
      /\| task-d \| skipped: not started: the run's budget is reached \| [^|]+ \| [^|]+ \| — \| — \|/,
    );
  });

  it("renders the same in HTML", () => {
    const html = renderReportHtml(reportOf(budgetRun()));
    expect(html).toContain("<h2>Cost</h2>");
    expect(html).toContain("<tr><th>Cost per merged task</th><td>— (some cost unknown)</td></tr>");
    expect(html).toContain("reached: yes · stopped: task-c · not started: task-d");
    expect(html).toContain("<h3>Cost per task and phase</h3>");
    expect(html).toContain(
      "<tr><td>task-a</td><td>1</td><td>testing-fix</td><td>1</td><td>100,000</td><td>10,000</td><td>0</td><td>0</td><td>110,000</td><td>$0.2250</td></tr>",
    );
    expect(html).toContain("<td>≥ $0.1000 (1 run unknown)</td>");
  });

  it("never prints a zero for a run whose every cost is unknown", () => {
    const j = journal();
    j.status("a", "running");
    j.started("a", 10);
    // An agent that never reported usage, and whose orchestrator never journaled its end.
    const report = reportOf(j.events, budgetState({}));
    expect(report.cost?.total).toMatchObject({ runs: 1, unknownCostRuns: 1, costUsd: 0 });
    const md = renderReportMarkdown(report);
    expect(md).toContain("| Total cost | unknown |");
    expect(md).toContain("| Total tokens | unknown |");
    expect(md).not.toContain("$0.0000");
    expect(md).not.toContain("(input 0");
    expect(renderReportHtml(report)).toContain("<tr><th>Total cost</th><td>unknown</td></tr>");
  });
});
