import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GitClient } from "@gadugi/git";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { commitWork, discardChangesSince, pendingWork, setupEnvironment, snapshotDirty } from "./index.js";
import { fakeBin, repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();

/** A repository as developers have them: an ignored `.env` listed in `.worktreeinclude`, ignored node_modules. */
const REAL_FILES = {
  ".gitignore": ".env\nnode_modules/\n",
  ".worktreeinclude": ".env\n",
  "package.json": '{ "name": "app", "version": "1.0.0" }\n',
  "package-lock.json": '{ "lockfileVersion": 3 }\n',
  "src/app.js": "export const app = 1;\n",
};

async function setUp(files: Record<string, string> = REAL_FILES, setupOptions = {}) {
  const { repo, manager } = await repoWithManager(temp, files);
  writeFileSync(path.join(repo.dir, ".env"), "SECRET=hunter2\n");
  writeFileSync(path.join(repo.dir, "local.env"), "LOCAL=1\n");
  mkdirSync(path.join(repo.dir, "node_modules", "dep"), { recursive: true });
  writeFileSync(path.join(repo.dir, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
  const wt = await manager.create({ runId: "run-1", taskId: "task-1", slug: "task one" });
  const setup = await setupEnvironment(
    { path: wt.path, taskId: "task-1", runId: "run-1" },
    { repoRoot: repo.dir, copyFiles: ["local.env"], reuseNodeModules: "symlink", ...setupOptions },
  );
  const git = new GitClient(wt.path, { env: repo.env });
  return { repo, manager, wt, setup, git };
}

async function committedFiles(git: GitClient, commit: string): Promise<string[]> {
  const out = await git.raw(["show", "--name-only", "--format=", commit]);
  return out.split("\n").filter((l) => l !== "");
}

describe("what of a worktree is the task's work", () => {
  it("commits the agent's files, never the ignored .env, the copied local.env or the node_modules symlink", async () => {
    const { git, wt, setup, repo } = await setUp();
    expect(setup.copiedFiles.sort()).toEqual([".env", "local.env"]);
    expect(lstatSync(path.join(wt.path, "node_modules")).isSymbolicLink()).toBe(true);
    // An agent's own `git add -A` does not see the link either; the main checkout's status is unchanged.
    expect(await git.raw(["status", "--porcelain"])).toBe("?? local.env\n");
    expect(await new GitClient(repo.dir, { env: repo.env }).raw(["status", "--porcelain"])).toBe(
      "?? local.env\n",
    );
    writeFileSync(path.join(wt.path, "src", "feature.js"), "export const feature = 2;\n");
    writeFileSync(path.join(wt.path, "src", "app.js"), "export const app = 3;\n");

    const saved = await commitWork(git, "task work");
    expect(saved?.files.sort()).toEqual(["src/app.js", "src/feature.js"]);
    expect((await committedFiles(git, saved?.commit as string)).sort()).toEqual([
      "src/app.js",
      "src/feature.js",
    ]);
    expect(await pendingWork(git)).toEqual([]);
    expect(await commitWork(git, "nothing more")).toBeUndefined();
  });

  it("leaves what a setup command made uncommitted until something changes it again", async () => {
    const { repo, manager } = await repoWithManager(temp, { "README.md": "# r\n" });
    const bin = path.join(temp.dir(), "bin");
    fakeBin(
      bin,
      "gen",
      'echo generated > build-info.txt; mkdir -p out; echo x > out/a.txt; echo "# changed" >> README.md',
    );
    const wt = await manager.create({ runId: "run-1", taskId: "t", slug: "t" });
    await setupEnvironment(
      { path: wt.path, taskId: "t", runId: "run-1" },
      { repoRoot: repo.dir, commands: [path.join(bin, "gen")] },
    );
    const git = new GitClient(wt.path, { env: repo.env });
    expect(await pendingWork(git)).toEqual([]);
    writeFileSync(path.join(wt.path, "README.md"), "# rewritten by the agent\n");
    writeFileSync(path.join(wt.path, "out", "b.txt"), "in a setup-made folder\n");
    expect(await pendingWork(git)).toEqual(["README.md"]);
  });

  it("discards a read-only step's edits and new files, keeping setup's files and earlier work", async () => {
    const { git, wt } = await setUp();
    writeFileSync(path.join(wt.path, "src", "draft.js"), "uncommitted work before the step\n");
    const before = await snapshotDirty(git);
    writeFileSync(path.join(wt.path, "src", "app.js"), "reviewer edit\n");
    writeFileSync(path.join(wt.path, "REVIEW-NOTES.md"), "reviewer file\n");
    const discarded = await discardChangesSince(git, before);
    expect(discarded.sort()).toEqual(["REVIEW-NOTES.md", "src/app.js"]);
    expect(readFileSync(path.join(wt.path, "src", "app.js"), "utf8")).toBe("export const app = 1;\n");
    expect(existsSync(path.join(wt.path, "REVIEW-NOTES.md"))).toBe(false);
    expect(existsSync(path.join(wt.path, "src", "draft.js"))).toBe(true);
    expect(readFileSync(path.join(wt.path, "local.env"), "utf8")).toBe("LOCAL=1\n");
  });

  it("cleanup saves only the task's work: no copied file, no node_modules link on the branch", async () => {
    const { wt, manager, repo } = await setUp();
    writeFileSync(path.join(wt.path, "src", "left.js"), "left uncommitted\n");
    const result = await manager.cleanup({ runId: "run-1" });
    const entry = result.entries[0];
    expect(entry?.action).toBe("removed");
    expect(entry?.savedWork?.mode).toBe("commit");
    const files = await committedFiles(new GitClient(repo.dir, { env: repo.env }), wt.branch);
    expect(files).toEqual(["src/left.js"]);
    expect(existsSync(wt.path)).toBe(false);
  });
});
