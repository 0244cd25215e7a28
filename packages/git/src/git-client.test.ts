import { join } from "node:path";
import { createTempRepo, TEST_IDENTITY, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { GADUGI_GIT_IDENTITY, GitClient } from "./git-client.js";
import { caught, NO_IDENTITY_ENV, repoMaker } from "./test-helpers/git.js";

const temp = useTempDirs();
const repoWith = repoMaker(temp);

describe("GitClient: repository", () => {
  it("finds the root from a subdirectory and the common dir from a worktree", async () => {
    const { repo, git } = await repoWith({ files: { "src/deep/a.ts": "a" } });
    expect(await GitClient.findRoot(join(repo.dir, "src/deep"))).toBe(repo.dir);
    expect(await git.root()).toBe(repo.dir);
    expect(await git.gitCommonDir()).toBe(join(repo.dir, ".git"));
    const wt = await git.worktreeAdd(join(temp.dir(), "wt"), "feature", { createBranch: true });
    const inWorktree = new GitClient(wt, { env: repo.env });
    expect(await inWorktree.gitCommonDir()).toBe(join(repo.dir, ".git"));
    expect(await inWorktree.gitDir()).toBe(join(repo.dir, ".git/worktrees/wt"));
    expect(await inWorktree.root()).toBe(wt);
  });

  it("reports GADUGI_NOT_A_GIT_REPO outside a repository", async () => {
    const dir = temp.dir();
    const error = await caught(GitClient.findRoot(dir));
    expect(error.code).toBe("GADUGI_NOT_A_GIT_REPO");
    expect(error.args).toEqual({ path: dir });
  });

  it("reads HEAD, branches and refs", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    const head = await repo.git(["rev-parse", "HEAD"]);
    expect(await git.currentBranch()).toBe("main");
    expect(await git.headCommit()).toBe(head);
    expect(await git.revParse("main")).toBe(head);
    await repo.git(["tag", "-a", "v1", "-m", "v1"]);
    expect(await git.resolveCommit("v1")).toBe(head);
    expect(await git.resolveCommit("nope")).toBeUndefined();
    await repo.git(["checkout", "--quiet", "--detach"]);
    expect(await git.currentBranch()).toBeUndefined();
  });

  it("reads HEAD's commit and branch in one call, and several refs' commits in one", async () => {
    const { repo, git } = await repoWith({ files: { HEAD: "a file named like the ref" } });
    const head = await repo.git(["rev-parse", "HEAD"]);
    expect(await git.headState()).toEqual({ commit: head, branch: "main" });
    await repo.git(["tag", "-a", "v1", "-m", "v1"]);
    expect(await git.resolveCommits(["main", "v1", "HEAD"])).toEqual([head, head, head]);
    expect(await git.resolveCommits(["main", "nope"])).toEqual([head, undefined]);
    expect(await git.resolveCommits([])).toEqual([]);
    await repo.git(["checkout", "--quiet", "--detach"]);
    expect(await git.headState()).toEqual({ commit: head, branch: undefined });
    await repo.git(["checkout", "--quiet", "--orphan", "unborn"]);
    expect(await git.headState()).toEqual({ commit: undefined, branch: "unborn" });
  });

  it("fails with GADUGI_GIT_FAILED carrying git's exit code and stderr", async () => {
    const { git } = await repoWith();
    const error = await caught(git.revParse("no-such-ref"));
    expect(error.code).toBe("GADUGI_GIT_FAILED");
    expect(error.args).toMatchObject({ exitCode: 128 });
    expect((error.args as { stderr: string }).stderr).toContain("Needed a single revision");
    expect((await git.tryRaw(["rev-parse", "--verify", "no-such-ref"])).exitCode).toBe(128);
    expect((await caught(git.revParse("--all"))).code).toBe("GADUGI_INVALID_ARGUMENT");
  });

  it("reads config values and remote URLs", async () => {
    const { repo, git } = await repoWith();
    expect(await git.configGet("user.email")).toBe(TEST_IDENTITY.email);
    expect(await git.configGet("gadugi.missing")).toBeUndefined();
    expect(await git.remoteUrl()).toBeUndefined();
    await repo.git(["remote", "add", "origin", "git@github.com:acme/widgets.git"]);
    expect(await git.remoteUrl("origin")).toBe("git@github.com:acme/widgets.git");
  });
});

