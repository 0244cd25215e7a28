import { spawn } from "node:child_process";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { removeStaleIndexLock, worktreeGitDir } from "./index.js";
import { repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();

/** A task worktree whose index.lock a killed git left, `ageMs` old. */
async function worktreeWithLock(ageMs: number) {
  const { repo, manager } = await repoWithManager(temp);
  const info = await manager.create({ runId: "run-1", taskId: "task-a", slug: "task-a" });
  const lock = path.join((await worktreeGitDir(info.path)) as string, "index.lock");
  writeFileSync(lock, "");
  const then = (Date.now() - ageMs) / 1000;
  utimesSync(lock, then, then);
  return { repo, manager, path: info.path, lock };
}

describe("removeStaleIndexLock", () => {
  it("removes an index.lock no process has open, so git works in the worktree again", async () => {
    const { repo, path: worktree, lock } = await worktreeWithLock(5_000);
    await expect(repo.git(["-C", worktree, "add", "-A"])).rejects.toThrow(/index\.lock/);
    expect(await removeStaleIndexLock(worktree)).toBe(lock);
    expect(existsSync(lock)).toBe(false);
    await repo.git(["-C", worktree, "add", "-A"]);
    expect(await removeStaleIndexLock(worktree)).toBeUndefined();
  });

  it("is removed when a resumed task takes up its own worktree again", async () => {
    const { repo, manager, path: worktree, lock } = await worktreeWithLock(5_000);
    const again = await manager.create({ runId: "run-1", taskId: "task-a", slug: "task-a" });
    expect(again).toMatchObject({ path: worktree, resumed: true });
    expect(existsSync(lock)).toBe(false);
    await repo.git(["-C", worktree, "status", "--porcelain"]);
  });

  it("keeps a lock a live process holds open, and one made a moment ago", async () => {
    const { path: worktree, lock } = await worktreeWithLock(5_000);
    const holder = spawn("sh", ["-c", 'exec 3<"$0"; echo ready; sleep 30', lock], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      let ready = false;
      holder.stdout.on("data", () => {
        ready = true;
      });
      await waitFor(() => ready, 5_000, "the holder never opened the lock");
      expect(await removeStaleIndexLock(worktree)).toBeUndefined();
      expect(existsSync(lock)).toBe(true);
    } finally {
      holder.kill("SIGKILL");
    }
    const fresh = await worktreeWithLock(0);
    expect(await removeStaleIndexLock(fresh.path)).toBeUndefined();
  });

  it("without /proc, removes only a lock older than ten minutes", async () => {
    const procRoot = temp.dir("gadugi-no-proc-");
    const young = await worktreeWithLock(60_000);
    expect(
      await removeStaleIndexLock(young.path, { procRoot: path.join(procRoot, "missing") }),
    ).toBeUndefined();
    const old = await worktreeWithLock(11 * 60_000);
    expect(await removeStaleIndexLock(old.path, { procRoot: path.join(procRoot, "missing") })).toBe(old.lock);
  });
});
