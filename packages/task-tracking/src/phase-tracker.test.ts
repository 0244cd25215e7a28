import { GadugiError } from "@gadugi/error-handling";
import { PhaseRecord } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { type PhaseChange, WorkflowPhaseTracker } from "./phase-tracker.js";
import { fakeClock } from "./test-helpers/index.js";

describe("WorkflowPhaseTracker", () => {
  it("times phases with the injected clock and returns schema-valid records in workflow order", () => {
    const clock = fakeClock();
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    phases.start("t1", "setup");
    clock.advance(1500);
    phases.end("t1", "setup", { worktree: "/w/t1" });
    phases.start("t1", "implementation");
    expect(phases.current("t1")).toBe("implementation");
    clock.advance(60_000);
    phases.end("t1", "implementation");
    phases.skip("t1", "issue_creation", "GitHub disabled");

    const records = phases.records("t1");
    expect(records).toEqual([
      {
        phase: "setup",
        status: "completed",
        startedAt: "2025-01-01T00:00:00.000Z",
        endedAt: "2025-01-01T00:00:01.500Z",
        durationMs: 1500,
        data: { worktree: "/w/t1" },
      },
      {
        phase: "issue_creation",
        status: "skipped",
        endedAt: "2025-01-01T00:01:01.500Z",
        reason: "GitHub disabled",
        data: {},
      },
      {
        phase: "implementation",
        status: "completed",
        startedAt: "2025-01-01T00:00:01.500Z",
        endedAt: "2025-01-01T00:01:01.500Z",
        durationMs: 60_000,
        data: {},
      },
    ]);
    for (const r of records) expect(PhaseRecord.parse(r)).toEqual(r);
    expect(phases.current("t1")).toBeUndefined();
  });

  it("keeps the reason of a failed phase and lets it be started again (retry)", () => {
    const clock = fakeClock();
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    phases.start("t1", "testing");
    clock.advance(2000);
    expect(phases.fail("t1", "testing", "3 tests failed", { exitCode: 1 })).toMatchObject({
      status: "failed",
      durationMs: 2000,
      reason: "3 tests failed",
      data: { exitCode: 1 },
    });
    phases.start("t1", "testing");
    clock.advance(1000);
    expect(phases.end("t1", "testing")).toMatchObject({ status: "completed", durationMs: 1000 });
    expect(phases.records("t1")[0]).not.toHaveProperty("reason");
  });

  it("refuses to end, fail or restart a phase that is not in the right state", () => {
    const phases = new WorkflowPhaseTracker({ now: fakeClock().now });
    expect(() => phases.end("t1", "review")).toThrow(/running phase of task t1 \(it is not started\)/);
    expect(() => phases.fail("t1", "review", "x")).toThrow(GadugiError);
    phases.start("t1", "review");
    expect(() => phases.start("t1", "review")).toThrow(/not running/);
    expect(() => phases.skip("t1", "review", "no reviewer")).toThrow(/not running/);
    phases.end("t1", "review");
    expect(() => phases.end("t1", "review")).toThrow(/\(it is completed\)/);
    expect(() => phases.skip("t1", "review", "x")).toThrow(/not completed/);
    try {
      phases.end("t2", "setup");
    } catch (error) {
      expect(GadugiError.is(error, "GADUGI_INVALID_ARGUMENT")).toBe(true);
      expect((error as GadugiError).hint).toMatch(/bug in the caller/);
    }
    expect.assertions(8);
  });

  it("requires a reason to skip or fail", () => {
    const phases = new WorkflowPhaseTracker();
    expect(() => phases.skip("t1", "documentation", "  ")).toThrow(/non-empty reason/);
    phases.start("t1", "documentation");
    expect(() => phases.fail("t1", "documentation", "")).toThrow(/non-empty reason/);
    expect(phases.current("t1")).toBe("documentation");
  });

  it("never reports a negative duration when the clock steps back", () => {
    const clock = fakeClock();
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    phases.start("t1", "setup");
    clock.advance(-5000);
    expect(phases.end("t1", "setup").durationMs).toBe(0);
  });

  it("totals each phase across tasks", () => {
    const clock = fakeClock();
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    for (const [task, ms] of [
      ["a", 1000],
      ["b", 3000],
    ] as const) {
      phases.start(task, "implementation");
      clock.advance(ms);
      phases.end(task, "implementation");
    }
    phases.start("c", "implementation");
    clock.advance(500);
    phases.fail("c", "implementation", "agent crashed");
    phases.skip("a", "review", "no reviewer");
    phases.start("b", "review");

    const totals = phases.totals();
    expect(totals.map((t) => t.phase)).toEqual([
      "setup",
      "issue_creation",
      "branch_creation",
      "implementation",
      "testing",
      "documentation",
      "pr_creation",
      "review",
    ]);
    expect(totals.find((t) => t.phase === "implementation")).toEqual({
      phase: "implementation",
      running: 0,
      completed: 2,
      failed: 1,
      skipped: 0,
      totalMs: 4500,
      maxMs: 3000,
    });
    expect(totals.find((t) => t.phase === "review")).toMatchObject({ running: 1, skipped: 1, totalMs: 0 });
    expect(totals.find((t) => t.phase === "setup")).toMatchObject({ completed: 0, totalMs: 0, maxMs: 0 });
  });

  it("emits changes and restores records (resuming a running phase's timer)", () => {
    const clock = fakeClock();
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    const seen: PhaseChange[] = [];
    phases.on((c) => seen.push(c));
    phases.start("t1", "setup");
    clock.advance(10);
    phases.end("t1", "setup");
    phases.start("t1", "branch_creation");
    expect(seen.map((c) => `${c.phase}:${c.status}`)).toEqual([
      "setup:running",
      "setup:completed",
      "branch_creation:running",
    ]);

    const resumed = new WorkflowPhaseTracker({ now: clock.now });
    resumed.restore("t1", JSON.parse(JSON.stringify(phases.records("t1"))));
    clock.advance(4000);
    expect(resumed.end("t1", "branch_creation").durationMs).toBe(4000);
    expect(resumed.records("t1")[0]).toEqual(phases.records("t1")[0]);
    expect(() => resumed.restore("t2", [{ phase: "nope", status: "running" }], "state.json")).toThrow(
      /state\.json is not valid/,
    );
  });
});
