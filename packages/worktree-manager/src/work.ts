import { existsSync } from "node:fs";
import { lstat, readFile, readlink, rm } from "node:fs/promises";
import path from "node:path";
import type { GitClient } from "@gadugi/git";
import { writeFileAtomic } from "@gadugi/state";
import { z } from "zod";
import { worktreeGitDir } from "./marker.js";

/**
 * What environment setup put into a worktree, so that one routine (`commitWork`) can tell the
 * agent's work from it. Kept in the worktree's own git directory (`.git/worktrees/<name>/`), so
 * every later step — the workflow's commits, cleanup's save, a resumed run — reads the same list.
 */
export const SetupArtifacts = z.strictObject({
  version: z.literal(1),
  /** Never committed, whatever happens to them: copied files, the venv, shared node_modules. */
  never: z.array(z.string()).default([]),
  /** Untracked directories setup made (`dir/`): nothing under them is committed. */
  dirs: z.array(z.string()).default([]),
  /**
   * Files setup made or changed, with the blob id they had when setup ended ("" when setup
   * deleted them): committed only once something else changes them again.
   */
  files: z.record(z.string(), z.string()).default({}),
});
export type SetupArtifacts = z.infer<typeof SetupArtifacts>;

export const SETUP_ARTIFACTS_FILE = "gadugi-setup.json";

/** What is dirty in a worktree, before or after a step: path → blob id ("" deleted, "dir" an untracked directory). */
export type DirtySnapshot = Map<string, string>;

/** Directory components that always hold installed dependencies, never a task's work. */
const DEPENDENCY_DIRS = new Set(["node_modules"]);

function isDependencyPath(file: string): boolean {
  return file
    .replace(/\/+$/, "")
    .split("/")
    .some((part) => DEPENDENCY_DIRS.has(part));
}

function isUnder(file: string, prefix: string): boolean {
  const clean = prefix.replace(/\/+$/, "");
  return file === clean || file.startsWith(`${clean}/`);
}

/** Modified, deleted and untracked paths (untracked directories collapsed) with their blob ids. */
export async function snapshotDirty(git: GitClient): Promise<DirtySnapshot> {
  const paths = await statusOf(git, "normal");
  const ids = await contentIds(git, paths);
  return new Map(paths.map((p, i) => [p, ids[i] ?? ""]));
}

/**
 * The setup artifacts of a step that went from `before` to `after`: what changed in between,
 * plus `never` (copied files, the venv, shared dependency folders). Paths already dirty before
 * (an agent's work in a worktree taken up again) are not setup's.
 */
export function artifactsBetween(
  before: DirtySnapshot,
  after: DirtySnapshot,
  never: readonly string[],
): SetupArtifacts {
  const artifacts: SetupArtifacts = { version: 1, never: [...new Set(never)], dirs: [], files: {} };
  for (const [file, id] of after) {
    if (before.get(file) === id) continue;
    if (id === "dir") artifacts.dirs.push(file);
    else artifacts.files[file] = id;
  }
  return artifacts;
}

async function artifactsFile(worktree: string): Promise<string | undefined> {
  const adminDir = await worktreeGitDir(worktree);
  return adminDir ? path.join(adminDir, SETUP_ARTIFACTS_FILE) : undefined;
}

/** Stores the setup artifacts of a linked worktree (merged with those recorded before). */
export async function saveSetupArtifacts(worktree: string, artifacts: SetupArtifacts): Promise<void> {
  const file = await artifactsFile(worktree);
  if (!file) return;
  const previous = await readSetupArtifacts(worktree);
  const merged: SetupArtifacts = previous
    ? {
        version: 1,
        never: [...new Set([...previous.never, ...artifacts.never])],
        dirs: [...new Set([...previous.dirs, ...artifacts.dirs])],
        files: { ...previous.files, ...artifacts.files },
      }
    : artifacts;
  await writeFileAtomic(file, `${JSON.stringify(merged, null, 2)}\n`);
}

