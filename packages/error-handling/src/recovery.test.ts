import { describe, expect, it, vi } from "vitest";
import {
  type CheckpointInfo,
  type CheckpointStore,
  GadugiError,
  RecoveryManager,
  type SkippedCheckpoint,
} from "./index.js";

interface Snapshot {
  tasks: number;
}

/** An in-memory store whose checkpoints are either a value or a restore failure. */
function store(
  entries: Array<[id: string, content: Snapshot | Error]>,
): CheckpointStore<Snapshot> & { restored: string[] } {
  const restored: string[] = [];
  const list: CheckpointInfo[] = entries.map(([id], i) => ({
    id,
    runId: "run-1",
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(),
  }));
  return {
    restored,
    list: async (runId) => (runId === "run-1" ? list : []),
    restore: async (_runId, id) => {
      restored.push(id);
      const content = entries.find(([e]) => e === id)?.[1];
      if (content === undefined) throw new Error(`no ${id}`);
      if (content instanceof Error) throw content;
      return content;
    },
  };
}

describe("RecoveryManager.recoverLatest", () => {
  it("restores the newest checkpoint when it is good", async () => {
    const s = store([
      ["cp-1", { tasks: 1 }],
      ["cp-2", { tasks: 2 }],
    ]);
    const result = await new RecoveryManager(s).recoverLatest("run-1");
    expect(result.checkpoint.id).toBe("cp-2");
    expect(result.value).toEqual({ tasks: 2 });
    expect(result.skipped).toEqual([]);
    expect(s.restored).toEqual(["cp-2"]);
  });

  it("skips a corrupt checkpoint and one failing validation, reporting each", async () => {
    const s = store([
      ["cp-1", { tasks: 1 }],
      ["cp-2", { tasks: -5 }],
      ["cp-3", new Error("unexpected end of JSON input")],
    ]);
    const onSkip = vi.fn((_skipped: SkippedCheckpoint) => undefined);
    const result = await new RecoveryManager(s).recoverLatest("run-1", {
      validate: async (value) => value.tasks >= 0,
      onSkip,
    });
    expect(result.checkpoint.id).toBe("cp-1");
    expect(result.value).toEqual({ tasks: 1 });
    expect(result.skipped.map((k) => [k.checkpoint.id, k.reason])).toEqual([
      ["cp-3", "restore failed: unexpected end of JSON input"],
      ["cp-2", "failed validation"],
    ]);
    expect(onSkip.mock.calls.map(([k]) => k.checkpoint.id)).toEqual(["cp-3", "cp-2"]);
  });

  it("skips a checkpoint whose validation throws", async () => {
    const s = store([
      ["cp-1", { tasks: 1 }],
      ["cp-2", { tasks: 2 }],
    ]);
    const result = await new RecoveryManager(s).recoverLatest("run-1", {
      validate: (value) => {
        if (value.tasks === 2) throw new Error("schema mismatch");
        return true;
      },
    });
    expect(result.checkpoint.id).toBe("cp-1");
    expect(result.skipped[0]?.reason).toBe("validation threw: schema mismatch");
  });

  it("fails with GADUGI_CHECKPOINT_NOT_FOUND when nothing is usable", async () => {
    const corrupt = new Error("truncated");
    const error = await new RecoveryManager(store([["cp-1", corrupt]]))
      .recoverLatest("run-1")
      .catch((e) => e);
    expect(GadugiError.is(error, "GADUGI_CHECKPOINT_NOT_FOUND")).toBe(true);
    expect(error.message).toBe("Run run-1 has no usable checkpoint.");
    expect(error.cause).toBe(corrupt);
    expect(error.exitCode).toBe(5);
  });

  it("fails with GADUGI_CHECKPOINT_NOT_FOUND for a run without checkpoints", async () => {
    await expect(new RecoveryManager(store([])).recoverLatest("run-2")).rejects.toMatchObject({
      code: "GADUGI_CHECKPOINT_NOT_FOUND",
    });
  });
});

describe("RecoveryManager.recover", () => {
  it("restores a named checkpoint, and names an unknown one in the error", async () => {
    const manager = new RecoveryManager(store([["cp-1", { tasks: 1 }]]));
    await expect(manager.recover("run-1", "cp-1")).resolves.toEqual({ tasks: 1 });
    await expect(manager.recover("run-1", "cp-9")).rejects.toThrow('Run run-1 has no checkpoint "cp-9".');
    await expect(manager.recover("run-1", "cp-1", { validate: () => false })).rejects.toMatchObject({
      code: "GADUGI_CHECKPOINT_NOT_FOUND",
      cause: expect.objectContaining({ message: "failed validation" }),
    });
  });
});
