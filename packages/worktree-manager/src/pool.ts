import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import {
  type Context,
  isMarkedFor,
  now,
  ownerAlive,
  restoreRecord,
  saveRecord,
  thisOwner,
} from "./context.js";
import { removeHalfMade } from "./interrupted.js";
import { worktreeGitDir, writeMarker } from "./marker.js";
import { findRecord, type SavedWork, type WorktreeRecord } from "./registry.js";
import { SETUP_ARTIFACTS_FILE } from "./work.js";

/**
 * The worktree pool. A `git worktree add` of a large tree costs most of a second (5,000 files:
 * 0.6–1.1 s here) and its removal more; taking up a finished task's checkout for the next task
 * (`git checkout --force <branch>` + `git clean`) costs tens of milliseconds, because only the
 * files that differ are written, and the ignored dependency folders it keeps make the next
 * setup's install incremental.
 *
 * - A finished task's worktree goes into the pool (`releaseWorktree`): its uncommitted work is
 *   committed to its branch first, then HEAD is detached (the branch is free again), the tree is
 *   cleaned of everything untracked and ignored except the `keep` folders, and its record becomes
 *   `pooled`. When the pool holds `size` worktrees already, it is removed instead.
 * - `create` takes the most recently pooled worktree (`takePooled`, lock held): the pooled record
 *   becomes `removed` (its branch is kept, as on any removal), a new `creating` record marked
 *   `recycled` is written first (intent), then the checkout; so a crash in between leaves a
 *   record the next create, cleanup or prune recognises and discards (see interrupted.ts).
 * - A pooled worktree is never shared: it is taken under the repository lock, and a removal
 *   checks under the same lock that it is still pooled.
 */
export interface PoolSettings {
  /** Most worktrees kept in the pool; 0 turns pooling off (finished worktrees are removed). */
  size: number;
  /** Ignored folders a pooled worktree keeps (`git clean -e` patterns): installed dependencies. */
  keep: readonly string[];
}

export const DEFAULT_POOL: PoolSettings = { size: 4, keep: ["node_modules", ".venv", "venv"] };

/** `git clean` of everything untracked and ignored except the `keep` patterns. */
function cleanArgs(keep: readonly string[]): string[] {
  return ["clean", "-f", "-d", "-x", "-q", ...keep.flatMap((pattern) => ["-e", pattern])];
}

export type ReleaseOutcome =
  | { action: "pooled"; record: WorktreeRecord; savedWork?: SavedWork }
  /** Not pooled (pool full or off, or the worktree could not be cleaned): remove it instead. */
  | { action: "remove"; savedWork?: SavedWork; reason: string };

export interface ReleaseDeps {
  /** Commits uncommitted work to the task branch (cleanup.ts's saveWork). */
  saveWork(record: WorktreeRecord): Promise<SavedWork | undefined>;
}

/**
 * Puts a finished task's active worktree into the pool, or says it should be removed. Call
 * without the lock (it takes it for the registry). Only the process that made the worktree, or
 * anyone once that process is gone, releases it.
 */
export async function releaseWorktree(
  ctx: Context,
  record: WorktreeRecord,
  settings: PoolSettings,
  deps: ReleaseDeps,
): Promise<ReleaseOutcome> {
  if (settings.size <= 0) return { action: "remove", reason: "the worktree pool is off" };
  if (record.status !== "active" || !existsSync(record.path) || !(await isMarkedFor(record.path, record))) {
    return { action: "remove", reason: "not an active worktree of this task" };
  }
  if (record.owner.pid !== process.pid && ownerAlive(record)) {
    return { action: "remove", reason: `in use by process ${record.owner.pid}` };
  }
  const adminDir = await worktreeGitDir(record.path);
  if (!adminDir || existsSync(path.join(adminDir, "locked"))) {
    return { action: "remove", reason: "the worktree is locked" };
  }
  // The task's work is committed (or, when a commit fails, saved as a patch); what is left
  // dirty is by the same rule not its work (setup's artifacts, dependency folders): discarded.
  const savedWork = await deps.saveWork(record);
  const saved = savedWork ? { savedWork } : {};
  const wt = ctx.gitAt(record.path);
  await wt.raw(["checkout", "--quiet", "--force", "--detach"]);
  await wt.raw(cleanArgs(settings.keep));
  return ctx.locked(async (): Promise<ReleaseOutcome> => {
    const all = await ctx.registry.read();
    const current = findRecord(all, record.runId, record.taskId);
    if (current?.status !== "active") return { action: "remove", reason: "its record changed", ...saved };
    if (all.filter((r) => r.status === "pooled").length >= settings.size) {
      return { action: "remove", reason: `the pool holds ${settings.size} worktree(s) already`, ...saved };
    }
    const stamp = now();
    const pooled: WorktreeRecord = {
      ...current,
      status: "pooled",
      pooledAt: stamp,
      updatedAt: stamp,
      savedWork: [...current.savedWork, ...(savedWork ? [savedWork] : [])],
    };
    await writeMarker(adminDir, pooled);
    await saveRecord(ctx, pooled);
    return { action: "pooled", record: pooled, ...saved };
  });
}

/** What `takePooled` checks out: the new task's intent, without its path yet. */
export type PoolIntent = Omit<WorktreeRecord, "path" | "adminName" | "recycled">;

/**
 * Takes up a pooled worktree for `intent` (lock held): the most recently pooled usable one,
 * checked out on `intent.branch` (created at `intent.baseCommit` unless `branchExists`), cleaned,
 * marked and recorded `active`. Undefined when the pool has none; a pooled worktree that fails to
 * check out is discarded and the next tried.
 */
