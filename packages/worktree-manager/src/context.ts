import { existsSync, realpathSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import type { GitClient } from "@gadugi/git";
import { addGitExcludes, ensureGitExclude, isProcessAlive } from "@gadugi/state";
import { withRepoLock } from "./lock.js";
import { readMarker, worktreeGitDir } from "./marker.js";
import { type WorktreeRecord, WorktreeRegistry } from "./registry.js";

/** What the manager's create, cleanup and repair routines share about one repository. */
export interface Context {
  /** The main checkout (where `.gadugi/` lives). */
  root: string;
  /** The git common dir; worktrees' own git dirs are under `<commonDir>/worktrees/`. */
  commonDir: string;
  worktreesDir: string;
  gadugiDir: string;
  git: GitClient;
  registry: WorktreeRegistry;
  branchPrefix: string;
  /** A git client in another directory (a worktree), with the manager's runner and env. */
  gitAt(cwd: string): GitClient;
  /** Runs `fn` holding the repository's worktree lock (across processes). */
  locked<T>(fn: () => Promise<T>): Promise<T>;
}

/** What `openContext` needs of the manager's options. */
export interface ContextOptions {
  /** Any directory of the repository; its main checkout is used. */
  repoRoot: string;
  /** Where worktrees go, relative to the main checkout (or absolute). Default `.worktrees`. */
  dir?: string;
  branchPrefix: string;
  lockTimeoutMs?: number;
}

/**
 * The context of the repository `options.repoRoot` belongs to: its main checkout (the parent of
 * the common `.git` dir, or the probe's toplevel for a separate git dir), `.gadugi/`, the worktree
 * registry and the cross-process worktree lock. `gitAt` makes the git clients.
 */
export async function openContext(
  options: ContextOptions,
  gitAt: (cwd: string) => GitClient,
): Promise<Context> {
  const probe = gitAt(options.repoRoot);
  const commonDir = await probe.gitCommonDir();
  const root = path.basename(commonDir) === ".git" ? path.dirname(commonDir) : await probe.root();
  const gadugiDir = path.join(root, ".gadugi");
  const lockPath = path.join(gadugiDir, "locks", "worktree.lock");
  const lockOptions = {
    resource: `the worktrees of ${root}`,
    ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
  };
  return {
    root,
    commonDir,
    worktreesDir: path.resolve(root, options.dir ?? ".worktrees"),
    gadugiDir,
    git: root === probe.cwd ? probe : gitAt(root),
    registry: new WorktreeRegistry(path.join(gadugiDir, "worktrees.json")),
    branchPrefix: options.branchPrefix,
    gitAt,
    locked: <T>(fn: () => Promise<T>) => withRepoLock(lockPath, lockOptions, fn),
  };
}

/** `.gadugi/` and the worktrees directory (when inside the checkout) in `.git/info/exclude`. */
export async function addWorktreeExcludes(ctx: Context): Promise<void> {
  await ensureGitExclude(ctx.root);
  const rel = path.relative(ctx.root, ctx.worktreesDir);
  if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) {
    const pattern = `/${rel.split(path.sep).join("/")}/`;
    await addGitExcludes(ctx.root, "Gadugi task worktrees", [
      { write: pattern, known: [pattern.slice(1), pattern.slice(0, -1), pattern.slice(1, -1)] },
    ]);
  }
}

export function now(): string {
  return new Date().toISOString();
}

export function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return path.resolve(a) === path.resolve(b) || norm(a) === norm(b);
}

/** The creating process still runs (always true when it ran on another host: it cannot be checked). */
export function ownerAlive(record: WorktreeRecord): boolean {
  if (record.owner.host !== hostname()) return true;
  return record.owner.pid === process.pid || isProcessAlive(record.owner.pid);
}

/** This process, as a record's owner. */
export function thisOwner(): WorktreeRecord["owner"] {
  return { pid: process.pid, host: hostname() };
}

/** Whether `dir` is a worktree whose git dir holds Gadugi's marker for this record's run and task. */
export async function isMarkedFor(
  dir: string,
  record: Pick<WorktreeRecord, "runId" | "taskId">,
): Promise<boolean> {
  if (!existsSync(dir)) return false;
  const adminDir = await worktreeGitDir(dir);
  if (!adminDir) return false;
  const marker = await readMarker(adminDir);
  return marker !== undefined && marker.runId === record.runId && marker.taskId === record.taskId;
}

/** Removes the git metadata of one of our worktrees whose directory is gone (never a foreign one). */
export async function clearAdminDir(ctx: Context, record: WorktreeRecord): Promise<void> {
  if (!record.adminName || existsSync(record.path)) return;
  const adminDir = path.join(ctx.commonDir, "worktrees", record.adminName);
  const marker = await readMarker(adminDir);
  if (!marker || marker.runId !== record.runId || marker.taskId !== record.taskId) return;
  const gitdir = await readFile(path.join(adminDir, "gitdir"), "utf8").catch(() => "");
  const pointsTo = gitdir.trim() === "" ? undefined : path.dirname(gitdir.trim());
  if (pointsTo && !samePath(pointsTo, record.path)) return;
  await rm(adminDir, { recursive: true, force: true });
}

/** Writes `record` into the registry in place of the one of its run and task (lock held). */
export async function saveRecord(ctx: Context, record: WorktreeRecord): Promise<void> {
  await ctx.registry.update((all) => {
    const kept = all.filter((r) => !(r.runId === record.runId && r.taskId === record.taskId));
    all.splice(0, all.length, ...kept, record);
  });
}

/** Puts back what the registry held for this run and task before (`previous`), or drops the record. */
export async function restoreRecord(
  ctx: Context,
  key: Pick<WorktreeRecord, "runId" | "taskId">,
  previous: WorktreeRecord | undefined,
): Promise<void> {
  await ctx.registry.update((all) => {
    const kept = all.filter((r) => !(r.runId === key.runId && r.taskId === key.taskId));
    all.splice(0, all.length, ...kept, ...(previous ? [previous] : []));
  });
}
