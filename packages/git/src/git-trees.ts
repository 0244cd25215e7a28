import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { assertRef, type GitCaller } from "./git-call.js";

// Objects and trees without a working tree: read a file of a commit, write a blob, replace files
// of a tree. Nothing here touches the user's index, working tree or refs.

/** A file of a tree: its mode (`100644`, `100755`, `120000`…), object id and path. */
export interface TreeFile {
  mode: string;
  blob: string;
  path: string;
}

function assertPath(path: string): void {
  if (path === "" || path.startsWith("/") || path.includes("\0") || path.includes("\n")) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "path",
      value: path,
      expected: "a path inside the repository, relative, on one line",
    });
  }
}

/** The entry of `path` in `treeish`; undefined when there is none. */
export async function treeEntry(
  git: GitCaller,
  treeish: string,
  path: string,
): Promise<TreeFile | undefined> {
  assertRef("treeish", treeish);
  assertPath(path);
  const out = await git.raw(["ls-tree", "-z", "--full-tree", treeish, "--", path]);
  const entry = out.split("\0").find((line) => line.endsWith(`\t${path}`));
  if (entry === undefined) return undefined;
  const [meta = ""] = entry.split("\t");
  const [mode = "", type = "", blob = ""] = meta.split(" ");
  return type === "blob" ? { mode, blob, path } : undefined;
}

/** The content of `path` in `treeish` as text; undefined when the tree has no such file. */
export async function readFileAt(git: GitCaller, treeish: string, path: string): Promise<string | undefined> {
  const entry = await treeEntry(git, treeish, path);
  if (entry === undefined) return undefined;
  return git.raw(["cat-file", "blob", entry.blob]);
}

/** Writes `content` as a blob into the object database; returns its id. */
export function hashObject(git: GitCaller, content: string): Promise<string> {
  return git.text(["hash-object", "-w", "--stdin"], { input: content });
}

/**
 * The tree `tree` with `files` put in (added or replaced), written through an index file of its
 * own in a temporary directory (GIT_INDEX_FILE), so the repository's index is never read or written.
 */
export async function replaceInTree(
  git: GitCaller,
  tree: string,
  files: readonly TreeFile[],
): Promise<string> {
  assertRef("tree", tree);
  const dir = await mkdtemp(join(tmpdir(), "gadugi-index-"));
  const env = { GIT_INDEX_FILE: join(dir, "index") };
  try {
    await git.raw(["read-tree", tree], { env });
    if (files.length > 0) {
      for (const file of files) assertPath(file.path);
      const info = files.map((f) => `${f.mode} ${f.blob}\t${f.path}\0`).join("");
      await git.raw(["update-index", "-z", "--index-info"], { env, input: info });
    }
    return await git.text(["write-tree"], { env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
