import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointManager, StateBackupRestore, WorkflowStateManager } from "./index.js";
import { cleanupTempDirs, listFiles, steppingClock, tempDir } from "./test-helpers/index.js";

const managers: WorkflowStateManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  await cleanupTempDirs();
});

async function twoRuns() {
  const repo = await tempDir();
  const m = new WorkflowStateManager(repo);
  managers.push(m);
  await m.createRun({ runId: "r1" });
  await m.createRun({ runId: "r2" });
  await new CheckpointManager(repo).create("r1", "first");
  return { repo, m };
}

describe("StateBackupRestore", () => {
  it("backs up one run without its lock, into .gadugi/backups/<timestamp>-<runId>/", async () => {
    const { repo } = await twoRuns();
    const backups = new StateBackupRestore(repo, { now: () => new Date("2025-01-02T03:04:05.678Z") });
    const backup = await backups.backup("r1");
    expect(backup).toMatchObject({ id: "20250102T030405678Z-r1", scope: "r1", runIds: ["r1"] });
    expect(backup.path).toBe(join(repo, ".gadugi/backups/20250102T030405678Z-r1"));
    const files = await listFiles(backup.path);
    expect(files).toContain("manifest.json");
    expect(files).toContain("runs/r1/state.json");
    expect(files).toContain("runs/r1/events.jsonl");
    expect(files.some((f) => f.startsWith("runs/r1/checkpoints/"))).toBe(true);
    expect(files).not.toContain("runs/r1/lock");
    // Same timestamp again: a distinct id, nothing overwritten.
    const again = await backups.backup("r1");
    expect(again.id).not.toBe(backup.id);
    expect(await backups.list()).toHaveLength(2);
    await expect(backups.backup("nope")).rejects.toMatchObject({ code: "GADUGI_RUN_NOT_FOUND" });
  });

  it("round-trips: restore brings a run back and first backs up what it overwrites", async () => {
    const { repo, m } = await twoRuns();
    const backups = new StateBackupRestore(repo, { now: steppingClock("2025-01-01T00:00:00.000Z") });
    const original = await m.loadRun("r1");
    const originalJournal = await readFile(join(repo, ".gadugi/runs/r1/events.jsonl"), "utf8");
    const backup = await backups.backup("r1");

    await m.record("r1", { type: "run.status", status: "failed", reason: "oops" });
    await new CheckpointManager(repo).create("r1", "later");
    const changed = await m.loadRun("r1");

    // The owner's lock blocks a restore.
    await expect(backups.restore(backup.id)).rejects.toMatchObject({ code: "GADUGI_LOCK_HELD" });
    await m.close();

    const result = await backups.restore(backup.id);
    expect(result.restoredRuns).toEqual(["r1"]);
    expect(result.safetyBackup?.reason).toBe(`before restoring ${backup.id}`);
    const reader = new WorkflowStateManager(repo);
    expect(await reader.loadRun("r1")).toEqual(original);
    expect(await readFile(join(repo, ".gadugi/runs/r1/events.jsonl"), "utf8")).toBe(originalJournal);
    expect((await new CheckpointManager(repo).list("r1")).map((c) => c.label)).toEqual(["first"]);
    expect(await listFiles(join(repo, ".gadugi/runs/r1"))).not.toContain("lock");

    // Nothing was lost: the safety backup restores the state from before.
    await backups.restore(result.safetyBackup?.id as string);
    expect(await reader.loadRun("r1")).toEqual(changed);
    expect((await new CheckpointManager(repo).list("r1")).map((c) => c.label)).toEqual(["first", "later"]);
  });

  it("backs up and restores every run, leaving runs outside the backup alone", async () => {
    const { repo, m } = await twoRuns();
    await m.close();
    const backups = new StateBackupRestore(repo, { now: steppingClock("2025-01-01T00:00:00.000Z") });
    const all = await backups.backup();
    expect(all).toMatchObject({ scope: "all", runIds: ["r1", "r2"] });
    expect(all.id).toMatch(/-all$/);

    const m2 = new WorkflowStateManager(repo);
    managers.push(m2);
    await m2.createRun({ runId: "r3" });
    await m2.completeRun("r2", "cancelled");
    await m2.close();
    await writeFile(join(repo, ".gadugi/runs/r1/state.json"), "corrupt!");

    const result = await backups.restore(all.id);
    expect(result.safetyBackup?.runIds).toEqual(["r1", "r2"]);
    const runs = await new WorkflowStateManager(repo).listRuns();
    expect(runs.map((r) => [r.runId, r.status]).sort()).toEqual([
      ["r1", "running"],
      ["r2", "running"],
      ["r3", "running"],
    ]);
    expect(await backups.latest("r3")).toBeUndefined();
    expect((await backups.latest("r1"))?.id).toBe(result.safetyBackup?.id);
  });

  it("lists only complete backups and reports unknown or corrupt ones", async () => {
    const { repo } = await twoRuns();
    const backups = new StateBackupRestore(repo);
    const backup = await backups.backup("r2");
    await writeFile(join(repo, ".gadugi/backups/not-a-backup"), "x");
    expect((await backups.list()).map((b) => b.id)).toEqual([backup.id]);
    await expect(backups.restore("nope")).rejects.toMatchObject({ code: "GADUGI_STATE_NOT_FOUND" });
    await writeFile(join(backup.path, "manifest.json"), "{");
    expect(await backups.list()).toEqual([]);
    await expect(backups.restore(backup.id)).rejects.toMatchObject({ code: "GADUGI_STATE_CORRUPT" });
  });
});
