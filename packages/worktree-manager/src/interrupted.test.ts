import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GadugiError } from "@gadugi/error-handling";
import { type TempRepo, useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { MARKER_FILE, type OwnWorktree, type WorktreeManager, WorktreeRegistry } from "./index.js";
import { fakeBin, repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const dist = pathToFileURL(path.join(packageDir, "dist", "index.js")).href;

/** Every descendant of `pid` (children first found by `ps`), `pid` included. */
function processTree(pid: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of table) if (parent === tree[i] && !tree.includes(child)) tree.push(child);
  }
  return tree;
}

/** A power cut: SIGSTOP every process of the tree (nothing moves on), then SIGKILL them all. */
function powerCut(pid: number): void {
  const tree = processTree(pid);
  const signal = (p: number, name: NodeJS.Signals) => {
    try {
      process.kill(p, name);
    } catch {
      // Already gone.
    }
  };
  for (const p of tree) signal(p, "SIGSTOP");
  for (const p of processTree(pid)) if (!tree.includes(p)) tree.push(p);
  for (const p of tree) signal(p, "SIGKILL");
}

/**
 * Runs `manager.create({ runId, taskId, slug })` in a child process (the orchestrator), which
 * dies by `killAt` or is cut from outside once `until` holds. Resolves with its exit signal.
 */
