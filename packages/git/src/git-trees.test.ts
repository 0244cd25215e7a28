import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { caught, repoMaker } from "./test-helpers/git.js";

const temp = useTempDirs();
const repoWith = repoMaker(temp);

describe("GitClient: objects and trees without a working tree", () => {
  it("reads a file of a commit, writes a blob and replaces files in a tree, leaving the index alone", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a\n", "dir/b.txt": "b\n" } });
    const head = await git.headCommit();
    expect(await git.readFileAt(head, "dir/b.txt")).toBe("b\n");
    expect(await git.readFileAt(head, "missing.txt")).toBeUndefined();
    expect(await git.treeEntry(head, "dir")).toBeUndefined();
    const entry = await git.treeEntry(head, "a.txt");
    expect(entry).toMatchObject({ mode: "100644", path: "a.txt" });

    const indexBefore = await readFile(join(repo.dir, ".git", "index"));
    const blob = await git.hashObject("merged\n");
    const tree = await git.replaceInTree(await git.revParse("HEAD^{tree}"), [
      { mode: "100644", blob, path: "dir/b.txt" },
      { mode: "100755", blob, path: "new/c.sh" },
    ]);
    expect(await git.readFileAt(tree, "dir/b.txt")).toBe("merged\n");
    expect(await git.readFileAt(tree, "a.txt")).toBe("a\n");
    expect((await git.treeEntry(tree, "new/c.sh"))?.mode).toBe("100755");
    expect(await readFile(join(repo.dir, ".git", "index"))).toEqual(indexBefore);
    expect(await git.isDirty()).toBe(false);
  });

  it("refuses a path that git would read as something else", async () => {
    const { git } = await repoWith({ files: { "a.txt": "a\n" } });
    const error = await caught(git.readFileAt("HEAD", "/etc/passwd"));
    expect(error.code).toBe("GADUGI_INVALID_ARGUMENT");
  });
});
