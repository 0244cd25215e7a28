import { existsSync } from "node:fs";
import { copyFile, link, lstat, mkdir, readdir, readlink, symlink } from "node:fs/promises";
import path from "node:path";
import type { ProcessRunner } from "@gadugi/git";
import { addGitExcludes } from "@gadugi/state";

/**
 * Shares the main checkout's `node_modules` directories (the root one and those of workspace
 * packages, found next to tracked package.json files) with the worktree. Returns the relative
 * paths of the directories shared.
 *
 * Trade-off: `symlink` is instant but the worktree then uses (and an install in it modifies) the
 * main checkout's dependencies, and workspace links inside resolve to the main checkout's package
 * sources; `hardlink` rebuilds the tree with hard links (seconds for large trees), so workspace
 * links resolve inside the worktree, but files edited in place still change for both.
 */
export async function shareNodeModules(
  repoRoot: string,
  worktree: string,
  mode: "symlink" | "hardlink",
  runner: ProcessRunner,
): Promise<string[]> {
  const { stdout } = await runner.run("git", ["ls-files", "-z", "--", ":(glob)**/package.json"], {
    cwd: worktree,
  });
  const dirs = new Set<string>();
  for (const file of stdout.split("\0")) {
    if (file === "" || file.includes("node_modules/")) continue;
    dirs.add(path.posix.dirname(file));
  }
  const shared: string[] = [];
  for (const dir of [...dirs].sort()) {
    const rel = dir === "." ? "node_modules" : `${dir}/node_modules`;
    const from = path.join(repoRoot, rel);
    const to = path.join(worktree, rel);
    if (!existsSync(from)) continue;
    // Shared before (a worktree taken up again): still shared, not "missing in the main checkout".
    if (mode === "symlink" && (await readlink(to).catch(() => undefined)) === from) {
      shared.push(rel);
      continue;
    }
    if (existsSync(to) || (await lstat(to).catch(() => undefined))) continue;
    if (mode === "symlink") await symlink(from, to, "dir");
    else await hardlinkTree(from, to);
    shared.push(rel);
  }
  if (mode === "symlink") await excludeSharedLinks(repoRoot, shared, runner);
  return shared;
}

/**
 * `node_modules/` in a .gitignore matches directories only, not the symlinks shared into a
 * worktree, so an agent's own `git add -A` would commit them. Those paths go into the
 * repository's `info/exclude` (shared by every worktree), but only when the main checkout already
 * ignores them there: its own `git status` does not change.
 */
async function excludeSharedLinks(
  repoRoot: string,
  links: readonly string[],
  runner: ProcessRunner,
): Promise<void> {
  if (links.length === 0) return;
  const checked = await runner.run("git", ["check-ignore", "--stdin", "-z"], {
    cwd: repoRoot,
    input: `${links.join("\0")}\0`,
    reject: false,
  });
  const ignoredInMain = new Set(checked.stdout.split("\0").filter((p) => p !== ""));
  const patterns = links.filter((l) => ignoredInMain.has(l)).map((l) => ({ write: `/${l}` }));
  if (patterns.length === 0) return;
  await addGitExcludes(repoRoot, "Gadugi: node_modules shared into worktrees as symlinks", patterns);
}

async function hardlinkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isSymbolicLink()) await symlink(await readlink(src), dst);
    else if (entry.isDirectory()) await hardlinkTree(src, dst);
    else if (entry.isFile()) {
      try {
        await link(src, dst);
      } catch {
        await copyFile(src, dst);
      }
    }
  }
}