export async function takePooled(
  ctx: Context,
  intent: PoolIntent,
  options: { branchExists: boolean; keep: readonly string[] },
): Promise<WorktreeRecord | undefined> {
  // The task's own pooled checkout first (a resumed run's task, released at the end of the run
  // before): taking another one would write the new record over its own and lose that one.
  const idle = await idlePooled(ctx);
  const own = idle.filter((r) => r.runId === intent.runId && r.taskId === intent.taskId);
  for (const candidate of [...own, ...idle.filter((r) => !own.includes(r))]) {
    if (!(await usable(candidate))) {
      await retire(ctx, candidate);
      continue;
    }
    const taken = await recycle(ctx, candidate, intent, options);
    if (taken) return taken;
  }
  return undefined;
}

/** Pooled records not lent out (or lent by a process that is gone), most recently pooled first. */
export async function idlePooled(ctx: Context): Promise<WorktreeRecord[]> {
  return (await ctx.registry.read())
    .filter((r) => r.status === "pooled" && (r.lentAs === undefined || !ownerAlive(r)))
    .sort((a, b) => (b.pooledAt ?? "").localeCompare(a.pooledAt ?? ""));
}

/**
 * Lends a pooled checkout out as the detached checkout `name` at `commit` (lock held): checked
 * out there, cleaned except the `keep` folders, recorded `lentAs` by this process. Its path, or
 * undefined when the pool has none.
 */
export async function lendPooled(
  ctx: Context,
  name: string,
  commit: string,
  keep: readonly string[],
): Promise<string | undefined> {
  for (const candidate of await idlePooled(ctx)) {
    if (!(await usable(candidate))) {
      await retire(ctx, candidate);
      continue;
    }
    const wt = ctx.gitAt(candidate.path);
    try {
      await wt.raw(["checkout", "--quiet", "--force", "--detach", commit, "--"]);
      await wt.raw(cleanArgs(keep));
    } catch {
      await removeHalfMade(ctx, candidate, await worktreeGitDir(candidate.path));
      await retire(ctx, candidate);
      continue;
    }
    await saveRecord(ctx, { ...candidate, lentAs: name, owner: thisOwner(), updatedAt: now() });
    return candidate.path;
  }
  return undefined;
}

/** The pooled record lent out as `name`, if any. */
export async function lentRecord(ctx: Context, name: string): Promise<WorktreeRecord | undefined> {
  return (await ctx.registry.read()).find((r) => r.status === "pooled" && r.lentAs === name);
}

/** Gives a lent checkout back to the pool (lock held): cleaned, no longer lent. */
export async function giveBack(ctx: Context, record: WorktreeRecord, keep: readonly string[]): Promise<void> {
  await ctx.gitAt(record.path).raw(cleanArgs(keep));
  const { lentAs: _lent, ...idle } = record;
  await saveRecord(ctx, { ...idle, updatedAt: now() });
}

/** Present, still marked as this pooled record, not locked by the user (`git worktree lock`). */
async function usable(record: WorktreeRecord): Promise<boolean> {
  if (!existsSync(record.path) || !(await isMarkedFor(record.path, record))) return false;
  const adminDir = await worktreeGitDir(record.path);
  return adminDir !== undefined && !existsSync(path.join(adminDir, "locked"));
}

/** A pooled record that is gone, taken up or left: recorded removed (what is on disk is left alone). */
export async function retire(ctx: Context, record: WorktreeRecord): Promise<void> {
  const { lentAs: _lent, ...rest } = record;
  const stamp = now();
  await saveRecord(ctx, { ...rest, status: "removed", updatedAt: stamp, removedAt: stamp });
}

async function recycle(
  ctx: Context,
  pooled: WorktreeRecord,
  intent: PoolIntent,
  options: { branchExists: boolean; keep: readonly string[] },
): Promise<WorktreeRecord | undefined> {
  const adminDir = (await worktreeGitDir(pooled.path)) as string;
  // The old task's record is history from here on (its branch stays); the new one is intent first.
  await retire(ctx, pooled);
  const previous = findRecord(await ctx.registry.read(), intent.runId, intent.taskId);
  const creating: WorktreeRecord = {
    ...intent,
    path: pooled.path,
    status: "creating",
    recycled: true,
    owner: thisOwner(),
    ...(pooled.adminName ? { adminName: pooled.adminName } : {}),
  };
  await saveRecord(ctx, creating);
  let branchCreated = false;
  try {
    if (!options.branchExists) {
      await ctx.git.createBranch(intent.branch, intent.baseCommit);
      branchCreated = true;
    }
    const wt = ctx.gitAt(pooled.path);
    await wt.raw(["checkout", "--quiet", "--force", intent.branch, "--"]);
    await wt.raw(cleanArgs(options.keep));
    // The previous task's setup artifacts are not this task's.
    await rm(path.join(adminDir, SETUP_ARTIFACTS_FILE), { force: true });
    const active: WorktreeRecord = { ...creating, status: "active", updatedAt: now() };
    await writeMarker(adminDir, active);
    await saveRecord(ctx, active);
    return active;
  } catch {
    // Whatever state the checkout is in, nothing of a live task is in it: discard it.
    if (branchCreated) await ctx.git.deleteBranch(intent.branch, { force: true }).catch(() => undefined);
    await removeHalfMade(ctx, creating, adminDir);
    await restoreRecord(ctx, creating, previous);
    return undefined;
  }
}

/**
 * Whether a pooled record is still pooled and its checkout still marked as it (lock held): a
 * removal re-checks this, so it never removes a worktree another process just took up.
 */
export async function stillPooled(ctx: Context, record: WorktreeRecord): Promise<boolean> {
  const current = findRecord(await ctx.registry.read(), record.runId, record.taskId);
  return current?.status === "pooled" && (await isMarkedFor(record.path, current));
}
