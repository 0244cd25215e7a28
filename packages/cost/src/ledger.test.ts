import { type AgentEvent, RunEvent, type RunEventInput } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { CostLedger, emptyTotals, totalsTokens } from "./ledger.js";

/** A journal under construction: each event parsed through the real RunEvent schema. */
function journal() {
  const events: RunEvent[] = [];
  const add = (input: RunEventInput) => {
    events.push(
      RunEvent.parse({ ...input, seq: events.length + 1, at: "2026-01-01T00:00:00.000Z", runId: "r" }),
    );
  };
  const agent = (taskId: string, event: Omit<AgentEvent, "at">) =>
    add({ type: "agent.event", taskId, event: { ...event, at: "2026-01-01T00:00:00.000Z" } as AgentEvent });
  return {
    events,
    add,
    phase: (taskId: string, phase: "implementation" | "testing" | "documentation" | "review") =>
      add({ type: "phase.started", taskId, phase }),
    started: (taskId: string, pid?: number, sessionId?: string) =>
      agent(taskId, {
        type: "started",
        ...(pid === undefined ? {} : { pid }),
        ...(sessionId ? { sessionId } : {}),
      }),
    usage: (taskId: string, usage: Record<string, unknown>) =>
      agent(taskId, { type: "usage", usage } as AgentEvent),
    run: (taskId: string, attempt: number, purpose: string, usage?: Record<string, unknown>) =>
      add({
        type: "agent.run",
        taskId,
        attempt,
        purpose,
        agent: "claude",
        outcome: "ok",
        ...(usage ? { usage } : {}),
      } as RunEventInput),
    ledger: () => CostLedger.of(events, { m: { inputPerMTok: 1, outputPerMTok: 2 } }),
  };
}

const M = 1_000_000;

