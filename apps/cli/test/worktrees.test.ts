import { execFile, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTempRepo, type TempRepo, useTempDirs, waitFor } from "@gadugi/test-utils";
import { WorktreeManager } from "@gadugi/worktree-manager";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));
const temp = useTempDirs();

async function gadugi(repo: TempRepo, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args, "--cwd", repo.dir], {
      env: { ...process.env, ...repo.env },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/**
 * A repo with two task worktrees made by a separate process that has ended, like an orchestrator
 * run that finished (worktrees of a process that still runs are left alone without --force).
 */
async function setup() {
  const repo = temp.track(await createTempRepo({ files: { "README.md": "# demo\n" } }));
  const script = `
    const { WorktreeManager } = await import("@gadugi/worktree-manager");
    const m = new WorktreeManager({ repoRoot: process.argv[1] });
    await m.create({ runId: "run-1", taskId: "task-a", slug: "alpha" });
    await m.create({ runId: "run-1", taskId: "task-b", slug: "beta" });`;
  await run(process.execPath, ["--input-type=module", "-e", script, repo.dir], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, ...repo.env },
  });
  const manager = new WorktreeManager({ repoRoot: repo.dir, env: repo.env });
  const a = (await manager.get("run-1", "task-a"))!;
  const b = (await manager.get("run-1", "task-b"))!;
  return { repo, manager, a, b };
}

