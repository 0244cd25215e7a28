import { appendFile } from "node:fs/promises";
import type { RunEvent } from "@gadugi/interfaces";
import { RunState } from "@gadugi/interfaces";
import { afterEach, describe, expect, it } from "vitest";
import { applyRunEvent, EventJournal, rebuildRunState, reduceRunState } from "./index.js";
import { cleanupTempDirs, tempDir } from "./test-helpers/index.js";

afterEach(cleanupTempDirs);

let seq = 0;
function ev<T extends Omit<RunEvent, "seq" | "at" | "runId">>(event: T, at: string): RunEvent {
  seq += 1;
  return { seq, at, runId: "run-1", ...event } as unknown as RunEvent;
}

const task = {
  id: "task-20250101-000000-abcd",
  slug: "add-x",
  name: "Add X",
  promptFile: "prompts/add-x.md",
  description: "",
  sections: {},
  targetFiles: [],
  dependencies: [],
  type: "feature",
  complexity: "medium",
  priority: "medium",
  status: "pending",
  issueNumber: 12,
} as const;

function story(): RunEvent[] {
  seq = 0;
  return [
    ev(
      {
        type: "run.started",
        repoRoot: "/repo",
        baseRef: "main",
        promptFiles: ["p.md"],
        owner: { pid: 1, host: "h" },
      },
      "2025-01-01T00:00:00.000Z",
    ),
    ev({ type: "task.added", task }, "2025-01-01T00:00:01.000Z"),
    ev({ type: "task.status", taskId: task.id, status: "running" }, "2025-01-01T00:00:02.000Z"),
    ev({ type: "phase.started", taskId: task.id, phase: "setup" }, "2025-01-01T00:00:02.000Z"),
    ev(
      { type: "process.started", taskId: task.id, pid: 42, command: ["claude"] },
      "2025-01-01T00:00:02.500Z",
    ),
    ev(
      {
        type: "phase.finished",
        taskId: task.id,
        phase: "setup",
        status: "completed",
        data: { worktree: "/w" },
      },
      "2025-01-01T00:00:04.500Z",
    ),
    ev(
      { type: "task.updated", taskId: task.id, patch: { branch: "gadugi/add-x", worktreePath: "/w" } },
      "2025-01-01T00:00:05.000Z",
    ),
    ev({ type: "phase.started", taskId: task.id, phase: "implementation" }, "2025-01-01T00:00:06.000Z"),
    ev(
      {
        type: "phase.finished",
        taskId: task.id,
        phase: "implementation",
        status: "failed",
        reason: "agent timed out",
        durationMs: 999,
      },
      "2025-01-01T00:00:09.000Z",
    ),
    ev(
      { type: "task.status", taskId: task.id, status: "failed", reason: "agent timed out" },
      "2025-01-01T00:00:09.000Z",
    ),
    ev(
      { type: "merge.result", taskId: task.id, branch: "gadugi/add-x", status: "skipped" },
      "2025-01-01T00:00:10.000Z",
    ),
    ev({ type: "run.finished", status: "failed" }, "2025-01-01T00:00:11.000Z"),
  ];
}