describe("GitClient: branches", () => {
  it("creates, lists, checks and deletes branches", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    await git.createBranch("gadugi/one", "main");
    await git.createBranch("gadugi/two");
    expect(await git.branchExists("gadugi/one")).toBe(true);
    expect(await git.branchExists("gadugi")).toBe(false);
    expect(await git.listBranches()).toEqual(["gadugi/one", "gadugi/two", "main"]);
    expect(await git.listBranches("gadugi/")).toEqual(["gadugi/one", "gadugi/two"]);
    expect(await git.listBranches("gadugi/t*")).toEqual(["gadugi/two"]);
    expect((await caught(git.createBranch("gadugi/one"))).code).toBe("GADUGI_BRANCH_EXISTS");

    await repo.git(["checkout", "--quiet", "gadugi/two"]);
    await repo.commit("unmerged", { "b.txt": "b" });
    await repo.git(["checkout", "--quiet", "main"]);
    expect((await caught(git.deleteBranch("gadugi/two"))).code).toBe("GADUGI_GIT_FAILED");
    await git.deleteBranch("gadugi/two", { force: true });
    await git.deleteBranch("gadugi/one");
    expect(await git.listBranches("gadugi/")).toEqual([]);
  });

  it("validates branch names with git's rules", async () => {
    const { git } = await repoWith();
    expect(await git.isValidBranchName("gadugi/task-1")).toBe(true);
    for (const bad of ["a..b", "a b", "-x", "x.lock", "a~1", ""]) {
      expect(await git.isValidBranchName(bad), bad).toBe(false);
    }
  });
});

describe("GitClient: files and status", () => {
  it("lists tracked files and their blob ids", async () => {
    const files = { "a.txt": "a\n", "dir/with space.txt": "s\n", "ünï.txt": "u\n" };
    const { repo, git } = await repoWith({ files });
    repo.write({ "untracked.txt": "x" });
    expect((await git.lsFiles()).sort()).toEqual(Object.keys(files).sort());
    const ids = await git.blobIds();
    expect(ids.size).toBe(3);
    expect(ids.get("dir/with space.txt")).toBe(await repo.git(["hash-object", "dir/with space.txt"]));
    expect([...(await git.blobIds(["a.txt"])).keys()]).toEqual(["a.txt"]);
    repo.write({ "a.txt": "changed\n" });
    const now = await git.hashFiles(["a.txt"]);
    expect(now.get("a.txt")).not.toBe(ids.get("a.txt"));
    expect(now.get("a.txt")).toBe(await repo.git(["hash-object", "a.txt"]));
  });

  it("parses status: modified, staged, renamed, deleted and untracked", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" } });
    expect(await git.status()).toEqual([]);
    expect(await git.isDirty()).toBe(false);
    repo.write({ "a.txt": "changed\n", "new dir/n.txt": "n", "c.txt": null });
    await repo.git(["mv", "b.txt", "renamed.txt"]);
    const status = await git.status();
    expect(status).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "a.txt", index: " ", worktree: "M", untracked: false }),
        expect.objectContaining({ path: "renamed.txt", origPath: "b.txt", index: "R" }),
        expect.objectContaining({ path: "c.txt", worktree: "D" }),
        expect.objectContaining({ path: "new dir/n.txt", untracked: true }),
      ]),
    );
    expect(status).toHaveLength(4);
    expect(await git.isDirty()).toBe(true);
  });

  it("counts untracked files as dirty unless told otherwise", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    repo.write({ "new.txt": "n" });
    expect(await git.isDirty()).toBe(true);
    expect(await git.isDirty({ untracked: false })).toBe(false);
  });

  it("stages everything and commits, returning the sha", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    repo.write({ "b.txt": "b", "a.txt": null });
    await git.addAll();
    const sha = await git.commit("# Title kept\n\nbody");
    expect(sha).toBe(await repo.git(["rev-parse", "HEAD"]));
    expect(await repo.git(["log", "-1", "--format=%B"])).toBe("# Title kept\n\nbody\n");
    expect(await git.isDirty()).toBe(false);
    expect((await caught(git.commit("nothing"))).code).toBe("GADUGI_GIT_FAILED");
    const empty = await git.commit("empty", { allowEmpty: true });
    expect(await repo.git(["rev-parse", "HEAD~1"])).toBe(sha);
    expect(empty).not.toBe(sha);
  });
});

