import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WorkflowPhaseTracker } from "./phase-tracker.js";
import { TaskTracker } from "./task-tracker.js";
import { fakeClock, tempDir } from "./test-helpers/index.js";
import { TodoList, TodoWriteManager } from "./todo.js";

describe("TodoWriteManager", () => {
  it("renders a stable markdown checklist", () => {
    const todo = new TodoWriteManager({
      dir: "/unused",
      title: "Run 42",
      now: fakeClock().now,
      autoWrite: false,
    });
    todo.set({ id: "task-a", name: "Add login form", status: "completed", phase: "review" });
    todo.set({ id: "task-b", name: "Fix\nthe parser", status: "running", phase: "implementation" });
    todo.set({
      id: "task-c",
      name: "Write docs",
      status: "failed",
      phase: "testing",
      note: "2 tests failed",
    });
    todo.set({ id: "task-d", name: "Refactor utils" });
    expect(todo.renderMarkdown()).toBe(
      [
        "# Run 42",
        "",
        "Updated 2025-01-01T00:00:00.000Z · 4 tasks: 1 pending, 1 running, 1 completed, 1 failed",
        "",
        "- [x] Add login form — completed (review) · `task-a`",
        "- [ ] Fix the parser — running (implementation) · `task-b`",
        "- [ ] Write docs — failed (testing): 2 tests failed · `task-c`",
        "- [ ] Refactor utils — pending · `task-d`",
        "",
      ].join("\n"),
    );
    const empty = new TodoWriteManager({ dir: "/unused", now: fakeClock().now, autoWrite: false });
    expect(empty.renderMarkdown()).toBe(
      "# Gadugi run\n\nUpdated 2025-01-01T00:00:00.000Z · 0 tasks\n\n_No tasks._\n",
    );
  });

  it("follows a task tracker and a phase tracker and writes todo.md and todo.json atomically", async () => {
    const dir = join(await tempDir(), "runs", "r1");
    const clock = fakeClock();
    const tracker = new TaskTracker({ now: clock.now });
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    const todo = new TodoWriteManager({ dir, now: clock.now });
    tracker.add("t1");
    tracker.add("t2");
    todo.set({ id: "t1", name: "First" });
    todo.attach(tracker);
    todo.attachPhases(phases);
    await todo.flush();
    expect(todo.items().map((i) => i.name)).toEqual(["First", "t2"]);

    tracker.transition("t1", "queued");
    tracker.transition("t1", "running");
    phases.start("t1", "implementation");
    tracker.transition("t2", "skipped", "dependency t0 failed");
    clock.advance(1000);
    await todo.flush();

    const markdown = await readFile(join(dir, "todo.md"), "utf8");
    expect(markdown).toContain("- [ ] First — running (implementation) · `t1`");
    expect(markdown).toContain("- [ ] t2 — skipped: dependency t0 failed · `t2`");
    const json = TodoList.parse(JSON.parse(await readFile(join(dir, "todo.json"), "utf8")));
    expect(json.updatedAt).toBe("2025-01-01T00:00:01.000Z");
    expect(json.items).toEqual([
      { id: "t1", name: "First", status: "running", phase: "implementation" },
      { id: "t2", name: "t2", status: "skipped", note: "dependency t0 failed" },
    ]);
    // No temp files left behind.
    expect((await readdir(dir)).sort()).toEqual(["todo.json", "todo.md"]);

    tracker.transition("t1", "completed");
    await todo.flush();
    expect(await readFile(join(dir, "todo.md"), "utf8")).toContain(
      "- [x] First — completed (implementation)",
    );
  });

  it("write() writes on demand when autoWrite is off", async () => {
    const dir = await tempDir();
    const todo = new TodoWriteManager({ dir, now: fakeClock().now, autoWrite: false });
    todo.set({ id: "t1", name: "One" });
    await todo.flush();
    expect(await readdir(dir)).toEqual([]);
    await todo.write();
    expect(await readFile(todo.markdownPath, "utf8")).toBe(todo.renderMarkdown());
  });

  it("reports a failed background write on flush", async () => {
    const base = await tempDir();
    const blocker = join(base, "file");
    await writeFile(blocker, "not a directory");
    const todo = new TodoWriteManager({ dir: join(blocker, "run") });
    todo.set({ id: "t1", name: "One" });
    await expect(todo.flush()).rejects.toMatchObject({ code: "GADUGI_FILE_UNWRITABLE" });
    await expect(todo.flush()).resolves.toBeUndefined();
  });

  it("rejects updates of unknown items and invalid fields", () => {
    const todo = new TodoWriteManager({ dir: "/unused", autoWrite: false });
    expect(() => todo.update("t9", { status: "running" })).toThrow(/t9/);
    todo.set({ id: "t1", name: "One", note: "x" });
    todo.update("t1", { note: undefined });
    expect(todo.items()[0]).toEqual({ id: "t1", name: "One", status: "pending" });
    expect(() => todo.set({ id: "t2", name: "" })).toThrow(/todo item t2 is not valid/);
  });
});
