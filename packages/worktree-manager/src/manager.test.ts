import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GadugiError } from "@gadugi/error-handling";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { MARKER_FILE, type OwnWorktree, WorktreeManager, WorktreeRegistry } from "./index.js";
import { repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();

async function rejection(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("creating worktrees", () => {
  it("creates a worktree on a new branch from a chosen base", async () => {
    const { repo, manager } = await repoWithManager(temp);
    await repo.git(["checkout", "-q", "-b", "develop"]);
    const developTip = await repo.commit("develop work", { "dev.txt": "from develop\n" });
    await repo.git(["checkout", "-q", "main"]);

    const info = await manager.create({
      runId: "run-1",
      taskId: "task-a",
      slug: "Add the login page",
      baseRef: "develop",
    });

    expect(info.path).toBe(path.join(repo.dir, ".worktrees", "task-a"));
    expect(info.branch).toBe("gadugi/add-the-login-page");
    expect(info.baseRef).toBe("develop");
    expect(info.baseCommit).toBe(developTip);
    expect(info.resumed).toBe(false);
    expect(readFileSync(path.join(info.path, "dev.txt"), "utf8")).toBe("from develop\n");
    expect(await repo.git(["rev-parse", "gadugi/add-the-login-page"])).toBe(developTip);
    // The branch does not track its base, and the main checkout is untouched.
    expect(
      await repo.git(["config", "--get-all", "branch.gadugi/add-the-login-page.merge"]).catch(() => ""),
    ).toBe("");
    expect(await repo.git(["symbolic-ref", "--short", "HEAD"])).toBe("main");
    expect(await repo.git(["status", "--porcelain"])).toBe("");
  });

  it("defaults to the current branch, and to the commit on a detached HEAD (never a hard-coded main)", async () => {
    const { repo, manager } = await repoWithManager(temp);
    await repo.git(["checkout", "-q", "-b", "feature"]);
    const featureTip = await repo.commit("feature", { "f.txt": "f\n" });
    const onFeature = await manager.create({ runId: "r", taskId: "t1", slug: "one" });
    expect(onFeature.baseRef).toBe("feature");
    expect(onFeature.baseCommit).toBe(featureTip);

    await repo.git(["checkout", "-q", "--detach", "HEAD~1"]);
    const detachedAt = await repo.git(["rev-parse", "HEAD"]);
    const detached = await manager.create({ runId: "r", taskId: "t2", slug: "two" });
    expect(detached.baseRef).toBe(detachedAt);
    expect(detached.baseCommit).toBe(detachedAt);
  });

  it("rejects a base ref that names nothing, and ids that are not safe directory names", async () => {
    const { manager } = await repoWithManager(temp);
    expect(
      (await rejection(manager.create({ runId: "r", taskId: "t", slug: "s", baseRef: "nope" }))).code,
    ).toBe("GADUGI_INVALID_ARGUMENT");
    expect((await rejection(manager.create({ runId: "r", taskId: "../escape", slug: "s" }))).code).toBe(
      "GADUGI_INVALID_ARGUMENT",
    );
  });

  it("creates 16 worktrees from concurrent promises without a failure", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) =>
        // Separate managers too: the lock must serialize across instances, not just within one.
        (i % 2 === 0 ? manager : new WorktreeManager({ repoRoot: repo.dir, env: repo.env })).create({
          runId: "run-c",
          taskId: `task-${i}`,
          slug: `task ${i}`,
        }),
      ),
    );
    const failed = results.filter((r) => r.status === "rejected");
    expect(failed).toEqual([]);
    const listed = (await repo.git(["worktree", "list", "--porcelain"])).match(/^worktree /gm) ?? [];
    expect(listed).toHaveLength(17);
    const records = await manager.records();
    expect(records.filter((r) => r.status === "active")).toHaveLength(16);
    expect(new Set(records.map((r) => r.branch)).size).toBe(16);
  });

  it("creates worktrees from two processes at once without a failure", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const dist = pathToFileURL(fileURLToPath(new URL("../dist/index.js", import.meta.url))).href;
    const script = `
      const { WorktreeManager } = await import(${JSON.stringify(dist)});
      const m = new WorktreeManager({ repoRoot: process.argv[1] });
      await m.root();
      console.log("ready");
      const r = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
        m.create({ runId: "run-child", taskId: "child-" + i, slug: "child " + i })));
      const bad = r.filter((x) => x.status === "rejected").map((x) => String(x.reason));
      console.log(JSON.stringify(bad));
      process.exit(bad.length ? 1 : 0);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, repo.dir], {
      env: { ...process.env, ...repo.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await new Promise<void>((resolve) => {
      child.on("close", () => resolve());
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("ready")) resolve();
      });
    });
    const mine = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        manager.create({ runId: "run-parent", taskId: `parent-${i}`, slug: `parent ${i}` }),
      ),
    );
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual([]);
    expect(mine.filter((r) => r.status === "rejected")).toEqual([]);
    // The two processes really ran at the same time: their creations interleave.
    const records = await manager.records();
    const times = (runId: string) =>
      records.filter((r) => r.runId === runId).map((r) => Date.parse(r.createdAt));
    expect(Math.min(...times("run-child"))).toBeLessThan(Math.max(...times("run-parent")));
    expect(Math.min(...times("run-parent"))).toBeLessThan(Math.max(...times("run-child")));
    expect(records.filter((r) => r.status === "active")).toHaveLength(16);
    expect((await repo.git(["worktree", "list", "--porcelain"])).match(/^worktree /gm)).toHaveLength(17);
  });

  it("never takes over a branch that exists, and reuses its own when the same run resumes the task", async () => {
    const { repo, manager } = await repoWithManager(temp);
    await repo.git(["branch", "gadugi/taken"]);
    await repo.git(["branch", "gadugi/taken-2"]);
    const userTip = await repo.git(["rev-parse", "gadugi/taken"]);
    const fresh = await manager.create({ runId: "r1", taskId: "t1", slug: "taken" });
    expect(fresh.branch).toBe("gadugi/taken-3");
    expect(fresh.resumed).toBe(false);
    expect(await repo.git(["rev-parse", "gadugi/taken"])).toBe(userTip);

    // The same run and task take up their own worktree again.
    const first = await manager.create({ runId: "r1", taskId: "t2", slug: "mine" });
    writeFileSync(path.join(first.path, "wip.txt"), "work in progress\n");
    const again = await manager.create({ runId: "r1", taskId: "t2", slug: "mine" });
    expect(again.resumed).toBe(true);
    expect(again.path).toBe(first.path);
    expect(readFileSync(path.join(again.path, "wip.txt"), "utf8")).toBe("work in progress\n");

    // ...and their branch after the worktree was removed (branch kept).
    await repo.git(["commit", "-q", "--allow-empty", "-m", "task commit"], { cwd: first.path });
    await manager.remove("t2");
    expect(existsSync(first.path)).toBe(false);
    const resumed = await manager.create({ runId: "r1", taskId: "t2", slug: "mine" });
    expect(resumed.resumed).toBe(true);
    expect(resumed.baseCommit).toBe(first.baseCommit);
    expect(readFileSync(path.join(resumed.path, "wip.txt"), "utf8")).toBe("work in progress\n");

    // Another run (the same prompts run again) gets a branch of its own, even when told to reuse:
    // r1 recorded gadugi/mine as its own.
    const other = await manager.create({ runId: "r2", taskId: "t2", slug: "mine" });
    expect(other.branch).toBe("gadugi/mine-2");
    await manager.remove("t2", { runId: "r2" });
    const reused = await manager.create({ runId: "r3", taskId: "t9", slug: "mine", reuseBranch: true });
    expect(reused.branch).toBe("gadugi/mine-3");

    // A branch no record claims is taken up with reuseBranch (a crash before it was recorded).
    await repo.git(["branch", "gadugi/orphan"]);
    const orphan = await manager.create({ runId: "r4", taskId: "t1", slug: "orphan", reuseBranch: true });
    expect(orphan).toMatchObject({ branch: "gadugi/orphan", resumed: true });
  });

  it("recreates a task's worktree whose directory was deleted by hand, on its kept branch", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const first = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    await repo.git(["commit", "-q", "--allow-empty", "-m", "kept"], { cwd: first.path });
    const tip = await repo.git(["rev-parse", "gadugi/s"]);
    rmSync(first.path, { recursive: true, force: true });
    const again = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    expect(again).toMatchObject({ resumed: true, path: first.path, baseCommit: first.baseCommit });
    expect(await repo.git(["rev-parse", "HEAD"], { cwd: again.path })).toBe(tip);
  });

  it("refuses a directory that is already taken", async () => {
    const { repo, manager } = await repoWithManager(temp);
    repo.write({ ".worktrees/t1/keep.txt": "someone's file\n" });
    const error = await rejection(manager.create({ runId: "r", taskId: "t1", slug: "x" }));
    expect(error.code).toBe("GADUGI_WORKTREE_EXISTS");
    expect(repo.read(".worktrees/t1/keep.txt")).toBe("someone's file\n");
    expect(await repo.git(["branch", "--list", "gadugi/x"])).toBe("");
  });

  it("checks free disk space against the checkout size before creating", async () => {
    const files = { "big.bin": "x".repeat(300_000), "small.txt": "s\n" };
    const asked: string[] = [];
    const { repo, manager } = await repoWithManager(temp, files, {
      diskReserveMb: 1,
      freeSpace: async (dir) => {
        asked.push(dir);
        return 512 * 1024;
      },
    });
    const error = await rejection(manager.create({ runId: "r", taskId: "t", slug: "s" }));
    expect(error.code).toBe("GADUGI_DISK_SPACE");
    expect(error.args).toMatchObject({ neededMb: 2, freeMb: 0 });
    expect(error.hint).toContain("gadugi worktrees clean");
    expect(asked[0]).toBe(repo.dir);
    expect(existsSync(path.join(repo.dir, ".worktrees", "t"))).toBe(false);
    expect(await repo.git(["branch", "--list", "gadugi/s"])).toBe("");

    const roomy = new WorktreeManager({
      repoRoot: repo.dir,
      env: repo.env,
      freeSpace: async () => 10 * 1024 ** 3,
    });
    await expect(roomy.create({ runId: "r", taskId: "t", slug: "s" })).resolves.toMatchObject({
      taskId: "t",
    });
  });

  it("marks its worktrees inside their git dir and in the registry", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const marker = JSON.parse(
      readFileSync(path.join(repo.dir, ".git", "worktrees", "t", MARKER_FILE), "utf8"),
    );
    expect(marker).toMatchObject({
      tool: "gadugi",
      record: { runId: "r", taskId: "t", branch: info.branch },
    });
    const registry = await new WorktreeRegistry(path.join(repo.dir, ".gadugi", "worktrees.json")).read();
    expect(registry).toEqual([
      expect.objectContaining({ runId: "r", taskId: "t", status: "active", path: info.path }),
    ]);
    // Neither .gadugi nor the worktrees show up in the main checkout's status.
    expect(await repo.git(["status", "--porcelain"])).toBe("");
  });
});

describe("listing worktrees", () => {
  it("reports dirty, ahead and behind per worktree, and foreign ones only on request", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const a = await manager.create({ runId: "r", taskId: "a", slug: "a" });
    const b = await manager.create({ runId: "r", taskId: "b", slug: "b" });
    await repo.git(["commit", "-q", "--allow-empty", "-m", "a1"], { cwd: a.path });
    await repo.git(["commit", "-q", "--allow-empty", "-m", "a2"], { cwd: a.path });
    writeFileSync(path.join(b.path, "new.txt"), "untracked\n");
    await repo.commit("main moves on", { "m.txt": "m\n" });
    await repo.git(["worktree", "add", "-q", path.join(repo.dir, "..", `${path.basename(repo.dir)}-mine`)]);
    temp.track({
      cleanup: () =>
        rmSync(path.join(repo.dir, "..", `${path.basename(repo.dir)}-mine`), {
          recursive: true,
          force: true,
        }),
    });

    const own = (await manager.list()) as OwnWorktree[];
    expect(own.map((w) => [w.taskId, w.dirty, w.ahead, w.behind])).toEqual([
      ["a", false, 2, 1],
      ["b", true, 0, 1],
    ]);
    expect(own.every((w) => !w.foreign && w.marked && w.exists && w.ownerAlive)).toBe(true);

    const all = await manager.list({ includeForeign: true, details: false });
    expect(all.filter((w) => w.foreign)).toEqual([
      expect.objectContaining({ foreign: true, branch: `${path.basename(repo.dir)}-mine` }),
    ]);
    expect(await manager.list({ taskId: "b", details: false })).toHaveLength(1);
  });
});

describe("cleanup never loses work", () => {
  it("commits uncommitted work (untracked files included) to the task branch before removal", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "keep me" });
    writeFileSync(path.join(info.path, "README.md"), "# changed\n");
    writeFileSync(path.join(info.path, "brand-new.txt"), "new file\n");

    const { entries } = await manager.cleanup({ runId: "r" });

    expect(entries).toEqual([
      expect.objectContaining({
        taskId: "t",
        action: "removed",
        branchDeleted: false,
        savedWork: expect.objectContaining({ mode: "commit" }),
      }),
    ]);
    expect(existsSync(info.path)).toBe(false);
    expect(await repo.git(["show", "gadugi/keep-me:brand-new.txt"])).toBe("new file");
    expect(await repo.git(["show", "gadugi/keep-me:README.md"])).toBe("# changed");
    expect(await repo.git(["log", "-1", "--format=%s", "gadugi/keep-me"])).toContain("task t");
    const [record] = await manager.records();
    expect(record).toMatchObject({
      status: "removed",
      savedWork: [expect.objectContaining({ mode: "commit" })],
    });
  });

  it("commits even where git has no identity configured", async () => {
    const { createTempRepo } = await import("@gadugi/test-utils");
    const repo = temp.track(await createTempRepo({ identity: false, files: { "a.txt": "a\n" } }));
    const manager = new WorktreeManager({ repoRoot: repo.dir, env: repo.env });
    const info = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    writeFileSync(path.join(info.path, "a.txt"), "changed\n");
    const entry = await manager.remove("t");
    expect(entry.savedWork?.mode).toBe("commit");
    expect(await repo.git(["show", "gadugi/s:a.txt"])).toBe("changed");
  });

  it("saves a binary patch under .gadugi/patches that applies back", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "patchy" });
    writeFileSync(path.join(info.path, "README.md"), "# patched\n");
    writeFileSync(path.join(info.path, "blob.bin"), Buffer.from([0, 1, 2, 255, 0, 10]));
    rmSync(path.join(info.path, "src", "a.ts"));

    const entry = await manager.remove("t", { save: "patch" });

    const patchFile = path.join(repo.dir, ".gadugi", "patches", "r", "t.patch");
    expect(entry.savedWork).toMatchObject({ mode: "patch", patchFile });
    expect(existsSync(info.path)).toBe(false);
    // The branch itself is unchanged; the patch brings the work back.
    expect(await repo.git(["rev-parse", "gadugi/patchy"])).toBe(info.baseCommit);
    await repo.git(["checkout", "-q", "gadugi/patchy"]);
    await repo.git(["apply", "--index", patchFile]);
    expect(repo.read("README.md")).toBe("# patched\n");
    expect([...readFileSync(path.join(repo.dir, "blob.bin"))]).toEqual([0, 1, 2, 255, 0, 10]);
    expect(existsSync(path.join(repo.dir, "src", "a.ts"))).toBe(false);
  });

  it("falls back to a patch when the task branch is not checked out (a commit there would be lost)", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    await repo.git(["checkout", "-q", "--detach"], { cwd: info.path });
    writeFileSync(path.join(info.path, "x.txt"), "x\n");
    const entry = await manager.remove("t");
    expect(entry.savedWork?.mode).toBe("patch");
  });

  it("keeps branches with commits unless deletion is asked with force, and bundles them first", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const empty = await manager.create({ runId: "r", taskId: "empty", slug: "empty" });
    const busy = await manager.create({ runId: "r", taskId: "busy", slug: "busy" });
    const tip = await repo
      .git(["commit", "-q", "--allow-empty", "-m", "work", "--no-verify"], { cwd: busy.path })
      .then(() => repo.git(["rev-parse", "HEAD"], { cwd: busy.path }));

    const first = await manager.cleanup({ runId: "r", deleteBranches: true });
    const byTask = Object.fromEntries(first.entries.map((e) => [e.taskId, e]));
    expect(byTask.empty).toMatchObject({ action: "removed", branchDeleted: true });
    expect(byTask.busy).toMatchObject({ action: "removed", branchDeleted: false });
    expect(byTask.busy?.reason).toMatch(/1 of its commit/);
    expect(await repo.git(["branch", "--list", empty.branch])).toBe("");
    expect(await repo.git(["rev-parse", busy.branch])).toBe(tip);

    const forced = await manager.cleanup({ runId: "r", deleteBranches: true, force: true });
    expect(forced.entries).toEqual([
      expect.objectContaining({ taskId: "busy", branchDeleted: true, branchTip: tip }),
    ]);
    const bundle = forced.entries[0]!.bundle!;
    expect(bundle).toBe(path.join(repo.dir, ".gadugi", "patches", "r", "busy.bundle"));
    expect(await repo.git(["branch", "--list", busy.branch])).toBe("");
    // The bundle brings the commits back.
    await repo.git(["fetch", "-q", bundle, `${busy.branch}:restored`]);
    expect(await repo.git(["rev-parse", "restored"])).toBe(tip);
  });

  it("deletes branches whose commits are all on the base or on an integration branch, without force", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const merged = await manager.create({ runId: "r", taskId: "merged", slug: "merged" });
    const landed = await manager.create({ runId: "r", taskId: "landed", slug: "landed" });
    const open = await manager.create({ runId: "r", taskId: "open", slug: "open" });
    for (const wt of [merged, landed, open]) {
      await repo.git(["commit", "-q", "--allow-empty", "-m", `work of ${wt.taskId}`], { cwd: wt.path });
    }
    // merged: on an integration branch; landed: fast-forwarded onto main; open: nowhere else.
    await repo.git(["branch", "gadugi/integration-r", merged.branch]);
    await repo.git(["merge", "-q", "--ff-only", landed.branch]);
    await manager.cleanup({ runId: "r" });

    const { entries } = await manager.cleanup({ runId: "r", deleteBranches: true });
    const byTask = Object.fromEntries(entries.map((e) => [e.taskId, e]));
    expect(byTask.merged).toMatchObject({ branchDeleted: true });
    expect(byTask.landed).toMatchObject({ branchDeleted: true });
    expect(byTask.open).toMatchObject({ branchDeleted: false });
    expect(byTask.open?.reason).toMatch(
      /1 of its commit\(s\) are neither on main nor on an integration branch/,
    );
    expect(await repo.git(["branch", "--list", "gadugi/merged", "gadugi/landed"])).toBe("");
  });

  it("cleans one task without touching its sibling", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const a = await manager.create({ runId: "r", taskId: "a", slug: "a" });
    const b = await manager.create({ runId: "r", taskId: "b", slug: "b" });
    writeFileSync(path.join(b.path, "sibling-work.txt"), "do not touch\n");

    const { entries } = await manager.cleanup({ taskId: "a", deleteBranches: true });

    expect(entries.map((e) => e.taskId)).toEqual(["a"]);
    expect(existsSync(a.path)).toBe(false);
    expect(readFileSync(path.join(b.path, "sibling-work.txt"), "utf8")).toBe("do not touch\n");
    expect(await repo.git(["status", "--porcelain"], { cwd: b.path })).toBe("?? sibling-work.txt");
    expect(await repo.git(["rev-parse", b.branch])).toBe(b.baseCommit);
    expect((await manager.get("r", "b"))?.status).toBe("active");
  });

  it("refuses to touch worktrees it did not make", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const foreignPath = path.join(repo.dir, ".worktrees", "handmade");
    await repo.git(["worktree", "add", "-q", "-b", "gadugi/handmade", foreignPath]);
    writeFileSync(path.join(foreignPath, "theirs.txt"), "theirs\n");

    const byPath = await rejection(manager.remove(foreignPath, { force: true }));
    expect(byPath.code).toBe("GADUGI_WORKTREE_FOREIGN");
    const byName = await rejection(manager.remove("handmade", { force: true }));
    expect(byName.code).toBe("GADUGI_WORKTREE_FOREIGN");
    expect((await manager.cleanup({ force: true, deleteBranches: true })).entries).toEqual([]);
    expect(readFileSync(path.join(foreignPath, "theirs.txt"), "utf8")).toBe("theirs\n");
    expect(await repo.git(["branch", "--list", "gadugi/handmade"])).toContain("gadugi/handmade");

    // A registry record whose directory was replaced by someone else's worktree is not trusted either.
    const mine = await manager.create({ runId: "r", taskId: "swap", slug: "swap" });
    await repo.git(["worktree", "remove", "--force", mine.path]);
    await repo.git(["worktree", "add", "-q", "-b", "someone-else", mine.path]);
    const { entries } = await manager.cleanup({ taskId: "swap", force: true });
    expect(entries).toEqual([
      expect.objectContaining({ action: "skipped", code: "GADUGI_WORKTREE_FOREIGN" }),
    ]);
    expect(existsSync(mine.path)).toBe(true);
    expect(await rejection(manager.remove("swap"))).toMatchObject({ code: "GADUGI_WORKTREE_FOREIGN" });
  });

  it("leaves a worktree whose creating process still runs unless forced", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    // Pretend another live process (pid 1) made it.
    const registry = new WorktreeRegistry(path.join(repo.dir, ".gadugi", "worktrees.json"));
    await registry.update((all) => {
      all[0]!.owner.pid = 1;
    });
    const skipped = await manager.cleanup({});
    expect(skipped.entries).toEqual([
      expect.objectContaining({ action: "skipped", reason: expect.stringMatching(/process 1/) }),
    ]);
    expect(existsSync(info.path)).toBe(true);
    const forced = await manager.cleanup({ force: true });
    expect(forced.entries[0]?.action).toBe("removed");
  });

  it("skips a locked worktree unless forced, and still saves its work before removing it", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "locked" });
    await repo.git(["worktree", "lock", "--reason", "agent running", info.path]);
    writeFileSync(path.join(info.path, "work.txt"), "precious\n");
    expect((await manager.cleanup({})).entries).toEqual([
      expect.objectContaining({ action: "skipped", reason: expect.stringMatching(/locked/) }),
    ]);
    expect(existsSync(info.path)).toBe(true);
    const entry = await manager.remove("t", { force: true });
    expect(entry).toMatchObject({ action: "removed", savedWork: { mode: "commit" } });
    expect(await repo.git(["show", "gadugi/locked:work.txt"])).toBe("precious");
  });

  it("prunes records of worktrees deleted by hand, keeping their branches, and never foreign metadata", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "gone", slug: "gone" });
    const foreignPath = path.join(repo.dir, "..", `${path.basename(repo.dir)}-foreign`);
    await repo.git(["worktree", "add", "-q", "-b", "foreign", foreignPath]);
    rmSync(info.path, { recursive: true, force: true });
    rmSync(foreignPath, { recursive: true, force: true });

    const result = await manager.prune();

    expect(result.pruned.map((r) => r.taskId)).toEqual(["gone"]);
    expect(existsSync(path.join(repo.dir, ".git", "worktrees", "gone"))).toBe(false);
    // git's own metadata of the foreign worktree is left for the user.
    expect(existsSync(path.join(repo.dir, ".git", "worktrees", path.basename(foreignPath)))).toBe(true);
    expect(await repo.git(["rev-parse", info.branch])).toBe(info.baseCommit);
    expect((await manager.get("r", "gone"))?.status).toBe("removed");
    // The task can be created again on its kept branch.
    await expect(manager.create({ runId: "r", taskId: "gone", slug: "gone" })).resolves.toMatchObject({
      resumed: true,
    });
  });

  it("re-registers a marked worktree the registry lost (crash between creation and registration)", async () => {
    const { repo, manager } = await repoWithManager(temp);
    await manager.create({ runId: "r", taskId: "t", slug: "s" });
    writeFileSync(
      path.join(repo.dir, ".gadugi", "worktrees.json"),
      `${JSON.stringify({ version: 1, worktrees: [] })}\n`,
    );
    const result = await manager.prune();
    expect(result.recovered.map((r) => r.taskId)).toEqual(["t"]);
    expect((await manager.get("r", "t"))?.status).toBe("active");
  });
});
