import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GadugiError } from "@gadugi/error-handling";
import type { RunState } from "@gadugi/interfaces";
import { afterEach, describe, expect, it } from "vitest";
import { EventJournal, rebuildRunState, WorkflowStateManager } from "./index.js";
import { cleanupTempDirs, git, gitRepo, listFiles, steppingClock, tempDir } from "./test-helpers/index.js";

const managers: WorkflowStateManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await cleanupTempDirs();
});

function manager(repo: string, options: ConstructorParameters<typeof WorkflowStateManager>[1] = {}) {
  const m = new WorkflowStateManager(repo, options);
  managers.push(m);
  return m;
}

const taskInput = {
  id: "task-20250101-000000-abcd",
  slug: "add-x",
  name: "Add X",
  promptFile: "prompts/add-x.md",
};

describe("WorkflowStateManager", () => {
  it("creates a run: state.json, journal, lock, and .gadugi/ excluded from git", async () => {
    const repo = await gitRepo();
    const m = manager(repo);
    const state = await m.createRun({
      runId: "r1",
      baseRef: "main",
      tasks: [taskInput],
      integrationBranch: "gadugi/integration-r1",
    });
    expect(state).toMatchObject({
      runId: "r1",
      status: "running",
      baseRef: "main",
      repoRoot: repo,
      taskIds: [taskInput.id],
      integrationBranch: "gadugi/integration-r1",
      journalSeq: 2,
      owner: { pid: process.pid },
    });
    expect(await listFiles(join(repo, ".gadugi"))).toEqual([
      "runs/r1/events.jsonl",
      "runs/r1/lock",
      "runs/r1/state.json",
    ]);
    expect(JSON.parse(await readFile(join(repo, ".gadugi/runs/r1/state.json"), "utf8"))).toEqual(state);
    // Rebuilt from the journal alone, the run keeps its integration branch.
    expect((await rebuildRunState(repo, "r1")).integrationBranch).toBe("gadugi/integration-r1");
    expect(git(repo, ["status", "--porcelain"])).toBe("");
    expect(git(repo, ["check-ignore", ".gadugi/runs/r1/state.json"]).trim()).toBe(
      ".gadugi/runs/r1/state.json",
    );
  });

  it("writes the exclude entry once, however many runs are created", async () => {
    const repo = await gitRepo();
    const before = await readFile(join(repo, ".git/info/exclude"), "utf8").catch(() => "");
    const m = manager(repo);
    await m.createRun({ runId: "r1" });
    await m.createRun({ runId: "r2" });
    await manager(repo).createRun({ runId: "r3" });
    const after = await readFile(join(repo, ".git/info/exclude"), "utf8");
    expect(after.startsWith(before)).toBe(true);
    expect(after.split("\n").filter((line) => line === ".gadugi/")).toHaveLength(1);
  });

  it("excludes .gadugi/ through the common git dir in a linked worktree", async () => {
    const repo = await gitRepo();
    const worktree = join(await tempDir(), "wt");
    git(repo, ["worktree", "add", "-q", "-b", "feature", worktree]);
    const m = manager(worktree);
    await m.createRun({ runId: "r1" });
    const exclude = await readFile(join(repo, ".git/info/exclude"), "utf8");
    expect(exclude.split("\n")).toContain(".gadugi/");
    expect(await listFiles(join(repo, ".git", "worktrees"))).not.toContain("wt/info/exclude");
    expect(git(worktree, ["status", "--porcelain"])).toBe("");
    await manager(repo).createRun({ runId: "r2" });
    expect(
      (await readFile(join(repo, ".git/info/exclude"), "utf8")).split("\n").filter((l) => l === ".gadugi/"),
    ).toHaveLength(1);
  });

  it("works outside a git repository (nothing to exclude)", async () => {
    const dir = await tempDir();
    const state = await manager(dir).createRun({ runId: "r1" });
    expect(state.runId).toBe("r1");
  });

  it("generates run ids and refuses to create a run twice", async () => {
    const repo = await tempDir();
    const m = manager(repo, { now: () => new Date("2025-02-03T04:05:06.000Z") });
    const state = await m.createRun();
    expect(state.runId).toMatch(/^run-20250203-040506-[0-9a-f]{4}$/);
    await expect(m.createRun({ runId: state.runId })).rejects.toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
    });
    await expect(m.createRun({ runId: "../escape" })).rejects.toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
    });
  });

  it("lets only one manager write a run; the second gets GADUGI_LOCK_HELD until the first closes", async () => {
    const repo = await tempDir();
    const first = manager(repo);
    await first.createRun({ runId: "r1" });
    const second = manager(repo);
    const error = (await second.openRun("r1").catch((e: unknown) => e)) as GadugiError<"GADUGI_LOCK_HELD">;
    expect(GadugiError.is(error, "GADUGI_LOCK_HELD")).toBe(true);
    expect(error.args).toMatchObject({ resource: "run r1", pid: process.pid });
    await expect(second.record("r1", { type: "warning", message: "x" })).rejects.toMatchObject({
      code: "GADUGI_LOCK_HELD",
    });
    // Reads need no lock.
    expect((await second.loadRun("r1")).runId).toBe("r1");
    await first.close();
    expect(first.isOpen("r1")).toBe(false);
    expect((await second.openRun("r1")).runId).toBe("r1");
    expect(second.isOpen("r1")).toBe(true);
  });

  it("records events durably and applies them; a new manager sees the same state", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    await m.record("r1", { type: "task.status", taskId: taskInput.id, status: "running" });
    await m.record("r1", { type: "phase.started", taskId: taskInput.id, phase: "setup" });
    await m.record("r1", {
      type: "agent.event",
      taskId: taskInput.id,
      event: { type: "text", at: "x", text: "hi" },
    });
    const live = await m.loadRun("r1");
    expect(live.journalSeq).toBe(5);
    // Journal-only events are folded in by any reader, even before state.json is rewritten.
    const other = await manager(repo).loadRun("r1");
    expect(other).toEqual(live);
    await m.close();
    const stored = JSON.parse(await readFile(join(repo, ".gadugi/runs/r1/state.json"), "utf8")) as RunState;
    expect(stored.journalSeq).toBe(5);
    expect(stored.tasks[taskInput.id]?.phases[0]?.status).toBe("running");
  });

  it("rewrites state.json once for a burst of events, shortly after, and on close", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    const statePath = join(repo, ".gadugi/runs/r1/state.json");
    const before = await stat(statePath);
    await m.record("r1", { type: "task.status", taskId: taskInput.id, status: "running" });
    for (const phase of ["setup", "issue_creation", "branch_creation"] as const) {
      await m.record("r1", { type: "phase.started", taskId: taskInput.id, phase });
    }
    // Not yet rewritten: every event is in the journal, which any reader catches up from.
    expect((await stat(statePath)).mtimeMs).toBe(before.mtimeMs);
    expect((await manager(repo).loadRun("r1")).journalSeq).toBe(6);
    const storedSeq = async () => (JSON.parse(await readFile(statePath, "utf8")) as RunState).journalSeq;
    for (let i = 0; i < 100 && (await storedSeq()) !== 6; i++) await sleep(50);
    expect(await storedSeq()).toBe(6);
    await m.record("r1", {
      type: "phase.finished",
      taskId: taskInput.id,
      phase: "setup",
      status: "completed",
    });
    await m.close();
    expect((JSON.parse(await readFile(statePath, "utf8")) as RunState).journalSeq).toBe(7);
  });

  it("checkEvent sees the state in journal order and a throw keeps the event out of the journal", async () => {
    const repo = await tempDir();
    const seen: string[] = [];
    const m = manager(repo, {
      checkEvent: (state, input) => {
        if (input.type !== "task.status") return;
        const from = state.tasks[input.taskId]?.status;
        seen.push(`${from}->${input.status}`);
        if (from === "completed") throw new Error(`illegal ${from} -> ${input.status}`);
      },
    });
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    // Queued without awaiting: each check must still see the state its predecessors made.
    const writes = [
      m.record("r1", { type: "task.status", taskId: taskInput.id, status: "running" }),
      m.record("r1", { type: "task.status", taskId: taskInput.id, status: "completed" }),
      m.record("r1", { type: "task.status", taskId: taskInput.id, status: "failed" }),
    ];
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect(seen).toEqual(["pending->running", "running->completed", "completed->failed"]);
    const state = await m.loadRun("r1");
    expect(state.tasks[taskInput.id]?.status).toBe("completed");
    const journal = await readFile(join(repo, ".gadugi/runs/r1/events.jsonl"), "utf8");
    expect(journal).not.toContain('"failed"');
    // The manager goes on after a rejected event.
    await m.record("r1", { type: "warning", message: "still writing" });
    expect((await m.loadRun("r1")).journalSeq).toBe(state.journalSeq + 1);
  });

  it("loadRun answers after every write queued before it, so a report never misses an event", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    // Started and not awaited, as progress callbacks do.
    const pending = [
      m.record("r1", { type: "task.status", taskId: taskInput.id, status: "running" }),
      m.record("r1", { type: "phase.started", taskId: taskInput.id, phase: "setup" }),
    ];
    const state = await m.loadRun("r1");
    expect(state.tasks[taskInput.id]?.status).toBe("running");
    expect(state.tasks[taskInput.id]?.phases[0]?.phase).toBe("setup");
    await Promise.all(pending);
    await m.close();
  });

  it("readRun reads the state after every write queued before it, and waits for no promise it returns", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    const running = m.record("r1", { type: "task.status", taskId: taskInput.id, status: "running" });
    expect(await m.readRun("r1", (state) => state.tasks[taskInput.id]?.status)).toBe("running");
    await running;
    // A promise from `read` does not hold up the writes queued after it.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const read = m.readRun("r1", async (state) => {
      const seq = state.journalSeq;
      await held;
      return seq;
    });
    await m.record("r1", { type: "warning", message: "written while the read waits" });
    release();
    const seenSeq = await read;
    expect((await m.loadRun("r1")).journalSeq).toBe(seenSeq + 1);
    await m.close();
    // A run that is not open is loaded from disk.
    expect(await new WorkflowStateManager(repo).readRun("r1", (state) => state.journalSeq)).toBe(seenSeq + 1);
  });

  it("saves and loads a task's workflow state through the journal", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    const saved = await m.saveTask({
      runId: "r1",
      taskId: taskInput.id,
      status: "running",
      currentPhase: "implementation",
      phases: [{ phase: "setup", status: "completed" }],
      branch: "gadugi/add-x",
      updatedAt: "2025-01-01T00:00:00.000Z",
    });
    expect(saved).toMatchObject({
      status: "running",
      branch: "gadugi/add-x",
      currentPhase: "implementation",
    });
    expect(saved.phases).toEqual([{ phase: "setup", status: "completed", data: {} }]);
    await m.close();
    await rm(join(repo, ".gadugi/runs/r1/state.json"));
    expect(await manager(repo).loadTask("r1", taskInput.id)).toEqual(saved);
    await expect(manager(repo).loadTask("r1", "nope")).rejects.toMatchObject({
      code: "GADUGI_STATE_NOT_FOUND",
    });
  });

  it("saveRun validates and writes a whole state", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    const state = await m.createRun({ runId: "r1" });
    const saved = await m.saveRun({ ...state, integrationBranch: "gadugi/integration" });
    expect((await manager(repo).loadRun("r1")).integrationBranch).toBe("gadugi/integration");
    expect(saved.integrationBranch).toBe("gadugi/integration");
    await expect(m.saveRun({ ...state, status: "nope" as never })).rejects.toMatchObject({
      code: "GADUGI_INVALID_DATA",
    });
  });

  it("completes a run with its status", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1" });
    const done = await m.completeRun("r1", "completed");
    expect(done.status).toBe("completed");
    expect(done.endedAt).toBeDefined();
    const events = (await EventJournal.forRun(repo, "r1").read()).events;
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "completed" });
  });

  it("moves a corrupt state.json aside and rebuilds the state from the journal", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    await m.record("r1", { type: "task.status", taskId: taskInput.id, status: "running" });
    const expected = await m.loadRun("r1");
    await m.close();
    const statePath = join(repo, ".gadugi/runs/r1/state.json");
    await writeFile(statePath, '{"runId": "r1", "stat');

    const warnings: string[] = [];
    const reader = manager(repo, { onWarning: (w) => warnings.push(w) });
    expect(await reader.loadRun("r1")).toEqual(expected);
    expect(warnings.join("\n")).toMatch(/state\.json is corrupt .*moved aside to .*state\.json\.corrupt-/);
    const files = await listFiles(join(repo, ".gadugi/runs/r1"));
    expect(files.filter((f) => f.startsWith("state.json.corrupt-"))).toHaveLength(1);
    expect(files).not.toContain("state.json");

    // Opening the run for writing writes the rebuilt state back.
    expect(await reader.openRun("r1")).toEqual(expected);
    expect(JSON.parse(await readFile(statePath, "utf8"))).toEqual(expected);
  });

  it("catches up a state.json that is behind the journal", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    await m.close();
    // Simulate a crash after the journal write but before state.json was rewritten.
    const journal = EventJournal.forRun(repo, "r1");
    await journal.append({ type: "task.status", taskId: taskInput.id, status: "completed" });
    const state = await manager(repo).loadRun("r1");
    expect(state.journalSeq).toBe(3);
    expect(state.tasks[taskInput.id]?.status).toBe("completed");
  });

  it("uses a valid state.json when the journal is damaged, but fails when both are", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await m.createRun({ runId: "r1", tasks: [taskInput] });
    await m.record("r1", { type: "warning", message: "x" });
    await m.close();
    const journalPath = join(repo, ".gadugi/runs/r1/events.jsonl");
    const lines = (await readFile(journalPath, "utf8")).split("\n");
    lines[1] = "garbage";
    await writeFile(journalPath, lines.join("\n"));
    const warnings: string[] = [];
    expect((await manager(repo, { onWarning: (w) => warnings.push(w) }).loadRun("r1")).runId).toBe("r1");
    expect(warnings.join("\n")).toContain("line 2");

    await writeFile(join(repo, ".gadugi/runs/r1/state.json"), "nope");
    await expect(manager(repo).loadRun("r1")).rejects.toMatchObject({ code: "GADUGI_STATE_CORRUPT" });
  });

  it("reports unknown runs", async () => {
    const repo = await tempDir();
    const m = manager(repo);
    await expect(m.loadRun("nope")).rejects.toMatchObject({ code: "GADUGI_RUN_NOT_FOUND" });
    await expect(m.openRun("nope")).rejects.toMatchObject({ code: "GADUGI_RUN_NOT_FOUND" });
    await expect(m.record("nope", { type: "warning", message: "x" })).rejects.toMatchObject({
      code: "GADUGI_RUN_NOT_FOUND",
    });
  });

  it("lists runs newest first with their status", async () => {
    const repo = await tempDir();
    const m = manager(repo, { now: steppingClock("2025-01-01T00:00:00.000Z") });
    await m.createRun({ runId: "b-oldest" });
    await m.createRun({ runId: "a-middle", tasks: [taskInput] });
    await m.createRun({ runId: "c-newest" });
    await m.completeRun("b-oldest", "completed");
    await m.record("a-middle", { type: "run.status", status: "interrupted" });
    await m.close();
    await writeFile(join(repo, ".gadugi/runs/c-newest/state.json"), "{");
    await writeFile(join(repo, ".gadugi/runs/c-newest/events.jsonl"), "{\n{\n");
    const runs = await manager(repo).listRuns();
    expect(runs.map((r) => [r.runId, r.status])).toEqual([
      ["a-middle", "interrupted"],
      ["b-oldest", "completed"],
      ["c-newest", "unreadable"],
    ]);
    expect(runs[0]).toMatchObject({ taskCount: 1, startedAt: "2025-01-01T00:00:02.000Z" });
    expect(runs[2]?.error).toContain("events.jsonl");
    expect(await manager(await tempDir()).listRuns()).toEqual([]);
  });
});