describe("reduceRunState", () => {
  it("folds a whole run into a valid RunState", () => {
    const state = reduceRunState(story());
    expect(RunState.parse(state)).toEqual(state);
    expect(state).toMatchObject({
      runId: "run-1",
      status: "failed",
      startedAt: "2025-01-01T00:00:00.000Z",
      endedAt: "2025-01-01T00:00:11.000Z",
      updatedAt: "2025-01-01T00:00:11.000Z",
      repoRoot: "/repo",
      baseRef: "main",
      promptFiles: ["p.md"],
      owner: { pid: 1, host: "h" },
      taskIds: [task.id],
      journalSeq: 12,
    });
    expect(state.definitions[task.id]?.slug).toBe(task.slug);
    expect(state.merges[task.id]).toEqual({
      branch: "gadugi/add-x",
      status: "skipped",
      conflictFiles: [],
      at: "2025-01-01T00:00:10.000Z",
    });
    const t = state.tasks[task.id];
    expect(t).toMatchObject({
      status: "failed",
      attempts: 1,
      issueNumber: 12,
      branch: "gadugi/add-x",
      worktreePath: "/w",
      currentPhase: "implementation",
      startedAt: "2025-01-01T00:00:02.000Z",
      endedAt: "2025-01-01T00:00:09.000Z",
      error: "agent timed out",
    });
    expect(t?.phases).toEqual([
      {
        phase: "setup",
        status: "completed",
        startedAt: "2025-01-01T00:00:02.000Z",
        endedAt: "2025-01-01T00:00:04.500Z",
        durationMs: 2500,
        data: { worktree: "/w" },
      },
      {
        phase: "implementation",
        status: "failed",
        startedAt: "2025-01-01T00:00:06.000Z",
        endedAt: "2025-01-01T00:00:09.000Z",
        durationMs: 999,
        reason: "agent timed out",
        data: {},
      },
    ]);
  });

  it("continues from an initial state, skipping events it already holds, without modifying it", () => {
    const events = story();
    const partial = reduceRunState(events.slice(0, 5));
    const frozen = structuredClone(partial);
    const full = reduceRunState(events, { initial: partial });
    expect(partial).toEqual(frozen);
    expect(full).toEqual(reduceRunState(events));
  });

  it("restarts a phase on a retry and counts attempts", () => {
    const events = story().slice(0, 3);
    const at = "2025-01-01T00:01:00.000Z";
    let state = reduceRunState(events);
    state = applyRunEvent(state, ev({ type: "phase.started", taskId: task.id, phase: "testing" }, at));
    state = applyRunEvent(
      state,
      ev({ type: "phase.finished", taskId: task.id, phase: "testing", status: "failed", reason: "x" }, at),
    );
    state = applyRunEvent(state, ev({ type: "task.status", taskId: task.id, status: "queued" }, at));
    state = applyRunEvent(state, ev({ type: "task.status", taskId: task.id, status: "running" }, at));
    state = applyRunEvent(
      state,
      ev({ type: "phase.started", taskId: task.id, phase: "testing" }, "2025-01-01T00:02:00.000Z"),
    );
    const t = state.tasks[task.id];
    expect(t?.attempts).toBe(2);
    expect(t?.phases).toEqual([
      { phase: "testing", status: "running", startedAt: "2025-01-01T00:02:00.000Z", data: {} },
    ]);
  });

  it("creates a task that only appears in task.updated, and records task errors", () => {
    const events = story().slice(0, 1);
    const at = "2025-01-01T00:01:00.000Z";
    let state = reduceRunState(events);
    state = applyRunEvent(
      state,
      ev({ type: "task.updated", taskId: "t2", patch: { status: "queued", attempts: 3 } }, at),
    );
    state = applyRunEvent(
      state,
      ev(
        {
          type: "error",
          context: {
            code: "GADUGI_AGENT_FAILED",
            message: "boom",
            taskId: "t2",
            timestamp: at,
            causes: [],
            details: {},
          },
        },
        at,
      ),
    );
    expect(state.taskIds).toEqual(["t2"]);
    expect(state.tasks.t2).toMatchObject({
      runId: "run-1",
      taskId: "t2",
      status: "queued",
      attempts: 3,
      phases: [],
      error: "boom",
    });
  });

  it("keeps the run's settings, every agent run, and a restart that forgets the phases to redo", () => {
    const events = story().slice(0, 8);
    const settings = {
      agent: "beta",
      maxParallel: 2,
      integrate: true,
      keepWorktrees: false,
      softEdges: "serialize",
      openPullRequest: false,
      github: "off",
    } as const;
    events.push(
      ev({ type: "run.settings", settings, overrides: [] }, "2025-01-01T00:00:06.100Z"),
      ev(
        {
          type: "agent.run",
          taskId: task.id,
          attempt: 1,
          purpose: "implementation",
          agent: "beta",
          outcome: "ok",
          usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
        },
        "2025-01-01T00:00:07.000Z",
      ),
      ev(
        {
          type: "task.restarted",
          taskId: task.id,
          startPoint: "abc",
          reason: "conflict",
          backupBranch: "b-1",
        },
        "2025-01-01T00:00:08.000Z",
      ),
    );
    const state = RunState.parse(reduceRunState(events));
    expect(state.settings).toEqual(settings);
    expect(state.agentRuns[task.id]).toEqual([
      {
        attempt: 1,
        purpose: "implementation",
        agent: "beta",
        outcome: "ok",
        usage: { inputTokens: 5, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
        at: "2025-01-01T00:00:07.000Z",
      },
    ]);
    const t = state.tasks[task.id];
    expect(t?.phases.map((p) => p.phase)).toEqual(["setup"]);
    expect(t?.restart).toEqual({
      startPoint: "abc",
      reason: "conflict",
      backupBranch: "b-1",
      at: "2025-01-01T00:00:08.000Z",
    });
  });

  it("records the span before a resume as a pause, and only a real one", () => {
    seq = 0;
    const events = [
      ev({ type: "run.started", repoRoot: "/repo", promptFiles: [] }, "2025-01-01T00:00:00.000Z"),
      ev({ type: "run.finished", status: "failed" }, "2025-01-01T00:00:10.000Z"),
      ev(
        { type: "run.status", status: "running", reason: "resumed", pausedSince: "2025-01-01T00:00:10.000Z" },
        "2025-01-01T00:05:00.000Z",
      ),
      // A pausedSince that is not before the event is no pause.
      ev(
        { type: "run.status", status: "running", pausedSince: "2025-01-01T00:06:00.000Z" },
        "2025-01-01T00:06:00.000Z",
      ),
    ];
    const state = reduceRunState(events);
    expect(state.pauses).toEqual([{ from: "2025-01-01T00:00:10.000Z", to: "2025-01-01T00:05:00.000Z" }]);
    expect(state.status).toBe("running");
    expect(state.endedAt).toBeUndefined();
    expect(RunState.parse(state)).toEqual(state);
    expect(reduceRunState(events.slice(0, 2)).pauses).toBeUndefined();
  });

  it("refuses events without a run.started", () => {
    const events = story().slice(1);
    expect(() => reduceRunState(events)).toThrow(/before run.started/);
    expect(() => reduceRunState([])).toThrow(/no run.started/);
  });
});

describe("rebuildRunState", () => {
  it("rebuilds state from the journal on disk and reports tolerated problems", async () => {
    const repo = await tempDir();
    const journal = EventJournal.forRun(repo, "run-1");
    for (const event of story()) {
      const { seq: _s, at: _a, runId: _r, ...input } = event;
      await journal.append(input as never);
    }
    await appendFile(journal.path, '{"seq":');
    const warnings: string[] = [];
    const state = await rebuildRunState(repo, "run-1", { onWarning: (w) => warnings.push(w) });
    expect(state.status).toBe("failed");
    expect(state.tasks[task.id]?.branch).toBe("gadugi/add-x");
    expect(warnings).toHaveLength(1);
  });

  it("throws GADUGI_STATE_NOT_FOUND without a journal", async () => {
    const repo = await tempDir();
    await expect(rebuildRunState(repo, "run-1")).rejects.toMatchObject({ code: "GADUGI_STATE_NOT_FOUND" });
  });
});

describe("merge.result and the merge rules", () => {
  const skipped = {
    file: "uv.lock",
    rule: "lockfile",
    result: "skipped",
    reason: "uv is not installed",
  } as const;
  const applied = { file: "CHANGES.md", rule: "append-only", result: "applied", reason: "union" } as const;
  const merge = (status: "merged" | "conflict", rules: (typeof skipped | typeof applied)[]) =>
    ev(
      { type: "merge.result", taskId: "t1", branch: "gadugi/t1", status, rules },
      "2025-01-01T00:00:01.000Z",
    );

  it("keeps the rules a conflicting merge applied when the re-run's merge replaces it", () => {
    const state = reduceRunState([...story(), merge("conflict", [skipped]), merge("merged", [applied])]);
    expect(state.merges.t1).toMatchObject({ status: "merged", rules: [applied], earlierRules: [skipped] });
    expect(RunState.parse(state)).toEqual(state);
  });

  it("does not count a merge recorded again (a resume's repair) as an earlier one", () => {
    const state = reduceRunState([...story(), merge("merged", [applied]), merge("merged", [applied])]);
    expect(state.merges.t1?.earlierRules).toBeUndefined();
  });
});
