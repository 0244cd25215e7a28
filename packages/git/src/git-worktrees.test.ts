import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { GitClient } from "./git-client.js";
import { caught, repoMaker } from "./test-helpers/git.js";

const temp = useTempDirs();
const repoWith = repoMaker(temp);

describe("GitClient: worktrees", () => {
  it("adds, lists, removes and prunes worktrees", async () => {
    const { git } = await repoWith({ files: { "a.txt": "a" } });
    const root = temp.dir();
    const one = await git.worktreeAdd(join(root, "one"), "gadugi/one", { createBranch: true, base: "main" });
    expect(existsSync(join(one, "a.txt"))).toBe(true);
    await git.createBranch("existing");
    const two = await git.worktreeAdd(join(root, "two"), "existing");
    const head = await git.headCommit();

    const list = await git.worktreeList();
    expect(list).toHaveLength(3);
    expect(list[0]).toMatchObject({ path: git.cwd, branch: "main", head, detached: false, bare: false });
    expect(list[1]).toMatchObject({ path: one, branch: "gadugi/one", head, locked: false, prunable: false });
    expect(list[2]).toMatchObject({ path: two, branch: "existing" });

    expect(
      (await caught(git.worktreeAdd(join(root, "three"), "gadugi/one", { createBranch: true }))).code,
    ).toBe("GADUGI_BRANCH_EXISTS");
    expect((await caught(git.worktreeAdd(one, "gadugi/other", { createBranch: true }))).code).toBe(
      "GADUGI_WORKTREE_EXISTS",
    );

    mkdirSync(join(one, "untracked"));
    await git.worktreeRemove(one);
    expect(existsSync(one)).toBe(false);

    rmSync(two, { recursive: true, force: true });
    expect((await git.worktreeList())[1]).toMatchObject({ path: two, prunable: true });
    await git.worktreePrune();
    expect((await git.worktreeList()).map((w) => w.path)).toEqual([git.cwd]);
  });

  it("refuses to remove a dirty worktree unless forced", async () => {
    const { git } = await repoWith({ files: { "a.txt": "a" } });
    const wt = await git.worktreeAdd(join(temp.dir(), "wt"), "dirty", { createBranch: true });
    const inside = new GitClient(wt);
    await inside.raw(["rm", "--quiet", "a.txt"]);
    expect((await caught(git.worktreeRemove(wt))).code).toBe("GADUGI_GIT_FAILED");
    await git.worktreeRemove(wt, { force: true });
    expect(existsSync(wt)).toBe(false);
  });

  it("reports a detached worktree", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    const wt = join(temp.dir(), "detached");
    await repo.git(["worktree", "add", "--detach", wt, "HEAD"]);
    expect((await git.worktreeList())[1]).toMatchObject({ path: wt, detached: true });
    expect((await git.worktreeList())[1]?.branch).toBeUndefined();
  });
});