function createInChild(
  repo: TempRepo,
  task: { runId: string; taskId: string; slug: string },
  options: {
    /** The child SIGKILLs itself just before `git worktree add` starts, or just after it finished. */
    killAt?: "add" | "after-add";
    /** Cut (by default: the power of the whole process tree) once this holds. */
    until?: () => boolean;
    cut?: () => void;
    onSpawn?: (pid: number) => void;
  } = {},
): Promise<NodeJS.Signals | null> {
  const script = `
    const { WorktreeManager } = await import(${JSON.stringify(dist)});
    const { createProcessRunner } = await import("@gadugi/git");
    const real = createProcessRunner();
    const runner = { run(file, args, opts) {
      const add = args.includes("worktree") && args.includes("add");
      if (add && process.env.KILL_AT === "add") process.kill(process.pid, "SIGKILL");
      return real.run(file, args, opts).then((result) => {
        if (add && process.env.KILL_AT === "after-add") process.kill(process.pid, "SIGKILL");
        return result;
      });
    } };
    const m = new WorktreeManager({ repoRoot: process.argv[1], runner });
    await m.create(JSON.parse(process.argv[2]));`;
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", script, repo.dir, JSON.stringify(task)],
    {
      cwd: packageDir,
      env: { ...process.env, ...repo.env, ...(options.killAt ? { KILL_AT: options.killAt } : {}) },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const ended = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  options.onSpawn?.(child.pid!);
  if (options.until) {
    const cut = options.cut ?? (() => powerCut(child.pid!));
    void waitFor(options.until, 20_000, "the child never reached the moment to cut").then(cut);
  }
  return ended;
}

/**
 * A repo whose `slow.txt` goes through a smudge filter that blocks until `release()`: a
 * `git worktree add` of it stops mid-checkout (the files before it written, git's admin dir
 * locked "initializing"), deterministically. Bystanders made before: another task's worktree
 * with uncommitted work, and a worktree of the user's.
 */
async function blockingRepo() {
  const files: Record<string, string> = { ".gitattributes": "slow.txt filter=slow\n", "slow.txt": "slow\n" };
  for (let i = 0; i < 50; i++) files[`a/file-${i}.txt`] = `file ${i}\n`;
  const { repo, manager } = await repoWithManager(temp, files);
  const sibling = await manager.create({ runId: "run-1", taskId: "sibling", slug: "sibling" });
  writeFileSync(path.join(sibling.path, "sibling-work.txt"), "do not touch\n");
  const userWorktree = path.join(repo.dir, ".worktrees", "by-hand");
  await repo.git(["worktree", "add", "-q", "-b", "by-hand", userWorktree]);
  writeFileSync(path.join(userWorktree, "theirs.txt"), "theirs\n");

  const signals = temp.dir("gadugi-smudge-");
  const smudge = fakeBin(
    signals,
    "smudge",
    `touch "${signals}/reached"\nwhile [ ! -e "${signals}/release" ]; do sleep 0.05; done\ncat`,
  );
  await repo.git(["config", "filter.slow.smudge", smudge]);
  return {
    repo,
    manager,
    sibling,
    userWorktree,
    reached: () => existsSync(path.join(signals, "reached")),
    release: () => writeFileSync(path.join(signals, "release"), ""),
    /** Blocks the next checkout of slow.txt again. */
    rearm: () => {
      rmSync(path.join(signals, "reached"), { force: true });
      rmSync(path.join(signals, "release"), { force: true });
    },
  };
}

/** Kills the orchestrator (and git, and git's checkout) while `git worktree add` checks out task-a. */
async function killDuringCheckout(setup: Awaited<ReturnType<typeof blockingRepo>>) {
  const signal = await createInChild(
    setup.repo,
    { runId: "run-1", taskId: "task-a", slug: "alpha" },
    { until: setup.reached },
  );
  expect(signal).toBe("SIGKILL");
  setup.release();
  return path.join(setup.repo.dir, ".worktrees", "task-a");
}

/** The bystanders are exactly as they were. */
async function expectBystandersUntouched(setup: Awaited<ReturnType<typeof blockingRepo>>) {
  const { repo, manager, sibling, userWorktree } = setup;
  expect(readFileSync(path.join(sibling.path, "sibling-work.txt"), "utf8")).toBe("do not touch\n");
  expect(await repo.git(["status", "--porcelain"], { cwd: sibling.path })).toBe("?? sibling-work.txt");
  expect((await manager.get("run-1", "sibling"))?.status).toBe("active");
  expect(readFileSync(path.join(userWorktree, "theirs.txt"), "utf8")).toBe("theirs\n");
  expect(await repo.git(["symbolic-ref", "--short", "HEAD"], { cwd: userWorktree })).toBe("by-hand");
  expect(await repo.git(["status", "--porcelain"])).toBe("");
  expect(await repo.git(["symbolic-ref", "--short", "HEAD"])).toBe("main");
}

async function listed(manager: WorktreeManager, taskId: string): Promise<OwnWorktree | undefined> {
  return (await manager.list({ taskId })).find((w): w is OwnWorktree => !w.foreign);
}

describe("a crash during git worktree add", () => {
  it("leaves a record that list shows, and create of the same run and task repairs it", async () => {
    const setup = await blockingRepo();
    const { repo, manager } = setup;
    const target = await killDuringCheckout(setup);

    // What git left: a half-made worktree on the task branch, partly checked out (the files are
    // written by a checkout after `git worktree add --no-checkout`, outside the lock).
    const porcelain = await repo.git(["worktree", "list", "--porcelain"]);
    expect(porcelain).toContain(`worktree ${target}\n`);
    expect(porcelain).toContain(`worktree ${target}\nHEAD`);
    expect(existsSync(path.join(target, "a", "file-0.txt"))).toBe(true);
    expect(existsSync(path.join(target, "slow.txt"))).toBe(false);
    expect(existsSync(path.join(repo.dir, ".git", "worktrees", "task-a", MARKER_FILE))).toBe(false);

    expect(await listed(manager, "task-a")).toMatchObject({
      status: "creating",
      interrupted: true,
      ownerAlive: false,
      branch: "gadugi/alpha",
      path: target,
    });

    const info = await manager.create({ runId: "run-1", taskId: "task-a", slug: "alpha" });

    expect(info).toMatchObject({ path: target, branch: "gadugi/alpha", status: "active" });
    expect(await repo.git(["rev-parse", "gadugi/alpha"])).toBe(info.baseCommit);
    expect(readFileSync(path.join(target, "slow.txt"), "utf8")).toBe("slow\n");
    expect(await repo.git(["status", "--porcelain"], { cwd: target })).toBe("");
    expect(await repo.git(["worktree", "list", "--porcelain"])).not.toMatch(/locked initializing/);
    expect(await listed(manager, "task-a")).toMatchObject({ status: "active", marked: true });
    expect(await repo.git(["branch", "--list", "gadugi/alpha-*"])).toBe("");
    await expectBystandersUntouched(setup);
  }, 60_000);

  it("is repaired when only the orchestrator died and git went on alone", async () => {
    const setup = await blockingRepo();
    const { repo, manager } = setup;
    const target = path.join(repo.dir, ".worktrees", "task-a");
    let orchestrator = 0;
    const signal = await createInChild(
      repo,
      { runId: "run-1", taskId: "task-a", slug: "alpha" },
      {
        until: () => setup.reached(),
        onSpawn: (pid) => {
          orchestrator = pid;
        },
        cut: () => process.kill(orchestrator, "SIGKILL"),
      },
    );
    expect(signal).toBe("SIGKILL");
    setup.release();
    // git finishes or (its output pipe gone) cleans up after itself; either way it unlocks (the
    // worktree, and the index its checkout writes).
    const adminDir = path.join(repo.dir, ".git", "worktrees", "task-a");
    await waitFor(
      () => !existsSync(path.join(adminDir, "locked")) && !existsSync(path.join(adminDir, "index.lock")),
      20_000,
    );
    expect(await listed(manager, "task-a")).toMatchObject({
      status: "creating",
      interrupted: true,
      marked: false,
    });

    const info = await manager.create({ runId: "run-1", taskId: "task-a", slug: "alpha" });
    expect(info).toMatchObject({ path: target, status: "active" });
    expect(readFileSync(path.join(target, "slow.txt"), "utf8")).toBe("slow\n");
    expect(await listed(manager, "task-a")).toMatchObject({ marked: true, dirty: false });
    await expectBystandersUntouched(setup);
  }, 60_000);

  it("is removed by cleanup without force, and by remove, touching nothing else", async () => {
    const setup = await blockingRepo();
    const { repo, manager } = setup;
    const target = await killDuringCheckout(setup);

    const { entries } = await manager.cleanup({ runId: "run-1", taskId: "task-a", deleteBranches: true });

    expect(entries).toEqual([
      expect.objectContaining({
        taskId: "task-a",
        action: "removed",
        interrupted: true,
        branchDeleted: true,
      }),
    ]);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(path.join(repo.dir, ".git", "worktrees", "task-a"))).toBe(false);
    expect(await repo.git(["worktree", "list", "--porcelain"])).not.toContain(target);
    expect((await manager.get("run-1", "task-a"))?.status).toBe("removed");
    await expectBystandersUntouched(setup);

    // remove names it like any worktree of Gadugi's.
    setup.rearm();
    await killDuringCheckout(setup);
    const second = path.join(repo.dir, ".worktrees", "task-a");
    expect((await manager.get("run-1", "task-a"))?.status).toBe("creating");
    expect(await manager.remove("task-a")).toMatchObject({ action: "removed", interrupted: true });
    expect(existsSync(second)).toBe(false);
    await expectBystandersUntouched(setup);
  }, 60_000);

  it("is repaired by prune, and the next create makes it afresh", async () => {
    const setup = await blockingRepo();
    const { manager } = setup;
    const target = await killDuringCheckout(setup);
    const result = await manager.prune();
    expect(result.repaired.map((r) => r.taskId)).toEqual(["task-a"]);
    expect(result.orphaned).toEqual([]);
    expect(existsSync(target)).toBe(false);
    const info = await manager.create({ runId: "run-1", taskId: "task-a", slug: "alpha" });
    expect(info).toMatchObject({ path: target, branch: "gadugi/alpha", resumed: true });
    await expectBystandersUntouched(setup);
  }, 60_000);
});

