import { readdir, readlink, realpath, rm, stat } from "node:fs/promises";
import path from "node:path";
import { worktreeGitDir } from "./marker.js";

/**
 * Without `/proc` nothing says whether a process still has the lock open: only a lock this old
 * is taken for stale there (no git command holds the index that long).
 */
const STALE_WITHOUT_PROC_MS = 10 * 60_000;

/**
 * A git holds its `index.lock` open from creating it until it renames it into place; a lock no
 * process has open and not touched in this long was left by a git that died.
 */
const SETTLE_MS = 100;

export interface StaleLockOptions {
  /** Where `/proc` is (tests point it elsewhere). Default "/proc". */
  procRoot?: string;
  now?: () => number;
}

/**
 * Removes the `index.lock` a killed git left in a worktree (a power cut, a `kill -9` of the run
 * mid-`git add`), which would make every later git command there fail with "Unable to create
 * ... index.lock: File exists". It is removed only when no process has it open (read from
 * `/proc/<pid>/fd`) and it is older than a moment; without `/proc`, only when it is older than
 * ten minutes. Returns the path removed, or undefined.
 */
export async function removeStaleIndexLock(
  worktree: string,
  options: StaleLockOptions = {},
): Promise<string | undefined> {
  const adminDir = await worktreeGitDir(worktree);
  if (adminDir === undefined) return undefined;
  const lock = path.join(adminDir, "index.lock");
  const info = await stat(lock).catch(() => undefined);
  if (info === undefined) return undefined;
  const age = (options.now ?? Date.now)() - info.mtimeMs;
  const procRoot = options.procRoot ?? "/proc";
  const open = await openByAnyProcess(await realpath(lock).catch(() => lock), procRoot);
  const stale = open === undefined ? age > STALE_WITHOUT_PROC_MS : !open && age > SETTLE_MS;
  if (!stale) return undefined;
  await rm(lock, { force: true });
  return lock;
}

/** Whether some process has `file` open; undefined when there is no `/proc` to tell. */
async function openByAnyProcess(file: string, procRoot: string): Promise<boolean | undefined> {
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    // Another user's process, or one that just ended: its descriptors cannot be read, skip it.
    const fds = await readdir(path.join(procRoot, pid, "fd")).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(path.join(procRoot, pid, "fd", fd)).catch(() => undefined);
      if (target === file) return true;
    }
  }
  return false;
}
