import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { RunState } from "@gadugi/interfaces";
import { WorkflowStateManager } from "@gadugi/state";
import { afterEach, describe, expect, it } from "vitest";
import { checkTaskStatusEvent } from "./status-gate.js";

const dirs: string[] = [];
const managers: WorkflowStateManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const task = { id: "t1", slug: "t1", name: "Task one", promptFile: "prompts/t1.md" };

async function run(): Promise<WorkflowStateManager> {
  const dir = await mkdtemp(join(tmpdir(), "gadugi-gate-"));
  dirs.push(dir);
  const manager = new WorkflowStateManager(dir, { checkEvent: checkTaskStatusEvent });
  managers.push(manager);
  await manager.createRun({ runId: "r1", tasks: [task] });
  return manager;
}

function rejection(error: unknown): string {
  expect(GadugiError.is(error, "GADUGI_ILLEGAL_TRANSITION")).toBe(true);
  return (error as GadugiError).message;
}

describe("checkTaskStatusEvent", () => {
  it("lets a run's real moves through: a conflict re-run, a merge failure, a resume", async () => {
    const m = await run();
    for (const status of ["queued", "running", "completed", "queued", "running", "completed"] as const) {
      await m.record("r1", { type: "task.status", taskId: "t1", status });
    }
    await m.record("r1", { type: "task.status", taskId: "t1", status: "merge-failed", reason: "conflict" });
    await m.record("r1", { type: "task.status", taskId: "t1", status: "queued", reason: "resumed" });
    const state = await m.loadRun("r1");
    expect(state.tasks.t1).toMatchObject({ status: "queued", attempts: 2 });
  });

  it("lets a review that still requests changes end a running task, and a resume queue it again", async () => {
    const m = await run();
    for (const status of ["queued", "running"] as const) {
      await m.record("r1", { type: "task.status", taskId: "t1", status });
    }
    const reason = "the reviewer requested changes after 1 fix round";
    await m.record("r1", { type: "task.status", taskId: "t1", status: "changes-requested", reason });
    expect((await m.loadRun("r1")).tasks.t1).toMatchObject({ status: "changes-requested", error: reason });
    const message = await m
      .record("r1", { type: "task.status", taskId: "t1", status: "completed" })
      .then(() => "accepted", rejection);
    expect(message).toBe("Task t1 cannot go from changes-requested to completed.");
    await m.record("r1", { type: "task.status", taskId: "t1", status: "queued", reason: "resumed" });
    expect((await m.loadRun("r1")).tasks.t1?.status).toBe("queued");
  });

  it("rejects an illegal move before it is journaled, naming the task and both statuses", async () => {
    const m = await run();
    await m.record("r1", { type: "task.status", taskId: "t1", status: "queued" });
    await m.record("r1", { type: "task.status", taskId: "t1", status: "running" });
    await m.record("r1", { type: "task.status", taskId: "t1", status: "completed" });
    const message = await m
      .record("r1", { type: "task.status", taskId: "t1", status: "running" })
      .then(() => "recorded", rejection);
    expect(message).toBe("Task t1 cannot go from completed to running.");
    expect(
      await m.record("r1", { type: "task.status", taskId: "t1", status: "failed" }).catch(rejection),
    ).toBe("Task t1 cannot go from completed to failed.");
    const state: RunState = await m.loadRun("r1");
    expect(state.tasks.t1?.status).toBe("completed");
    const journal = await readFile(join(m.repoRoot, ".gadugi/runs/r1/events.jsonl"), "utf8");
    expect(journal.split("\n").filter((line) => line.includes('"task.status"'))).toHaveLength(3);
  });

  it("takes a status said again as no change, but never a second entry into running", async () => {
    const m = await run();
    await m.record("r1", {
      type: "task.status",
      taskId: "t1",
      status: "cancelled",
      reason: "by the workflow",
    });
    await m.record("r1", {
      type: "task.status",
      taskId: "t1",
      status: "cancelled",
      reason: "by the scheduler",
    });
    await m.record("r1", { type: "task.status", taskId: "t1", status: "queued" });
    await m.record("r1", { type: "task.status", taskId: "t1", status: "running" });
    expect(
      await m.record("r1", { type: "task.status", taskId: "t1", status: "running" }).catch(rejection),
    ).toBe("Task t1 cannot go from running to running.");
    expect((await m.loadRun("r1")).tasks.t1?.attempts).toBe(1);
  });

  it("rejects a status for a task the run does not have", async () => {
    const m = await run();
    expect(
      await m.record("r1", { type: "task.status", taskId: "nope", status: "queued" }).catch(rejection),
    ).toBe("Task nope cannot go from (not a task of the run) to queued.");
  });
});
