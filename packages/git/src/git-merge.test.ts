import { join } from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { GitClient } from "./git-client.js";
import { caught, repoMaker } from "./test-helpers/git.js";

const temp = useTempDirs();
const repoWith = repoMaker(temp);

describe("GitClient: merging", () => {
  async function diverged() {
    const { repo, git } = await repoWith({ files: { "shared.txt": "1\n2\n3\n", "x.txt": "x\n" } });
    await git.createBranch("clean");
    await git.createBranch("conflict");
    await repo.git(["checkout", "--quiet", "clean"]);
    await repo.commit("clean change", { "new.txt": "new\n" });
    await repo.git(["checkout", "--quiet", "conflict"]);
    await repo.commit("conflicting change", { "shared.txt": "1\ntheirs\n3\n" });
    await repo.git(["checkout", "--quiet", "main"]);
    await repo.commit("main change", { "shared.txt": "1\nours\n3\n" });
    return { repo, git };
  }

  it("merges in memory with merge-tree: clean gives a tree, conflicts name the files", async () => {
    const { repo, git } = await diverged();
    const clean = await git.mergeTree("main", "clean");
    expect(clean).toMatchObject({ clean: true, conflictFiles: [] });
    expect(clean.tree).toMatch(/^[0-9a-f]{40}$/);
    expect(await repo.git(["ls-tree", "--name-only", clean.tree])).toBe("new.txt\nshared.txt\nx.txt");

    const conflict = await git.mergeTree(undefined, "main", "conflict");
    expect(conflict.clean).toBe(false);
    expect(conflict.conflictFiles).toEqual(["shared.txt"]);
    expect(
      conflict.messages.some((m) => m.type.startsWith("CONFLICT") && m.paths.includes("shared.txt")),
    ).toBe(true);
    expect(await git.isDirty()).toBe(false);

    // Land the clean merge without a working tree: commit-tree + compare-and-swap update-ref.
    const main = await git.headCommit();
    const merged = await git.commitTree(clean.tree, [main, await git.revParse("clean")], "Merge clean");
    await git.updateRef("refs/heads/integration", merged);
    expect(await git.revParse("integration")).toBe(merged);
    expect((await caught(git.updateRef("refs/heads/integration", main, { oldValue: main }))).code).toBe(
      "GADUGI_GIT_FAILED",
    );
    await git.updateRef("refs/heads/integration", main, { oldValue: merged });
    expect(await git.revParse("integration")).toBe(main);
  });

  it("takes an explicit merge base only where git supports it", async () => {
    const { git } = await diverged();
    const version = await GitClient.version();
    const base = (await git.mergeBase("main", "clean"))!;
    if (version.major > 2 || version.minor >= 40) {
      expect((await git.mergeTree(base, "main", "clean")).clean).toBe(true);
    } else {
      expect((await caught(git.mergeTree(base, "main", "clean"))).code).toBe("GADUGI_INVALID_ARGUMENT");
    }
  });

  it("merges a branch into a worktree, and aborts on conflict", async () => {
    const { repo, git } = await diverged();
    const wt = await git.worktreeAdd(join(temp.dir(), "integration"), "integration", {
      createBranch: true,
      base: "main",
    });
    const inWt = new GitClient(wt, { env: repo.env });
    const result = await inWt.merge("clean", { noFf: true, message: "Merge clean" });
    expect(result).toMatchObject({ clean: true, upToDate: false, conflictFiles: [] });
    expect(await repo.git(["log", "-1", "--format=%P|%s", "integration"])).toMatch(
      /^\w{40} \w{40}\|Merge clean$/,
    );
    expect(await inWt.merge("clean")).toMatchObject({ clean: true, upToDate: true });

    const before = await inWt.headCommit();
    const conflict = await inWt.merge("conflict", { noFf: true });
    expect(conflict).toEqual({ clean: false, upToDate: false, conflictFiles: ["shared.txt"] });
    expect(await inWt.headCommit()).toBe(before);
    expect(await inWt.isDirty()).toBe(false);

    const kept = await inWt.merge("conflict", { abortOnConflict: false });
    expect(kept.clean).toBe(false);
    expect((await inWt.status()).find((s) => s.path === "shared.txt")?.conflicted).toBe(true);
  });
});