describe("gadugi worktrees", () => {
  it("lists Gadugi's worktrees as a table and as JSON, foreign ones only with --all", async () => {
    const { repo, a } = await setup();
    writeFileSync(path.join(a.path, "wip.txt"), "wip\n");
    const foreign = path.join(repo.dir, ".worktrees", "by-hand");
    await repo.git(["worktree", "add", "-q", "-b", "by-hand", foreign]);

    const table = await gadugi(repo, ["worktrees", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TASK\s+RUN\s+BRANCH\s+STATE\s+AHEAD\/BEHIND\s+PATH$/m);
    expect(table.stdout).toMatch(/^task-a\s+run-1\s+gadugi\/alpha\s+dirty\s+\+0\/-0\s+/m);
    expect(table.stdout).toMatch(/^task-b\s+run-1\s+gadugi\/beta\s+clean\s+/m);
    expect(table.stdout).not.toContain("by-hand");

    const json = await gadugi(repo, ["worktrees", "list", "--all", "--json"]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<{ taskId?: string; foreign: boolean; branch?: string }>;
    expect(listed.map((w) => [w.taskId ?? null, w.foreign, w.branch])).toEqual([
      ["task-a", false, "gadugi/alpha"],
      ["task-b", false, "gadugi/beta"],
      [null, true, "by-hand"],
    ]);
  });

  it("cleans one task, committing its work first, and leaves the sibling alone", async () => {
    const { repo, a, b } = await setup();
    writeFileSync(path.join(a.path, "result.txt"), "the agent's result\n");
    writeFileSync(path.join(b.path, "sibling.txt"), "sibling work\n");

    const clean = await gadugi(repo, ["worktrees", "clean", "--task", "task-a", "--delete-branches"]);

    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(
      /^removed\s+task-a .*work committed as [0-9a-f]{12}, branch gadugi\/alpha kept/m,
    );
    expect(existsSync(a.path)).toBe(false);
    expect(await repo.git(["show", "gadugi/alpha:result.txt"])).toBe("the agent's result");
    expect(readFileSync(path.join(b.path, "sibling.txt"), "utf8")).toBe("sibling work\n");
  });

  it("saves work as a patch with --patch, and reports JSON", async () => {
    const { repo, a } = await setup();
    writeFileSync(path.join(a.path, "README.md"), "# changed\n");
    const clean = await gadugi(repo, ["worktrees", "clean", "task-a", "--patch", "--json"]);
    expect(clean.code).toBe(0);
    const [entry] = JSON.parse(clean.stdout) as Array<{
      action: string;
      savedWork: { mode: string; patchFile: string };
    }>;
    expect(entry).toMatchObject({ action: "removed", savedWork: { mode: "patch" } });
    expect(readFileSync(entry!.savedWork.patchFile, "utf8")).toContain("+# changed");
  });

  it("refuses a worktree Gadugi did not make, with exit code 4", async () => {
    const { repo } = await setup();
    const foreign = path.join(repo.dir, ".worktrees", "by-hand");
    await repo.git(["worktree", "add", "-q", "-b", "by-hand", foreign]);
    const result = await gadugi(repo, ["worktrees", "clean", foreign, "--force"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("GADUGI_WORKTREE_FOREIGN");
    expect(existsSync(foreign)).toBe(true);
  });

  it("cleans every Gadugi worktree and deletes branches without commits", async () => {
    const { repo, a, b } = await setup();
    await repo.git(["commit", "-q", "--allow-empty", "-m", "work"], { cwd: b.path });
    const result = await gadugi(repo, ["worktrees", "clean", "--delete-branches"]);
    expect(result.code).toBe(0);
    expect(existsSync(a.path) || existsSync(b.path)).toBe(false);
    expect(await repo.git(["branch", "--list", "gadugi/*"])).toBe("  gadugi/beta");
    expect((await gadugi(repo, ["worktrees", "list"])).stdout).toBe("No Gadugi worktrees.\n");
  });

  it("lists pooled worktrees as pooled and detached, and cleans them (the branches stay)", async () => {
    const { repo, a } = await setup();
    const manager = new WorktreeManager({ repoRoot: repo.dir, env: repo.env });
    expect((await manager.release(a.runId, a.taskId)).action).toBe("pooled");
    const listed = await gadugi(repo, ["worktrees", "list"]);
    expect(listed.stdout).toMatch(
      new RegExp(`${a.taskId}\\s+\\S+\\s+\\(detached\\)\\s+pooled \\(the next task takes it up\\)`),
    );
    const cleaned = await gadugi(repo, ["worktrees", "clean", "--json"]);
    expect(cleaned.code).toBe(0);
    const entries = JSON.parse(cleaned.stdout) as Array<{ taskId: string; action: string }>;
    expect(entries.find((e) => e.taskId === a.taskId)?.action).toBe("removed");
    expect(existsSync(a.path)).toBe(false);
    expect(await repo.git(["branch", "--list", a.branch])).toContain(a.branch);
  });

  it("leaves worktrees of a process that still runs unless --force", async () => {
    const repo = temp.track(await createTempRepo({ files: { "README.md": "# demo\n" } }));
    const manager = new WorktreeManager({ repoRoot: repo.dir, env: repo.env });
    const live = await manager.create({ runId: "run-live", taskId: "task-live", slug: "live" });
    const skipped = await gadugi(repo, ["worktrees", "clean"]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/^skipped\s+task-live .*in use by process \d+/m);
    expect(existsSync(live.path)).toBe(true);
    const forced = await gadugi(repo, ["worktrees", "clean", "--force"]);
    expect(forced.stdout).toMatch(/^removed\s+task-live/m);
    expect(existsSync(live.path)).toBe(false);
  });

  it("lists a worktree whose creation a kill -9 interrupted, and clean removes only it", async () => {
    const { repo, a, b } = await setup();
    writeFileSync(path.join(a.path, "wip.txt"), "wip\n");
    const foreign = path.join(repo.dir, ".worktrees", "by-hand");
    await repo.git(["worktree", "add", "-q", "-b", "by-hand", foreign]);
    const half = await interruptedCreation(repo, { runId: "run-2", taskId: "task-c", slug: "gamma" });

    const list = await gadugi(repo, ["worktrees", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^task-c\s+run-2\s+gadugi\/gamma\s+interrupted while being created\s+-\s+/m);
    expect(list.stdout).toMatch(/^task-a\s+run-1\s+gadugi\/alpha\s+dirty\s+/m);
    expect(list.stdout).toContain("`gadugi worktrees clean` removes them");

    const clean = await gadugi(repo, ["worktrees", "clean", "--run", "run-2"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(
      /^removed\s+task-c .*branch gadugi\/gamma kept — interrupted while being created/m,
    );
    expect(existsSync(half)).toBe(false);
    expect(await repo.git(["worktree", "list", "--porcelain"])).not.toMatch(/initializing/);
    // Everything else as it was: the other run's worktrees, the user's worktree, the main checkout.
    expect(readFileSync(path.join(a.path, "wip.txt"), "utf8")).toBe("wip\n");
    expect(existsSync(b.path) && existsSync(foreign)).toBe(true);
    expect(await repo.git(["status", "--porcelain"])).toBe("");
    const after = await gadugi(repo, ["worktrees", "list"]);
    expect(after.stdout).not.toContain("task-c");
    expect(after.stdout).toMatch(/^task-b\s+run-1\s+/m);
  }, 60_000);
});

/**
 * A `create` in a child process cut off (SIGSTOP, then SIGKILL of its whole process tree) while
 * `git worktree add` checks out: a smudge filter on one file blocks the checkout there.
 */
async function interruptedCreation(
  repo: TempRepo,
  task: { runId: string; taskId: string; slug: string },
): Promise<string> {
  const signals = temp.dir("gadugi-smudge-");
  const smudge = path.join(signals, "smudge");
  writeFileSync(
    smudge,
    `#!/bin/sh\ntouch "${signals}/reached"\nwhile [ ! -e "${signals}/release" ]; do sleep 0.05; done\ncat\n`,
  );
  chmodSync(smudge, 0o755);
  await repo.commit("a slow file", { ".gitattributes": "slow.txt filter=slow\n", "slow.txt": "slow\n" });
  await repo.git(["config", "filter.slow.smudge", smudge]);
  const script = `
    const { WorktreeManager } = await import("@gadugi/worktree-manager");
    await new WorktreeManager({ repoRoot: process.argv[1] }).create(JSON.parse(process.argv[2]));`;
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", script, repo.dir, JSON.stringify(task)],
    {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { ...process.env, ...repo.env },
      stdio: "ignore",
    },
  );
  const ended = new Promise((resolve) => child.on("exit", resolve));
  await waitFor(() => existsSync(path.join(signals, "reached")), 20_000, "the checkout never started");
  const tree = descendants(child.pid!);
  for (const signal of ["SIGSTOP", "SIGKILL"] as const) {
    for (const pid of tree) {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  }
  await ended;
  writeFileSync(path.join(signals, "release"), "");
  return path.join(repo.dir, ".worktrees", task.taskId);
}

function descendants(root: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number));
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of table) if (ppid === tree[i] && pid !== undefined) tree.push(pid);
  }
  return tree;
}
