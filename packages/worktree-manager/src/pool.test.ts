import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { SETUP_ARTIFACTS_FILE, WorktreeRegistry, worktreeGitDir } from "./index.js";
import { repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();

/** A repository that ignores what real checkouts ignore: installed dependencies, secrets, builds. */
const FILES = {
  "README.md": "# demo\n",
  "src/a.ts": "export const a = 1;\n",
  ".gitignore": "node_modules/\n.env\ndist/\n",
};

/** A task worktree with committed work, an installed dependency, a copied secret and a build. */
async function finishedTask(
  manager: Awaited<ReturnType<typeof repoWithManager>>["manager"],
  repo: Awaited<ReturnType<typeof repoWithManager>>["repo"],
  taskId: string,
) {
  const info = await manager.create({ runId: "run-1", taskId, slug: taskId });
  writeFileSync(path.join(info.path, `${taskId}.ts`), `export const ${taskId.replace(/-/g, "_")} = 1;\n`);
  await repo.git(["-C", info.path, "add", "-A"]);
  await repo.git(["-C", info.path, "commit", "-q", "-m", `work of ${taskId}`]);
  mkdirSync(path.join(info.path, "node_modules", "dep"), { recursive: true });
  writeFileSync(path.join(info.path, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
  writeFileSync(path.join(info.path, ".env"), "SECRET=1\n");
  mkdirSync(path.join(info.path, "dist"), { recursive: true });
  writeFileSync(path.join(info.path, "dist", "out.js"), "built\n");
  return info;
}

describe("the worktree pool", () => {
  it("keeps a finished task's checkout, detached and cleaned but with its dependencies, and gives it to the next task", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const first = await finishedTask(manager, repo, "task-a");
    // Uncommitted work is committed to the task branch before the checkout is pooled; what
    // setup changed (an install rewriting a tracked lockfile) is not work, and is discarded.
    writeFileSync(path.join(first.path, "leftover.txt"), "not yet committed\n");
    writeFileSync(path.join(first.path, "README.md"), "# rewritten by setup\n");
    const adminOfFirst = (await worktreeGitDir(first.path)) as string;
    const readmeId = await repo.git(["-C", first.path, "hash-object", "README.md"]);
    writeFileSync(
      path.join(adminOfFirst, SETUP_ARTIFACTS_FILE),
      JSON.stringify({ version: 1, never: [], dirs: [], files: { "README.md": readmeId } }),
    );

    const released = await manager.release("run-1", "task-a");
    expect(released.action).toBe("pooled");
    expect(released.savedWork?.mode).toBe("commit");
    expect(await repo.git(["show", `${first.branch}:leftover.txt`])).toBe("not yet committed");
    expect(await repo.git(["show", `${first.branch}:README.md`])).toBe("# demo");
    expect(readFileSync(path.join(first.path, "README.md"), "utf8")).toBe("# demo\n");
    // Detached, so the branch is free again; the ignored build and secret went, the dependency stayed.
    expect(await repo.git(["-C", first.path, "rev-parse", "--abbrev-ref", "HEAD"])).toBe("HEAD");
    expect(existsSync(path.join(first.path, "node_modules", "dep", "index.js"))).toBe(true);
    expect(existsSync(path.join(first.path, ".env"))).toBe(false);
    expect(existsSync(path.join(first.path, "dist"))).toBe(false);
    expect((await manager.list()).map((w) => (w.foreign ? [] : [w.taskId, w.status]))).toEqual([
      ["task-a", "pooled"],
    ]);

    const adminDir = (await worktreeGitDir(first.path)) as string;
    writeFileSync(path.join(adminDir, SETUP_ARTIFACTS_FILE), '{"version":1,"never":[".env"]}\n');
    const second = await manager.create({ runId: "run-2", taskId: "task-b", slug: "task-b" });
    expect(second.path).toBe(first.path);
    expect(second.recycled).toBe(true);
    expect(second.branch).toBe("gadugi/task-b");
    expect(await repo.git(["-C", second.path, "rev-parse", "--abbrev-ref", "HEAD"])).toBe("gadugi/task-b");
    expect(await repo.git(["-C", second.path, "rev-parse", "HEAD"])).toBe(second.baseCommit);
    // The previous task's files are gone, its dependency folder stays, its setup record is not inherited.
    expect(existsSync(path.join(second.path, "task-a.ts"))).toBe(false);
    expect(existsSync(path.join(second.path, "leftover.txt"))).toBe(false);
    expect(existsSync(path.join(second.path, "node_modules", "dep", "index.js"))).toBe(true);
    expect(existsSync(path.join(adminDir, SETUP_ARTIFACTS_FILE))).toBe(false);
    expect(await repo.git(["-C", second.path, "status", "--porcelain"])).toBe("");
    const records = await manager.records();
    expect(records.map((r) => [r.taskId, r.status])).toEqual([
      ["task-a", "removed"],
      ["task-b", "active"],
    ]);
    // The first task's branch and work are untouched.
    expect(await repo.git(["show", `${first.branch}:task-a.ts`])).toContain("task_a");
  });

  it("removes instead of pooling when the pool is full or off", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES, { pool: { size: 1 } });
    const a = await finishedTask(manager, repo, "task-a");
    const b = await finishedTask(manager, repo, "task-b");
    expect((await manager.release("run-1", "task-a")).action).toBe("pooled");
    expect((await manager.release("run-1", "task-b")).action).toBe("removed");
    expect(existsSync(a.path)).toBe(true);
    expect(existsSync(b.path)).toBe(false);

    const { repo: repo2, manager: off } = await repoWithManager(temp, FILES, { pool: { size: 0 } });
    const c = await finishedTask(off, repo2, "task-c");
    expect((await off.release("run-1", "task-c")).action).toBe("removed");
    expect(existsSync(c.path)).toBe(false);
    expect(await repo2.git(["branch", "--list", "gadugi/task-c"])).toContain("gadugi/task-c");
  });

  it("never gives one pooled checkout to two tasks created at once", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    await finishedTask(manager, repo, "task-a");
    await manager.release("run-1", "task-a");
    const [x, y] = await Promise.all([
      manager.create({ runId: "run-2", taskId: "task-x", slug: "task-x" }),
      manager.create({ runId: "run-2", taskId: "task-y", slug: "task-y" }),
    ]);
    expect(x.path).not.toBe(y.path);
    expect([x.recycled, y.recycled].filter(Boolean)).toHaveLength(1);
  });

  it("discards a pooled checkout whose take-up a crash interrupted, and the task gets a fresh one", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const first = await finishedTask(manager, repo, "task-a");
    await manager.release("run-1", "task-a");
    // What a kill -9 in the middle of a take-up leaves: the pooled record retired, the new
    // task's intent written, the checkout still the pooled one.
    const registry = new WorktreeRegistry(path.join(repo.dir, ".gadugi", "worktrees.json"));
    await registry.update((all) => {
      const pooled = all[0] as (typeof all)[number];
      all.push({
        ...pooled,
        runId: "run-2",
        taskId: "task-b",
        slug: "task-b",
        branch: "gadugi/task-b",
        status: "creating",
        recycled: true,
        owner: { pid: 999_999, host: pooled.owner.host },
      });
      pooled.status = "removed";
    });

    const again = await manager.create({ runId: "run-2", taskId: "task-b", slug: "task-b" });
    expect(again.path).toBe(path.join(repo.dir, ".worktrees", "task-b"));
    expect(existsSync(first.path)).toBe(false);
    expect(readFileSync(path.join(again.path, "README.md"), "utf8")).toBe("# demo\n");
    expect((await manager.records()).filter((r) => r.status !== "removed").map((r) => r.taskId)).toEqual([
      "task-b",
    ]);
  });

  it("is seen by cleanup, which removes pooled checkouts and keeps their branches", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const first = await finishedTask(manager, repo, "task-a");
    await manager.release("run-1", "task-a");
    const result = await manager.cleanup();
    expect(result.entries.map((e) => [e.taskId, e.action])).toEqual([["task-a", "removed"]]);
    expect(existsSync(first.path)).toBe(false);
    expect(await repo.git(["branch", "--list", first.branch])).toContain(first.branch);
    // Nothing pooled is left to take: the next task gets a fresh checkout.
    const next = await manager.create({ runId: "run-2", taskId: "task-b", slug: "task-b" });
    expect(next.recycled).toBeUndefined();
  });

  it("releases a whole run: its worktrees pooled up to the bound, the rest removed", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES, { pool: { size: 2 } });
    for (const id of ["task-a", "task-b", "task-c"]) await finishedTask(manager, repo, id);
    const { entries } = await manager.releaseRun("run-1");
    expect(entries.map((e) => e.action).sort()).toEqual(["pooled", "pooled", "removed"]);
    expect(await repo.git(["worktree", "list", "--porcelain"])).not.toContain("branch refs/heads/gadugi/");
  });

  it("gives a resumed run's tasks their own pooled checkouts back, and no pooled one is lost", async () => {
    // A run the budget stopped: its worktrees were pooled at its end; the resume makes them again.
    const { repo, manager } = await repoWithManager(temp, FILES);
    const a = await finishedTask(manager, repo, "task-a");
    const b = await finishedTask(manager, repo, "task-b");
    await manager.releaseRun("run-1");
    // task-a first: the most recently pooled checkout is task-b's, but task-a's own is there.
    const again = {
      a: await manager.create({ runId: "run-1", taskId: "task-a", slug: "task-a" }),
      b: await manager.create({ runId: "run-1", taskId: "task-b", slug: "task-b" }),
    };
    expect([again.a.path, again.b.path]).toEqual([a.path, b.path]);
    expect(await repo.git(["-C", again.b.path, "log", "-1", "--format=%s"])).toBe("work of task-b");
    const records = await manager.records();
    expect(
      records
        .filter((r) => r.status === "active")
        .map((r) => r.path)
        .sort(),
    ).toEqual([a.path, b.path].sort());
  });

  it("makes a task a new checkout beside its old path when another task took that one up", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const b = await finishedTask(manager, repo, "task-b");
    await manager.release("run-1", "task-b");
    // task-c takes task-b's pooled checkout; task-b, made again, must not be sent to that path.
    const c = await manager.create({ runId: "run-1", taskId: "task-c", slug: "task-c" });
    expect(c.path).toBe(b.path);
    const again = await manager.create({ runId: "run-1", taskId: "task-b", slug: "task-b" });
    expect(again.path).not.toBe(b.path);
    expect(await repo.git(["-C", again.path, "log", "-1", "--format=%s"])).toBe("work of task-b");
  });

  it("lends a pooled checkout out as a detached checkout (the integration tests) and takes it back", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const first = await finishedTask(manager, repo, "task-a");
    await manager.release("run-1", "task-a");
    const tip = await repo.commit("moved on", { "src/b.ts": "export const b = 2;\n" });

    const dir = await manager.checkoutDetached("integration-run-1", tip);
    expect(dir).toBe(first.path);
    expect(await repo.git(["-C", dir, "rev-parse", "HEAD"])).toBe(tip);
    expect(readFileSync(path.join(dir, "src", "b.ts"), "utf8")).toContain("b = 2");
    expect(existsSync(path.join(dir, "node_modules", "dep", "index.js"))).toBe(true);
    // Lent out: no task takes it meanwhile.
    const other = await manager.create({ runId: "run-2", taskId: "task-b", slug: "task-b" });
    expect(other.path).not.toBe(dir);

    writeFileSync(path.join(dir, ".env"), "copied by setup\n");
    await manager.removeDetached("integration-run-1");
    expect(existsSync(dir)).toBe(true);
    expect(existsSync(path.join(dir, ".env"))).toBe(false);
    const back = (await manager.records()).find((r) => r.taskId === "task-a");
    expect(back).toMatchObject({ status: "pooled" });
    expect(back?.lentAs).toBeUndefined();
    await manager.release("run-2", "task-b");
    const next = await manager.create({ runId: "run-3", taskId: "task-c", slug: "task-c" });
    expect(next.recycled).toBe(true);
  });

  it("lets a create wait for a release that is due instead of making a new checkout", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const first = await finishedTask(manager, repo, "task-a");
    const released = manager.releaseDue();
    const next = manager.create({ runId: "run-2", taskId: "task-b", slug: "task-b" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await manager.release("run-1", "task-a");
    released();
    expect((await next).path).toBe(first.path);
    expect((await next).recycled).toBe(true);
  });

  it("hands each due release to one waiting create, so tasks finishing together all take up a checkout", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const a = await finishedTask(manager, repo, "task-a");
    const b = await finishedTask(manager, repo, "task-b");
    const releasedA = manager.releaseDue();
    const releasedB = manager.releaseDue();
    const c = manager.create({ runId: "run-2", taskId: "task-c", slug: "task-c" });
    const d = manager.create({ runId: "run-2", taskId: "task-d", slug: "task-d" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await manager.release("run-1", "task-a");
    releasedA();
    // The first release wakes only one of the two: the other waits for the second.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await manager.release("run-1", "task-b");
    releasedB();
    const taken = await Promise.all([c, d]);
    expect(taken.map((t) => t.recycled)).toEqual([true, true]);
    expect(taken.map((t) => t.path).sort()).toEqual([a.path, b.path].sort());
  });

  it("lets only as many creates wait as releases are due: the others make new checkouts at once", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const a = await finishedTask(manager, repo, "task-a");
    const released = manager.releaseDue();
    const c = manager.create({ runId: "run-2", taskId: "task-c", slug: "task-c" });
    const d = manager.create({ runId: "run-2", taskId: "task-d", slug: "task-d" });
    // One of the two makes a new checkout without waiting: the release comes only after it.
    const first = await Promise.race([c, d]);
    expect(first.recycled).toBeFalsy();
    await manager.release("run-1", "task-a");
    released();
    const other = first === (await c) ? await d : await c;
    expect(other).toMatchObject({ path: a.path, recycled: true });
  });

  it("removes a worktree it cannot pool, such as one with a stale index.lock a killed git left", async () => {
    const { repo, manager } = await repoWithManager(temp, FILES);
    const info = await finishedTask(manager, repo, "task-a");
    writeFileSync(path.join((await worktreeGitDir(info.path)) as string, "index.lock"), "");
    const { entries } = await manager.releaseRun("run-1");
    expect(entries.map((e) => e.action)).toEqual(["removed"]);
    expect(existsSync(info.path)).toBe(false);
    expect(await repo.git(["show", `${info.branch}:task-a.ts`])).toContain("task_a");
  });
});