describe("a crash between the intent record and git worktree add", () => {
  it("keeps the task's branch with its commits, and create takes it up again", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const task = { runId: "run-1", taskId: "task-a", slug: "alpha" };
    const first = await manager.create(task);
    await repo.git(["commit", "-q", "--allow-empty", "-m", "the agent's commit"], { cwd: first.path });
    const tip = await repo.git(["rev-parse", "gadugi/alpha"]);
    await manager.remove("task-a");
    const other = await manager.create({ runId: "run-1", taskId: "task-b", slug: "beta" });

    expect(await createInChild(repo, task, { killAt: "add" })).toBe("SIGKILL");

    const record = await manager.get("run-1", "task-a");
    expect(record).toMatchObject({ status: "creating", branch: "gadugi/alpha", path: first.path });
    expect(existsSync(first.path)).toBe(false);
    expect(await listed(manager, "task-a")).toMatchObject({ interrupted: true, exists: false });

    const again = await manager.create(task);
    expect(again).toMatchObject({ path: first.path, branch: "gadugi/alpha", resumed: true });
    expect(again.baseCommit).toBe(first.baseCommit);
    expect(await repo.git(["rev-parse", "HEAD"], { cwd: again.path })).toBe(tip);
    expect((await manager.get("run-1", "task-b"))?.status).toBe("active");
    expect(existsSync(other.path)).toBe(true);
  }, 60_000);

  it("a fresh task: the branch is made on the retry, and cleanup clears the record", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const task = { runId: "run-1", taskId: "task-a", slug: "alpha" };
    expect(await createInChild(repo, task, { killAt: "add" })).toBe("SIGKILL");
    expect(await manager.get("run-1", "task-a")).toMatchObject({ status: "creating" });

    const { entries } = await manager.cleanup({});
    expect(entries).toEqual([
      expect.objectContaining({ taskId: "task-a", action: "removed", interrupted: true }),
    ]);
    expect(await manager.list()).toEqual([]);
    const info = await manager.create(task);
    expect(info).toMatchObject({ branch: "gadugi/alpha", status: "active" });
    expect(await repo.git(["rev-parse", "gadugi/alpha"])).toBe(info.baseCommit);
  }, 60_000);

  it("after git finished but before the marker: the unmarked checkout is made again", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const task = { runId: "run-1", taskId: "task-a", slug: "alpha" };
    expect(await createInChild(repo, task, { killAt: "after-add" })).toBe("SIGKILL");
    const target = path.join(repo.dir, ".worktrees", "task-a");
    expect(await repo.git(["symbolic-ref", "--short", "HEAD"], { cwd: target })).toBe("gadugi/alpha");
    expect(await listed(manager, "task-a")).toMatchObject({
      status: "creating",
      exists: true,
      marked: false,
    });
    // Not listed as foreign either: it is Gadugi's, half-made.
    expect((await manager.list({ includeForeign: true })).filter((w) => w.foreign)).toEqual([]);

    const info = await manager.create(task);
    expect(info).toMatchObject({ path: target, branch: "gadugi/alpha", status: "active" });
    expect(existsSync(path.join(repo.dir, ".git", "worktrees", "task-a", MARKER_FILE))).toBe(true);
  }, 60_000);

  it("never touches what someone else put at the path since", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const task = { runId: "run-1", taskId: "task-a", slug: "alpha" };
    expect(await createInChild(repo, task, { killAt: "add" })).toBe("SIGKILL");
    const target = path.join(repo.dir, ".worktrees", "task-a");
    await repo.git(["worktree", "add", "-q", "-b", "users-own", target]);
    writeFileSync(path.join(target, "mine.txt"), "the user's\n");

    expect((await manager.list({ includeForeign: true })).filter((w) => w.foreign)).toEqual([
      expect.objectContaining({ path: target, branch: "users-own" }),
    ]);
    const { entries } = await manager.cleanup({ force: true });
    expect(entries).toEqual([
      expect.objectContaining({ action: "skipped", code: "GADUGI_WORKTREE_FOREIGN" }),
    ]);
    const error = await manager.create(task).catch((e: unknown) => e);
    expect(GadugiError.is(error, "GADUGI_WORKTREE_EXISTS")).toBe(true);
    expect((await manager.prune()).orphaned.map((r) => r.taskId)).toEqual(["task-a"]);
    expect(readFileSync(path.join(target, "mine.txt"), "utf8")).toBe("the user's\n");
    expect(await repo.git(["symbolic-ref", "--short", "HEAD"], { cwd: target })).toBe("users-own");
  }, 60_000);
});

