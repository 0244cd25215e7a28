import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointManager, openRunOrRecover, rebuildRunState, WorkflowStateManager } from "./index.js";
import { cleanupTempDirs, tempDir } from "./test-helpers/index.js";

const managers: WorkflowStateManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await cleanupTempDirs();
});

const task = {
  id: "task-20250101-000000-abcd",
  slug: "add-x",
  name: "Add X",
  promptFile: "prompts/add-x.md",
};

describe("openRunOrRecover", () => {
  it("opens a readable run as it is", async () => {
    const repo = await tempDir();
    const first = new WorkflowStateManager(repo);
    await first.createRun({ runId: "r1", tasks: [task] });
    await first.close();
    const m = new WorkflowStateManager(repo);
    managers.push(m);
    const run = await openRunOrRecover(m, "r1");
    expect(run.taskIds).toEqual([task.id]);
    expect(m.isOpen("r1")).toBe(true);
  });

  it("restores the newest checkpoint when state and journal are unreadable, and reseeds the journal from it", async () => {
    const repo = await tempDir();
    const first = new WorkflowStateManager(repo);
    await first.createRun({ runId: "r1", tasks: [task] });
    await first.record("r1", { type: "task.status", taskId: task.id, status: "completed" });
    await first.record("r1", {
      type: "agent.run",
      taskId: task.id,
      attempt: 1,
      purpose: "implementation",
      agent: "beta",
      outcome: "ok",
    });
    await first.record("r1", {
      type: "merge.result",
      taskId: task.id,
      branch: "gadugi/add-x",
      status: "merged",
    });
    await new CheckpointManager(repo).create("r1", "after add-x");
    await first.close();
    const dir = join(repo, ".gadugi", "runs", "r1");
    await writeFile(join(dir, "state.json"), "{ torn");
    await writeFile(join(dir, "events.jsonl"), "garbage\n");

    const m = new WorkflowStateManager(repo);
    managers.push(m);
    const run = await openRunOrRecover(m, "r1");
    expect(run.tasks[task.id]?.status).toBe("completed");
    expect(run.merges[task.id]?.status).toBe("merged");
    expect(run.agentRuns[task.id]?.map((r) => r.agent)).toEqual(["beta"]);
    expect((await readdir(dir)).some((f) => f.startsWith("events.jsonl.corrupt-"))).toBe(true);
    await m.close();
    // The fresh journal alone rebuilds the run.
    const rebuilt = await rebuildRunState(repo, "r1");
    expect(rebuilt.tasks[task.id]?.status).toBe("completed");
    expect(rebuilt.merges[task.id]?.status).toBe("merged");
    expect(rebuilt.agentRuns[task.id]?.length).toBe(1);
  });
});
