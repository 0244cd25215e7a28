import { GadugiError } from "@gadugi/error-handling";
import { GadugiConfig, type RunEventInput } from "@gadugi/interfaces";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { RunBudgetGuard } from "./budget.js";
import { BackgroundWrites, ObservedStateManager, type Session } from "./session.js";

// The run budget's guard over a real journal: thresholds once each, agent runs stopped at the
// budget, admission with expected costs, and a resume's guard that starts from what was spent.

const temp = useTempDirs();

async function session(budget: Session["budget"], runId = "run-budget-1") {
  const repoRoot = temp.dir();
  const state = new ObservedStateManager(repoRoot);
  await state.createRun({ runId, tasks: [{ id: "a", slug: "a", name: "a", promptFile: "a.md" }] });
  const s = {
    runId,
    repoRoot,
    config: GadugiConfig.parse({}),
    state,
    ...(budget ? { budget } : {}),
    warnings: [],
    background: new BackgroundWrites(),
  } as unknown as Session;
  return s;
}

/** An agent run's end with the CLI's stated cost. */
const ran = (taskId: string, costUsd: number, agent = "claude"): RunEventInput => ({
  type: "agent.run",
  taskId,
  attempt: 1,
  purpose: "implementation",
  agent,
  outcome: "ok",
  usage: { inputTokens: 100, outputTokens: 10, costUsd },
});

/** A running agent's streamed usage so far. */
const streamed = (taskId: string, costUsd: number): RunEventInput => ({
  type: "agent.event",
  taskId,
  event: {
    type: "usage",
    at: new Date().toISOString(),
    usage: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd },
  },
});

async function thresholds(s: Session): Promise<number[]> {
  await s.background.settle();
  const { EventJournal } = await import("@gadugi/state");
  const { events } = await EventJournal.forRun(s.repoRoot, s.runId).read();
  return events.flatMap((e) => (e.type === "budget.threshold" ? [e.percent] : []));
}

describe("RunBudgetGuard", () => {
  it("journals 50, 80 and 100 % once each, stops the scheduler and the running agent runs at the budget", async () => {
    const s = await session({ maxUsd: 1 });
    const guard = await RunBudgetGuard.open(s);
    const stops: string[] = [];
    guard.bind({ stop: (reason) => stops.push(reason) });
    const agent = guard.agentSignal("b", new AbortController().signal);
    await s.state.record(s.runId, ran("a", 0.55));
    await s.state.record(s.runId, streamed("b", 0.1));
    expect(agent.signal.aborted).toBe(false);
    await s.state.record(s.runId, streamed("b", 0.3));
    await s.state.record(s.runId, streamed("b", 0.5));
    expect(await thresholds(s)).toEqual([50, 80, 100]);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatch(
      /^not started: the run's budget of \$1\.00 was reached \(spent \$1\.05\); continue with `gadugi resume run-budget-1 --max-budget-usd <usd>`$/,
    );
    expect(agent.signal.aborted).toBe(true);
    expect(GadugiError.is(agent.signal.reason, "GADUGI_BUDGET_EXCEEDED")).toBe(true);
    // No agent starts any more; a task spent what it spent.
    expect(guard.reachedReason).toBe(stops[0]);
    expect(guard.admit()).toBe(stops[0]);
    expect(guard.taskSpentUsd("a")).toBeCloseTo(0.55, 10);
    expect(guard.spend().usd).toBeCloseTo(1.05, 10);
  });

  it("holds a task back while the running tasks' expected spend would reach the budget", async () => {
    const s = await session({ maxUsd: 1 });
    const guard = await RunBudgetGuard.open(
      s,
      new Map([
        ["a", 0.6],
        ["b", 0.6],
      ]),
    );
    expect(guard.admit()).toBeUndefined();
    const endA = guard.taskStarted("a");
    // a is expected to spend 0.60: b (whatever it costs) may start only while 0.60 < 1.
    expect(guard.admit()).toBeUndefined();
    const endB = guard.taskStarted("b");
    expect(guard.admit()).toMatch(/is spent or committed to the running tasks/);
    // What a has spent already is no longer expected of it.
    await s.state.record(s.runId, ran("a", 0.5));
    endA();
    expect(guard.admit()).toMatch(/committed/);
    endB();
    expect(guard.admit()).toBeUndefined();
  });

  it("a resume's guard starts from the journal: a raised budget says its thresholds afresh", async () => {
    const s = await session({ maxUsd: 1 });
    const first = await RunBudgetGuard.open(s);
    first.bind({ stop: () => undefined });
    await s.state.record(s.runId, ran("a", 1.2));
    expect(await thresholds(s)).toEqual([50, 80, 100]);
    // The same budget again: reached at once, nothing said twice.
    const same = await RunBudgetGuard.open({ ...s, budget: { maxUsd: 1 } } as Session);
    const stops: string[] = [];
    same.bind({ stop: (reason) => stops.push(reason) });
    expect(same.spend().usd).toBeCloseTo(1.2, 10);
    expect(stops).toEqual([
      expect.stringMatching(/budget of \$1\.00 was reached \(spent \$1\.20\); continue with `gadugi resume/),
    ]);
    expect(same.admit()).toBe(stops[0]);
    // A raised one: 1.20 of 2.00 is 60 %, said once the next spend comes.
    const raised = await RunBudgetGuard.open({ ...s, budget: { maxUsd: 2 } } as Session);
    expect(raised.admit()).toBeUndefined();
    await s.state.record(s.runId, ran("b", 0.01));
    expect(await thresholds(s)).toEqual([50, 80, 100, 50]);
  });

  it("warns once per agent whose runs have no known cost: the USD budget cannot see them", async () => {
    const s = await session({ maxUsd: 1 });
    await RunBudgetGuard.open(s);
    const unknown = (taskId: string, usage?: { inputTokens: number; outputTokens: number; model?: string }) =>
      s.state.record(s.runId, {
        type: "agent.run",
        taskId,
        attempt: 1,
        purpose: "implementation",
        agent: "dev",
        outcome: "ok",
        ...(usage ? { usage } : {}),
      });
    await unknown("a");
    await unknown("b", { inputTokens: 10, outputTokens: 1, model: "my-model" });
    await s.state.record(s.runId, ran("c", 0.1));
    await s.background.settle();
    const { EventJournal } = await import("@gadugi/state");
    const { events } = await EventJournal.forRun(s.repoRoot, s.runId).read();
    const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
    expect(warnings).toEqual([
      "the cost of agent dev's runs is unknown (it printed no usage): they count as nothing against the run's budget of $1.00",
    ]);
  });

  it("without a limit it only keeps the ledger", async () => {
    const s = await session(undefined);
    const guard = await RunBudgetGuard.open(s);
    await s.state.record(s.runId, ran("a", 100));
    expect(guard.admit()).toBeUndefined();
    expect(guard.reachedReason).toBeUndefined();
    expect(guard.taskSpentUsd("a")).toBe(100);
    expect(await thresholds(s)).toEqual([]);
  });
});
