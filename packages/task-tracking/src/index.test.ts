import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultHistoryPath,
  ProductivityAnalyzer,
  type TaskRun,
  TaskTracker,
  TodoWriteManager,
  WorkflowPhaseTracker,
} from "./index.js";
import { fakeClock, tempDir } from "./test-helpers/index.js";

describe("@gadugi/task-tracking", () => {
  it("tracks a small run end to end: statuses, phases, todo files, metrics and history", async () => {
    const root = await tempDir();
    const clock = fakeClock();
    const tracker = new TaskTracker({ now: clock.now });
    const phases = new WorkflowPhaseTracker({ now: clock.now });
    const todo = new TodoWriteManager({ dir: join(root, ".gadugi", "runs", "r1"), now: clock.now });
    const runStart = clock.now();
    for (const id of ["a", "b"]) {
      tracker.add(id);
      todo.set({ id, name: `Task ${id}` });
    }
    todo.attach(tracker);
    todo.attachPhases(phases);

    for (const id of ["a", "b"]) {
      tracker.transition(id, "queued");
      tracker.transition(id, "running");
      phases.start(id, "implementation");
    }
    clock.advance(4000);
    phases.end("a", "implementation");
    tracker.transition("a", "completed");
    clock.advance(2000);
    phases.fail("b", "implementation", "agent timed out");
    tracker.transition("b", "failed", "agent timed out");
    await todo.flush();

    const tasks: TaskRun[] = tracker.list().map((t) => {
      const record = phases.records(t.id)[0]!;
      return {
        id: t.id,
        type: "feature",
        status: t.status,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
      };
    });
    const analyzer = new ProductivityAnalyzer({ history: defaultHistoryPath(root), now: clock.now });
    const summary = { runId: "r1", startedAt: runStart, endedAt: clock.now(), maxParallel: 2, tasks };
    const metrics = analyzer.analyze(summary);
    expect(metrics).toMatchObject({
      wallTimeMs: 6000,
      sumTaskDurationsMs: 10_000,
      speedup: 10 / 6,
      criticalPath: ["b"],
      tasksCompleted: 1,
      tasksFailed: 1,
    });
    expect(await analyzer.record(summary)).toBe(1);
    expect(await analyzer.predict("feature")).toMatchObject({ samples: 1, medianMs: 4000 });
    expect(await readFile(todo.markdownPath, "utf8")).toBe(
      [
        "# Gadugi run",
        "",
        "Updated 2025-01-01T00:00:06.000Z · 2 tasks: 1 completed, 1 failed",
        "",
        "- [x] Task a — completed (implementation) · `a`",
        "- [ ] Task b — failed (implementation): agent timed out · `b`",
        "",
      ].join("\n"),
    );
  });
});