describe("CostLedger", () => {
  it("keeps the last of an agent's cumulative usage events, not their sum", () => {
    const j = journal();
    j.started("a", 10);
    j.usage("a", { inputTokens: 100, outputTokens: 10, model: "m" });
    j.usage("a", { inputTokens: 300, outputTokens: 30, model: "m" });
    const running = j.ledger().running("a");
    expect(running?.inputTokens).toBe(300);
    expect(running?.outputTokens).toBe(30);
    expect(running?.runs).toBe(1);
  });

  it("ends a run at its agent.run, with the attempt, purpose and final usage it names", () => {
    const j = journal();
    j.phase("a", "implementation");
    j.started("a", 10);
    j.usage("a", { inputTokens: 100, model: "m" });
    j.run("a", 1, "implementation", { inputTokens: M, outputTokens: M, model: "m" });
    const ledger = j.ledger();
    expect(ledger.running("a")).toBeUndefined();
    expect(ledger.phases("a")).toEqual([
      {
        attempt: 1,
        purpose: "implementation",
        ...emptyTotals(),
        inputTokens: M,
        outputTokens: M,
        costUsd: 3,
        runs: 1,
      },
    ]);
  });

  it("counts the CLI's session announcement and its process start as one run", () => {
    const j = journal();
    j.started("a", 10);
    j.started("a", 10, "session-1");
    j.started("a", undefined, "session-1");
    j.run("a", 1, "implementation", { costUsd: 0.5 });
    expect(j.ledger().task("a")).toMatchObject({ runs: 1, costUsd: 0.5, unknownCostRuns: 0 });
  });

  it("counts an agent.run without usage as unknown tokens and cost, never as zero", () => {
    const j = journal();
    j.started("a", 10);
    j.run("a", 1, "implementation");
    j.started("a", 11);
    j.run("a", 1, "testing-fix", { costUsd: 0.25 });
    const task = j.ledger().task("a");
    expect(task).toMatchObject({ runs: 2, unknownUsageRuns: 1, unknownCostRuns: 1, costUsd: 0.25 });
  });

  it("counts tokens of a model with no price with unknown cost but known tokens", () => {
    const j = journal();
    j.run("a", 1, "implementation", { inputTokens: 500, model: "unpriced" });
    expect(j.ledger().task("a")).toMatchObject({
      inputTokens: 500,
      unknownCostRuns: 1,
      unknownUsageRuns: 0,
      costUsd: 0,
    });
  });

  it("keeps what an agent streamed when its agent.run names no usage", () => {
    const j = journal();
    j.started("a", 10);
    j.usage("a", { inputTokens: M, model: "m" });
    j.run("a", 1, "implementation");
    expect(j.ledger().task("a")).toMatchObject({ inputTokens: M, costUsd: 1, unknownCostRuns: 0 });
  });

  it("keeps the spend of an agent its orchestrator's crash cut off, when the next agent starts", () => {
    const j = journal();
    j.phase("a", "implementation");
    j.add({ type: "task.updated", taskId: "a", patch: { attempts: 1 } });
    j.started("a", 10);
    j.usage("a", { inputTokens: M, model: "m" });
    // The orchestrator dies here: no agent.run. The resume starts the task's agent again.
    j.started("a", 20);
    j.usage("a", { outputTokens: M, model: "m" });
    j.run("a", 1, "implementation", { outputTokens: M, model: "m" });
    const ledger = j.ledger();
    expect(ledger.task("a")).toMatchObject({ runs: 2, inputTokens: M, outputTokens: M, costUsd: 3 });
    expect(ledger.phases("a")).toHaveLength(1);
  });

  it("ends the crashed orchestrator's agents at the resume, an agent with no usage as unknown", () => {
    const j = journal();
    j.started("a", 10);
    j.usage("a", { inputTokens: M, model: "m" });
    j.started("b", 11);
    j.add({ type: "run.status", status: "running", pausedSince: "2026-01-01T00:00:00.000Z" });
    // The same pid after the resume is another process.
    j.started("a", 10);
    const ledger = j.ledger();
    expect(ledger.task("a")).toMatchObject({ runs: 2, costUsd: 1, unknownCostRuns: 0 });
    expect(ledger.running("a")?.runs).toBe(1);
    expect(ledger.task("b")).toMatchObject({ runs: 1, unknownUsageRuns: 1, unknownCostRuns: 1 });
    expect(ledger.running("b")).toBeUndefined();
  });

  it("does not count a running agent that has not reported usage yet as unknown, until the run ends", () => {
    const j = journal();
    j.started("a", 10);
    const ledger = j.ledger();
    expect(ledger.running("a")).toMatchObject({ runs: 1, unknownCostRuns: 0, costUsd: 0 });
    ledger.end();
    expect(ledger.running("a")).toBeUndefined();
    expect(ledger.task("a")).toMatchObject({ runs: 1, unknownCostRuns: 1, unknownUsageRuns: 1 });
  });

  it("takes a finished event's usage as the agent's last", () => {
    const j = journal();
    j.started("a", 10);
    j.usage("a", { inputTokens: 1, model: "m" });
    j.add({
      type: "agent.event",
      taskId: "a",
      event: {
        type: "finished",
        at: "2026-01-01T00:00:00.000Z",
        outcome: "ok",
        exitCode: 0,
        usage: { costUsd: 2 },
      },
    } as RunEventInput);
    expect(j.ledger().running("a")).toMatchObject({ costUsd: 2, inputTokens: 0 });
  });

  it("groups a task's runs per attempt and phase, in the order they first ran, adding up to the task", () => {
    const j = journal();
    j.phase("a", "implementation");
    j.run("a", 1, "implementation", { costUsd: 1, inputTokens: 10 });
    j.phase("a", "testing");
    j.run("a", 1, "testing-fix", { costUsd: 0.5, inputTokens: 5 });
    j.run("a", 1, "testing-fix", { costUsd: 0.5, inputTokens: 5 });
    j.run("a", 2, "implementation", { costUsd: 2, inputTokens: 20 });
    j.phase("a", "documentation");
    j.run("a", 2, "documentation", { costUsd: 0.25, outputTokens: 7 });
    j.phase("a", "review");
    j.run("a", 2, "review");
    j.run("b", 1, "implementation", { costUsd: 4 });
    const ledger = j.ledger();
    const phases = ledger.phases("a");
    expect(phases.map((p) => [p.attempt, p.purpose, p.runs, p.costUsd])).toEqual([
      [1, "implementation", 1, 1],
      [1, "testing-fix", 2, 1],
      [2, "implementation", 1, 2],
      [2, "documentation", 1, 0.25],
      [2, "review", 1, 0],
    ]);
    expect(phases.at(-1)?.unknownCostRuns).toBe(1);
    const task = ledger.task("a");
    expect(phases.reduce((n, p) => n + p.costUsd, 0)).toBe(task.costUsd);
    expect(phases.reduce((n, p) => n + totalsTokens(p), 0)).toBe(totalsTokens(task));
    expect(ledger.totals()).toMatchObject({ costUsd: 8.25, runs: 7, unknownCostRuns: 1 });
    expect(ledger.taskIds()).toEqual(["a", "b"]);
  });

  it("names an open run's purpose after the task's phase and its attempt after the task's", () => {
    const j = journal();
    j.add({ type: "task.updated", taskId: "a", patch: { attempts: 2 } });
    j.phase("a", "testing");
    j.started("a", 10);
    j.usage("a", { costUsd: 0.1 });
    expect(j.ledger().phases("a")).toMatchObject([{ attempt: 2, purpose: "testing-fix", costUsd: 0.1 }]);
  });

  it("counts a task's starts as its attempts for an agent still running", () => {
    const j = journal();
    j.add({ type: "task.status", taskId: "a", status: "running" });
    j.run("a", 1, "implementation", { costUsd: 1 });
    j.add({ type: "task.status", taskId: "a", status: "running" });
    j.started("a", 10);
    expect(
      j
        .ledger()
        .phases("a")
        .map((p) => p.attempt),
    ).toEqual([1, 2]);
  });

  it("has nothing for a task no agent ran for, and ignores other events", () => {
    const j = journal();
    j.add({ type: "warning", message: "hello" });
    j.add({ type: "task.status", taskId: "a", status: "skipped", reason: "budget reached" });
    const ledger = j.ledger();
    expect(ledger.task("a")).toEqual(emptyTotals());
    expect(ledger.phases("a")).toEqual([]);
    expect(ledger.totals()).toEqual(emptyTotals());
    expect(ledger.taskIds()).toEqual([]);
  });
});