/** The setup artifacts recorded for a worktree; undefined when none were (or the file is unreadable). */
export async function readSetupArtifacts(worktree: string): Promise<SetupArtifacts | undefined> {
  const file = await artifactsFile(worktree);
  if (!file || !existsSync(file)) return undefined;
  try {
    const parsed = SetupArtifacts.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface WorkOptions {
  /** Paths that are never the task's work, besides the recorded setup artifacts (repository-relative). */
  exclude?: readonly string[];
}

/**
 * The task's own uncommitted work: every modified, deleted or untracked file git would show,
 * minus dependency folders (any `node_modules`, symlinks included), what setup recorded as its
 * own, and `exclude`. Ignored files never appear (git status does not list them).
 */
export async function pendingWork(git: GitClient, options: WorkOptions = {}): Promise<string[]> {
  const entries = await statusOf(git, "all");
  if (entries.length === 0) return [];
  const artifacts = (await readSetupArtifacts(git.cwd)) ?? { version: 1, never: [], dirs: [], files: {} };
  const never = [".venv", ...artifacts.never, ...(options.exclude ?? [])];
  const candidates: string[] = [];
  const unchangedSinceSetup: string[] = [];
  for (const file of entries) {
    if (isDependencyPath(file) || never.some((n) => isUnder(file, n))) continue;
    if (artifacts.dirs.some((d) => isUnder(file, d))) continue;
    if (artifacts.files[file] !== undefined) unchangedSinceSetup.push(file);
    else candidates.push(file);
  }
  // A file setup made or changed is work only once it changed again after setup.
  const ids = await contentIds(git, unchangedSinceSetup);
  unchangedSinceSetup.forEach((file, i) => {
    if ((ids[i] ?? "") !== artifacts.files[file]) candidates.push(file);
  });
  return candidates.sort();
}

/**
 * Commits the task's own uncommitted work (`pendingWork`) with `message`, staging exactly those
 * paths (literal pathspecs, so no exclude pattern can name an ignored file and fail). Returns the
 * commit and the files, or undefined when there was nothing to commit. The one routine that
 * decides what of a worktree gets committed: the workflow's phases and cleanup both use it.
 */
export async function commitWork(
  git: GitClient,
  message: string,
  options: WorkOptions & { noVerify?: boolean } = {},
): Promise<{ commit: string; files: string[] } | undefined> {
  const staged = await stageWork(git, options);
  if (staged.length === 0) return undefined;
  const commit = await git.commit(message, options.noVerify ? { noVerify: true } : {});
  return { commit, files: staged };
}

/**
 * Stages the task's own uncommitted work (`pendingWork`), exactly those paths (literal
 * pathspecs, so no exclude pattern can name an ignored file and fail), and returns what is staged.
 */
export async function stageWork(git: GitClient, options: WorkOptions = {}): Promise<string[]> {
  const files = await pendingWork(git, options);
  if (files.length === 0) return [];
  await git.raw(["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"], {
    input: `${files.join("\0")}\0`,
    env: { GIT_LITERAL_PATHSPECS: "1" },
  });
  return (await git.raw(["diff", "--cached", "--name-only", "-z"])).split("\0").filter((p) => p !== "");
}

/**
 * Undoes what changed in a worktree since `before` (a snapshot taken then): tracked files go back
 * to HEAD, new untracked files are removed. For a read-only step (a reviewer) whose edits must
 * never reach the branch. Setup artifacts and dependency folders are left alone.
 */
export async function discardChangesSince(git: GitClient, before: DirtySnapshot): Promise<string[]> {
  const after = await snapshotDirty(git);
  const changed: string[] = [];
  for (const [file, id] of after) {
    if (before.get(file) === id || isDependencyPath(file)) continue;
    changed.push(file);
  }
  if (changed.length === 0) return [];
  const artifacts = await readSetupArtifacts(git.cwd);
  const discard = changed.filter((f) => !artifacts?.never.some((n) => isUnder(f, n)));
  const tracked = new Set(
    (await git.raw(["ls-files", "-z", "--", ...discard], { env: { GIT_LITERAL_PATHSPECS: "1" } }))
      .split("\0")
      .filter((p) => p !== ""),
  );
  const restore = discard.filter((f) => tracked.has(f));
  if (restore.length > 0) {
    await git.raw(["checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul"], {
      input: `${restore.join("\0")}\0`,
      env: { GIT_LITERAL_PATHSPECS: "1" },
    });
  }
  for (const file of discard.filter((f) => !tracked.has(f))) {
    await rm(path.join(git.cwd, file), { recursive: true, force: true });
  }
  return discard.sort();
}

/** The paths `git status` shows (untracked directories end with `/` in "normal" mode). */
async function statusOf(git: GitClient, untracked: "all" | "normal"): Promise<string[]> {
  const out = await git.raw(
    ["status", "--porcelain=v1", "-z", "--no-renames", `--untracked-files=${untracked}`],
    { env: { GIT_OPTIONAL_LOCKS: "0" } },
  );
  // `XY path` entries; --no-renames means no second path follows any of them.
  return out
    .split("\0")
    .filter((token) => token.length > 3)
    .map((token) => token.slice(3));
}

/**
 * What each path holds now, comparable across time: a file's blob id (`git hash-object`, nothing
 * written), `link:<target>` for a symlink, "dir" for a directory, "" when it is gone.
 */
async function contentIds(git: GitClient, paths: readonly string[]): Promise<string[]> {
  const ids: string[] = new Array(paths.length).fill("");
  const files: number[] = [];
  for (const [i, p] of paths.entries()) {
    const stat = await lstat(path.join(git.cwd, p)).catch(() => undefined);
    if (!stat) ids[i] = "";
    else if (stat.isSymbolicLink()) ids[i] = `link:${await readlink(path.join(git.cwd, p))}`;
    else if (stat.isDirectory() || p.endsWith("/")) ids[i] = "dir";
    else files.push(i);
  }
  if (files.length > 0) {
    const input = `${files.map((i) => paths[i]).join("\n")}\n`;
    const out = (await git.raw(["hash-object", "--no-filters", "--stdin-paths"], { input })).split("\n");
    files.forEach((index, n) => {
      ids[index] = out[n] ?? "";
    });
  }
  return ids;
}