describe("a creation under way in another process", () => {
  it("is left alone by cleanup and prune: its files are written outside the lock", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    // A live process that is (as far as the registry says) still checking the worktree out.
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      const registry = new WorktreeRegistry(path.join(repo.dir, ".gadugi", "worktrees.json"));
      await registry.update((all) => {
        const record = all[0] as (typeof all)[number];
        record.status = "creating";
        record.owner = { ...record.owner, pid: other.pid as number };
      });
      const { entries } = await manager.cleanup();
      expect(entries).toEqual([
        expect.objectContaining({ action: "skipped", reason: "being created by a live process" }),
      ]);
      expect((await manager.prune()).repaired).toEqual([]);
      expect(existsSync(path.join(info.path, "README.md"))).toBe(true);
      expect((await manager.get("r", "t"))?.status).toBe("creating");
    } finally {
      other.kill("SIGKILL");
    }
  });
});

describe("registry files", () => {
  it("written before the creating status still parse", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const info = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const file = path.join(repo.dir, ".gadugi", "worktrees.json");
    const body = JSON.parse(readFileSync(file, "utf8")) as { worktrees: Array<Record<string, unknown>> };
    expect(body.worktrees[0]?.status).toBe("active");
    // An old file: only active/removed records, no new fields.
    writeFileSync(
      file,
      `${JSON.stringify({ version: 1, worktrees: [{ ...body.worktrees[0], savedWork: undefined }] })}\n`,
    );
    expect(await manager.get("r", "t")).toMatchObject({ status: "active", path: info.path, savedWork: [] });
  });
});