describe("GitClient: identity", () => {
  it("commits with a Gadugi identity when git has none configured", async () => {
    const repo = temp.track(await createTempRepo({ identity: false, files: { "a.txt": "a" } }));
    const git = new GitClient(repo.dir, { env: { ...repo.env, ...NO_IDENTITY_ENV } });
    // Plain git cannot commit here.
    const plain = await git.tryRaw(["commit", "--allow-empty", "-m", "x"], {
      env: {
        GIT_AUTHOR_NAME: undefined,
        GIT_COMMITTER_NAME: undefined,
        GIT_AUTHOR_EMAIL: undefined,
        GIT_COMMITTER_EMAIL: undefined,
      },
    });
    expect(plain.exitCode).not.toBe(0);
    const sha = await git.commit("by gadugi", { allowEmpty: true });
    expect(await repo.git(["log", "-1", "--format=%an <%ae>|%cn <%ce>", sha])).toBe(
      `${GADUGI_GIT_IDENTITY.name} <${GADUGI_GIT_IDENTITY.email}>|${GADUGI_GIT_IDENTITY.name} <${GADUGI_GIT_IDENTITY.email}>`,
    );
  });

  it("never replaces the user's identity, even a partial one", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    const sha = await git.commit("by user", { allowEmpty: true });
    expect(await repo.git(["log", "-1", "--format=%an <%ae>", sha])).toBe(
      `${TEST_IDENTITY.name} <${TEST_IDENTITY.email}>`,
    );

    const partial = temp.track(await createTempRepo({ identity: false }));
    await partial.git(["config", "user.name", "Only Name"]);
    const client = new GitClient(partial.dir, { env: { ...partial.env, ...NO_IDENTITY_ENV } });
    const commit = await client.commit("partial", { allowEmpty: true });
    expect(await partial.git(["log", "-1", "--format=%an <%ae>", commit])).toBe(
      `Only Name <${GADUGI_GIT_IDENTITY.email}>`,
    );

    const fromEnv = new GitClient(partial.dir, {
      env: {
        ...partial.env,
        ...NO_IDENTITY_ENV,
        GIT_AUTHOR_EMAIL: "env@example.com",
        GIT_COMMITTER_EMAIL: "env@example.com",
      },
    });
    const envCommit = await fromEnv.commit("env", { allowEmpty: true });
    expect(await partial.git(["log", "-1", "--format=%an <%ae>", envCommit])).toBe(
      "Only Name <env@example.com>",
    );
  });

  it("hands out the fallback identity only for the parts git has nowhere", async () => {
    const bare = await createTempRepo({ identity: false });
    const none = await new GitClient(bare.dir, { env: bare.env }).identityFallback();
    expect(none).toEqual({
      GIT_AUTHOR_NAME: "Gadugi",
      GIT_AUTHOR_EMAIL: "gadugi@localhost",
      GIT_COMMITTER_NAME: "Gadugi",
      GIT_COMMITTER_EMAIL: "gadugi@localhost",
    });
    await bare.git(["config", "user.email", "me@example.com"]);
    const partial = await new GitClient(bare.dir, { env: bare.env }).identityFallback();
    expect(partial).toEqual({ GIT_AUTHOR_NAME: "Gadugi", GIT_COMMITTER_NAME: "Gadugi" });
    bare.cleanup();
  });
});

describe("GitClient: comparisons", () => {
  it("diffs names and stats, counts ahead/behind and finds merge bases", async () => {
    const { repo, git } = await repoWith({
      files: { "a.txt": "1\n2\n3\n", "old.txt": "same content here\n" },
    });
    const base = await git.headCommit();
    await git.createBranch("feature");
    await repo.git(["checkout", "--quiet", "feature"]);
    await repo.git(["mv", "old.txt", "new.txt"]);
    const f1 = await repo.commit("feature 1", { "a.txt": "1\ntwo\n3\n4\n", "bin.dat": "\0\x01\x02" });
    await repo.commit("feature 2", { "c.txt": "c\n" });
    await repo.git(["checkout", "--quiet", "main"]);
    await repo.commit("main 1", { "m.txt": "m\n" });

    expect((await git.diffNameOnly(base, f1)).sort()).toEqual(["a.txt", "bin.dat", "new.txt", "old.txt"]);
    const stat = await git.diffStat(base, f1);
    expect(stat.filesChanged).toBe(3);
    expect(stat.files).toEqual(
      expect.arrayContaining([
        { path: "a.txt", insertions: 2, deletions: 1, binary: false },
        { path: "bin.dat", insertions: 0, deletions: 0, binary: true },
        { path: "new.txt", oldPath: "old.txt", insertions: 0, deletions: 0, binary: false },
      ]),
    );
    expect(stat.insertions).toBe(2);
    expect(await git.aheadBehind("feature", "main")).toEqual({ ahead: 2, behind: 1 });
    expect(await git.mergeBase("feature", "main")).toBe(base);
    expect(await git.isAncestor(base, "feature")).toBe(true);
    expect(await git.isAncestor("feature", "main")).toBe(false);

    repo.write({ "m.txt": "edited\n" });
    expect(await git.diffNameOnly("HEAD")).toEqual(["m.txt"]);
  });

  it("finds no merge base for unrelated histories", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    await repo.git(["checkout", "--quiet", "--orphan", "other"]);
    await repo.commit("root 2", { "b.txt": "b" });
    expect(await git.mergeBase("main", "other")).toBeUndefined();
  });
});

describe("GitClient: remotes", () => {
  it("pushes a branch and sets its upstream", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    const remote = temp.dir();
    await repo.git(["init", "--quiet", "--bare", remote], { cwd: remote });
    await repo.git(["remote", "add", "origin", remote]);
    await git.createBranch("gadugi/pushed");
    await git.push("origin", "gadugi/pushed", { setUpstream: true });
    const remoteGit = new GitClient(remote);
    expect(await remoteGit.revParse("refs/heads/gadugi/pushed")).toBe(await git.headCommit());
    expect(await git.configGet("branch.gadugi/pushed.remote")).toBe("origin");
  });

  it("keeps credentials in a URL out of its errors", async () => {
    const { git } = await repoWith({ files: { "a.txt": "a" } });
    const token = "ghs_0123456789abcdefghijklmnopqrstuvwxyz";
    const error = await caught(
      git.raw(["push", `https://x-access-token:${token}@127.0.0.1:9/o/r.git`, "main"]),
    );
    expect(error.code).toBe("GADUGI_GIT_FAILED");
    expect(error.message).toContain("127.0.0.1:9/o/r.git");
    expect(error.message).not.toContain(token);
  });
});
