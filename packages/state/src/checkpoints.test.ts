import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CheckpointStore, GadugiError, RecoveryManager } from "@gadugi/error-handling";
import type { RunState } from "@gadugi/interfaces";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointManager, WorkflowStateManager } from "./index.js";
import { cleanupTempDirs, steppingClock, tempDir } from "./test-helpers/index.js";

const managers: WorkflowStateManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await cleanupTempDirs();
});

async function runWithState() {
  const repo = await tempDir();
  const m = new WorkflowStateManager(repo);
  managers.push(m);
  await m.createRun({ runId: "r1" });
  return { repo, m };
}

describe("CheckpointManager", () => {
  it("snapshots the current state and restores it", async () => {
    const { repo, m } = await runWithState();
    const checkpoints = new CheckpointManager(repo);
    const info = await checkpoints.create("r1", "after setup");
    expect(info).toMatchObject({ runId: "r1", label: "after setup", journalSeq: 1 });
    expect(info.id).toMatch(/^cp-\d{8}T\d{9}Z-[0-9a-f]{4}$/);
    const before = await m.loadRun("r1");
    await m.record("r1", { type: "run.status", status: "interrupted" });
    expect((await m.loadRun("r1")).status).toBe("interrupted");
    expect(await checkpoints.restore("r1", info.id)).toEqual(before);
    expect(await checkpoints.list("r1")).toEqual([info]);
  });

  it("snapshots a given state", async () => {
    const { repo, m } = await runWithState();
    const state = { ...(await m.loadRun("r1")), status: "failed" as const };
    const info = await new CheckpointManager(repo).create("r1", undefined, state);
    expect(info.label).toBeUndefined();
    expect((await new CheckpointManager(repo).restore("r1", info.id)).status).toBe("failed");
    await expect(new CheckpointManager(repo).create("r2", "x", state)).rejects.toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
    });
  });

  it("serializes a given state before it first waits, so the caller may go on changing it", async () => {
    const { repo, m } = await runWithState();
    const state = await m.loadRun("r1");
    const creating = new CheckpointManager(repo).create("r1", "live", state);
    state.status = "failed";
    const info = await creating;
    expect((await new CheckpointManager(repo).restore("r1", info.id)).status).toBe("running");
  });

  it("prunes by the times in the checkpoints' ids, unreadable files too", async () => {
    const { repo } = await runWithState();
    const dir = join(repo, ".gadugi/runs/r1/checkpoints");
    const checkpoints = new CheckpointManager(repo, {
      keep: 2,
      now: steppingClock("2025-01-01T00:00:00.000Z"),
    });
    const first = await checkpoints.create("r1", "first");
    await writeFile(join(dir, "cp-20240101T000000000Z-dead.json"), "{ not json");
    await writeFile(join(dir, "notes.json"), "{}");
    const second = await checkpoints.create("r1", "second");
    const third = await checkpoints.create("r1", "third");
    expect((await readdir(dir)).sort()).toEqual(
      [`${second.id}.json`, `${third.id}.json`, "notes.json"].sort(),
    );
    expect(first.id < second.id).toBe(true);
  });

  it("keeps the last N checkpoints, listed oldest first", async () => {
    const { repo } = await runWithState();
    const checkpoints = new CheckpointManager(repo, {
      keep: 3,
      now: steppingClock("2025-01-01T00:00:00.000Z"),
    });
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await checkpoints.create("r1", `cp ${i}`));
    const listed = await checkpoints.list("r1");
    expect(listed.map((c) => c.label)).toEqual(["cp 2", "cp 3", "cp 4"]);
    expect(listed).toEqual(created.slice(2));
    expect((await readdir(join(repo, ".gadugi/runs/r1/checkpoints"))).sort()).toEqual(
      created.slice(2).map((c) => `${c.id}.json`),
    );
    expect(await checkpoints.prune("r1", 1)).toEqual([created[2]?.id, created[3]?.id]);
    expect(() => new CheckpointManager(repo, { keep: 0 })).toThrow(GadugiError);
  });

  it("moves a corrupt checkpoint aside on restore and falls back to an older one", async () => {
    const { repo } = await runWithState();
    const checkpoints = new CheckpointManager(repo, { now: steppingClock("2025-01-01T00:00:00.000Z") });
    const older = await checkpoints.create("r1", "older");
    const newer = await checkpoints.create("r1", "newer");
    const path = join(repo, ".gadugi/runs/r1/checkpoints", `${newer.id}.json`);
    const file = JSON.parse(await readFile(path, "utf8"));
    file.state.status = "exploded";
    await writeFile(path, JSON.stringify(file));
    const listed = await checkpoints.list("r1");
    expect(listed.map((c) => c.id)).toEqual([older.id, newer.id]);
    expect(listed[1]?.error).toContain("state.status");

    const error = (await checkpoints
      .restore("r1", newer.id)
      .catch((e: unknown) => e)) as GadugiError<"GADUGI_STATE_CORRUPT">;
    expect(error.code).toBe("GADUGI_STATE_CORRUPT");
    expect(error.args.reason).toContain("state.status");
    expect(error.args.movedTo).toContain(`${newer.id}.json.corrupt-`);
    expect(await checkpoints.list("r1")).toEqual([older]);
    await expect(checkpoints.restore("r1", newer.id)).rejects.toMatchObject({
      code: "GADUGI_CHECKPOINT_NOT_FOUND",
    });
    expect((await checkpoints.latest("r1")).info).toEqual(older);
  });

  it("serves RecoveryManager as a CheckpointStore<RunState>", async () => {
    const { repo } = await runWithState();
    const checkpoints = new CheckpointManager(repo, { now: steppingClock("2025-01-01T00:00:00.000Z") });
    const store: CheckpointStore<RunState> = checkpoints;
    const good = await checkpoints.create("r1", "good");
    const bad = await checkpoints.create("r1", "bad");
    await writeFile(join(repo, ".gadugi/runs/r1/checkpoints", `${bad.id}.json`), "{");
    const result = await new RecoveryManager(store).recoverLatest("r1");
    expect(result.checkpoint.id).toBe(good.id);
    expect(result.value.runId).toBe("r1");
    expect(result.skipped.map((s) => s.checkpoint.id)).toEqual([bad.id]);
  });

  it("reports missing checkpoints", async () => {
    const { repo } = await runWithState();
    const checkpoints = new CheckpointManager(repo);
    expect(await checkpoints.list("r1")).toEqual([]);
    await expect(checkpoints.restore("r1", "cp-nope")).rejects.toMatchObject({
      code: "GADUGI_CHECKPOINT_NOT_FOUND",
    });
    await expect(checkpoints.latest("r1")).rejects.toMatchObject({ code: "GADUGI_CHECKPOINT_NOT_FOUND" });
    await expect(checkpoints.restore("r1", "../../x")).rejects.toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
    });
  });
});
