/** Git blob ids of the working tree's tracked files: the import-graph cache's keys. */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { GitClient } from "@gadugi/git";

/** The id git gives a blob with these bytes (`git hash-object` without filters). */
export function gitBlobId(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

/**
 * Blob id of every tracked file as it is in the working tree: the index's ids, with files whose
 * stat data differs from the index hashed again here (no `git hash-object` process) and deleted
 * files left out. One `git ls-files` call lists both the index (`H` lines) and those files (`C`).
 * The ids are cache keys: a file with a clean/smudge filter may get a different id than git
 * would give it, which only costs a cache miss.
 */
export async function workingTreeBlobIds(
  root: string,
  git: GitClient = new GitClient(root),
): Promise<Map<string, string>> {
  const out = await git.raw(["ls-files", "-z", "--stage", "--modified", "-t"]);
  const ids = new Map<string, string>();
  const dirty = new Set<string>();
  for (const entry of out.split("\0")) {
    // "<tag> <mode> <sha> <stage>\t<path>"
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const path = entry.slice(tab + 1);
    if (entry.startsWith("C ")) {
      dirty.add(path);
      continue;
    }
    const sha = entry.slice(entry.indexOf(" ", 2) + 1, entry.lastIndexOf(" ", tab));
    if (entry.endsWith(" 0", tab) || !ids.has(path)) ids.set(path, sha);
  }
  for (const path of dirty) {
    try {
      const absolute = join(root, path);
      if (!statSync(absolute).isFile()) throw new Error("not a file");
      ids.set(path, gitBlobId(readFileSync(absolute)));
    } catch {
      ids.delete(path);
    }
  }
  return ids;
}
