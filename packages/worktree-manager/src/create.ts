import { existsSync } from "node:fs";
import { readdir, rmdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { GadugiError, retry } from "@gadugi/error-handling";
import pLimit from "p-limit";
import { looksLikeValidBranchName, toBranchName, toSlug } from "./branch-name.js";
import {
  type Context,
  clearAdminDir,
  isMarkedFor,
  now,
  ownerAlive,
  restoreRecord,
  samePath,
  saveRecord,
  thisOwner,
} from "./context.js";
import { removeHalfMade, repairInterrupted } from "./interrupted.js";
import { worktreeGitDir, writeMarker } from "./marker.js";
import { takePooled } from "./pool.js";
import { findRecord, type WorktreeRecord } from "./registry.js";
import { removeStaleIndexLock } from "./stale-lock.js";

export interface CreateWorktreeOptions {
  runId: string;
  /** Also the worktree's directory name: `<dir>/<taskId>`. */
  taskId: string;
  /** The task's slug or any title; the branch is `<prefix><toSlug(slug)>`. */
  slug: string;
  /** Branch, tag or commit to start from. Default: the current branch (its commit when detached). */
  baseRef?: string;
  /** Use the branch if it exists although no record says this run and task made it. */
  reuseBranch?: boolean;
}

/** A worktree Gadugi made, as `create` returns it. */
export interface WorktreeInfo extends WorktreeRecord {
  /** True when an existing worktree or branch of this run and task was taken up again. */
  resumed: boolean;
}

/** What `create` resolved before taking the lock. */
export interface CreateRequest {
  runId: string;
  taskId: string;
  /** The slug (already `toSlug`ed). */
  slug: string;
  /** `<prefix><slug>`: the branch wanted when no record names one. */
  branch: string;
  /** `<worktrees dir>/<taskId>`. */
  wantedTarget: string;
  baseRef: string;
  baseCommit: string;
  reuseBranch: boolean;
}

export interface CreateHooks {
  /** `.gadugi/` and the worktrees directory in `.git/info/exclude`. */
  ensureExcludes(): Promise<void>;
  /** GADUGI_DISK_SPACE when a checkout of `commit` would not fit. */
  checkDiskSpace(commit: string): Promise<void>;
  /** Attempts of `git worktree add` on its known transient failures. */
  addAttempts: number;
  /** Folders a pooled worktree keeps when taken up (undefined: the pool is not used). */
  poolKeep?: readonly string[];
}

export interface CreateDeps extends CreateHooks {
  /** Whether git accepts the branch prefix (asked once per manager). */
  prefixValid(): Promise<boolean>;
}

/**
 * `create`: checks the branch name, takes up this run and task's active worktree (resume),
 * resolves the base, then creates with the repository lock held (`createLocked`).
 */
export async function createWorktree(
  ctx: Context,
  options: CreateWorktreeOptions,
  deps: CreateDeps,
): Promise<WorktreeInfo> {
  const { runId, taskId } = options;
  const slug = toSlug(options.slug);
  const branch = toBranchName(slug, ctx.branchPrefix);
  // The slug part is always valid; git is asked once per manager about the prefix.
  if (!looksLikeValidBranchName(branch) || !(await deps.prefixValid())) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "branch",
      value: branch,
      expected: "a valid git branch name (check the branch prefix)",
    });
  }

  // Resume: this run's worktree for the task is still there. A git killed with the run that made
  // it may have left its index lock, which would stop every git command in it.
  const before = findRecord(await ctx.registry.read(), runId, taskId);
  if (before?.status === "active" && (await isMarkedFor(before.path, before))) {
    await removeStaleIndexLock(before.path);
    return { ...before, resumed: true };
  }

  const { baseRef, baseCommit } = await resolveBase(ctx, options.baseRef);
  const request: CreateRequest = {
    runId,
    taskId,
    slug,
    branch,
    wantedTarget: path.join(ctx.worktreesDir, taskId),
    baseRef,
    baseCommit,
    reuseBranch: options.reuseBranch ?? false,
  };
  const made = await ctx.locked(() => createLocked(ctx, request, deps));
  return "pending" in made ? checkOut(ctx, made.pending) : made;
}

/** A new worktree registered without its files (lock held); `checkOut` writes them. */
export interface PendingCheckout {
  intent: WorktreeRecord;
  /** What the registry held for this run and task before, restored when the checkout fails. */
  previous: WorktreeRecord | undefined;
  branchCreated: boolean;
  resumed: boolean;
}

/** Creations of this process whose files are being written outside the lock (see `inProgress`). */
const checkingOut = new Set<string>();

/**
 * Checkouts at once: one per core. A checkout is CPU and file-system work, so more than the
 * cores only makes each one (and the first agent's start) later.
 */
const checkoutSlots = pLimit(Math.max(1, availableParallelism()));

function creationKey(record: Pick<WorktreeRecord, "path" | "runId" | "taskId">): string {
  return `${record.path}\0${record.runId}\0${record.taskId}`;
}

/**
 * Whether a `creating` record is a creation still under way, not an interrupted one: this
 * process is writing its files, or another live process made it (it checks out outside the lock).
 */
export function inProgress(record: WorktreeRecord): boolean {
  if (checkingOut.has(creationKey(record))) return true;
  return record.owner.pid !== process.pid && ownerAlive(record);
}

/**
 * Writes a new worktree's files (`git checkout --force`, which also runs a post-checkout hook)
 * outside the repository lock, so the checkouts of tasks starting together run side by side
 * instead of one after the other; then marks it active under the lock. A failure removes the
 * half-made worktree and puts the record back; a crash leaves a `creating` record that
 * interrupted.ts repairs.
 */
async function checkOut(ctx: Context, pending: PendingCheckout): Promise<WorktreeInfo> {
  const { intent } = pending;
  const key = creationKey(intent);
  checkingOut.add(key);
  try {
    try {
      await checkoutSlots(() => ctx.gitAt(intent.path).raw(["checkout", "--force", "--quiet"]));
    } catch (error) {
      await ctx.locked(async () => {
        await removeHalfMade(ctx, intent, await worktreeGitDir(intent.path));
        if (pending.branchCreated) await deleteBranchIfAt(ctx, intent.branch, intent.baseCommit);
        await restoreRecord(ctx, intent, pending.previous);
      });
      throw error;
    }
    return await ctx.locked(() => markActive(ctx, intent, pending.resumed));
  } finally {
    checkingOut.delete(key);
  }
}

/** The marker and the `active` record of a worktree whose files are written (lock held). */
async function markActive(ctx: Context, intent: WorktreeRecord, resumed: boolean): Promise<WorktreeInfo> {
  const adminDir = await worktreeGitDir(intent.path);
  const record: WorktreeRecord = {
    ...intent,
    status: "active",
    updatedAt: now(),
    ...(adminDir ? { adminName: path.basename(adminDir) } : {}),
  };
  if (adminDir) await writeMarker(adminDir, record);
  await saveRecord(ctx, record);
  return { ...record, resumed };
}

/**
 * `baseRef` and its commit; without one, the checked-out branch of the main checkout (its commit
 * when detached). @throws GADUGI_INVALID_ARGUMENT when it names no commit.
 */
async function resolveBase(
  ctx: Context,
  wanted: string | undefined,
): Promise<{ baseRef: string; baseCommit: string }> {
  const { baseRef, baseCommit } = wanted
    ? { baseRef: wanted, baseCommit: await ctx.git.resolveCommit(wanted) }
    : await currentBase(ctx);
  if (!baseCommit) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "base ref",
      value: baseRef,
      expected: "a branch, tag or commit of this repository",
    });
  }
  return { baseRef, baseCommit };
}

/** The checked-out branch of the main checkout and its commit; the commit twice when detached. */
async function currentBase(ctx: Context): Promise<{ baseRef: string; baseCommit: string | undefined }> {
  const result = await ctx.git.tryRaw(["rev-parse", "HEAD", "--abbrev-ref", "HEAD"]);
  const [commit, name] = result.stdout.trim().split("\n");
  if (result.exitCode !== 0 || !commit) return { baseRef: "HEAD", baseCommit: undefined };
  return { baseRef: !name || name === "HEAD" ? commit : name, baseCommit: commit };
}

/** `git worktree add` failures that go away when tried again (measured with concurrent adds). */
const TRANSIENT =
  /failed to read .*commondir|index\.lock|\.lock'?: File exists|Unable to create '.*\.lock'|could not lock|cannot lock ref|Resource temporarily unavailable|unable to write new index file/i;

export function isTransientWorktreeError(error: unknown): boolean {
  if (!GadugiError.is(error, "GADUGI_GIT_FAILED")) return false;
  return TRANSIENT.test(error.message);
}

/**
 * The body of `create`, with the lock held. Intent first: the record is written with status
 * `creating` before the branch and `git worktree add`, and made `active` after (with the marker),
 * so a crash at any moment in between leaves a record that list, cleanup, prune and the next
 * `create` of this run and task find and repair.
 */
export async function createLocked(
  ctx: Context,
  req: CreateRequest,
  hooks: CreateHooks,
): Promise<WorktreeInfo | { pending: PendingCheckout }> {
  await hooks.ensureExcludes();
  const records = await ctx.registry.read();
  const own = findRecord(records, req.runId, req.taskId);
  if (own?.status === "active" && (await isMarkedFor(own.path, own))) return { ...own, resumed: true };
  if (own?.status === "creating") {
    // Interrupted (nobody else creates while we hold the lock): clear what it left, or adopt it.
    const repaired = await repairInterrupted(ctx, own);
    if (repaired.kind === "adopted") return { ...repaired.record, resumed: true };
  }
  // Its directory was deleted by hand: clear the stale git metadata so the path can be reused.
  if (own?.status === "active" && !existsSync(own.path)) await clearAdminDir(ctx, own);

  const chosen = await chooseBranch(ctx, records, req);
  const base = !chosen.exists
    ? { baseRef: req.baseRef, baseCommit: req.baseCommit }
    : own && own.branch === chosen.branch
      ? { baseRef: own.baseRef, baseCommit: own.baseCommit }
      : {
          baseRef: req.baseRef,
          baseCommit: (await ctx.git.mergeBase(chosen.branch, req.baseCommit)) ?? req.baseCommit,
        };
  const stamp = now();
  const intentFields = {
    runId: req.runId,
    taskId: req.taskId,
    slug: req.slug,
    branch: chosen.branch,
    ...base,
    status: "creating" as const,
    createdAt: own?.createdAt ?? stamp,
    updatedAt: stamp,
    owner: thisOwner(),
    savedWork: own?.savedWork ?? [],
  };
  // A finished task's checkout from the pool, when there is one: no new checkout at all.
  if (hooks.poolKeep && (own === undefined || own.status === "removed" || own.status === "pooled")) {
    const taken = await takePooled(ctx, intentFields, { branchExists: chosen.exists, keep: hooks.poolKeep });
    if (taken) return { ...taken, resumed: chosen.exists };
  }

  // Another run's worktree of a task with the same id (the same prompts run again): a directory beside it.
  // A pooled checkout (this task's, or one whose take-up was interrupted) is not where a new one goes.
  // A removed one's path may be another task's checkout by now (taken up from the pool).
  const target =
    own && own.status !== "pooled" && own.status !== "removed" && !own.recycled
      ? own.path
      : freeTarget(records, req.wantedTarget);
  await assertTargetFree(target);
  await hooks.checkDiskSpace(req.baseCommit);
  const intent: WorktreeRecord = { ...intentFields, path: target };
  await saveRecord(ctx, intent);
  try {
    if (!chosen.exists) await ctx.git.createBranch(chosen.branch, base.baseCommit);
    await addWorktree(ctx, target, chosen.branch, hooks.addAttempts);
  } catch (error) {
    if (!chosen.exists) await deleteBranchIfAt(ctx, chosen.branch, base.baseCommit);
    await restoreRecord(ctx, intent, own);
    throw error;
  }
  return { pending: { intent, previous: own, branchCreated: !chosen.exists, resumed: chosen.exists } };
}

/** `git worktree add --no-checkout` (the files come after the lock, in `checkOut`). */
async function addWorktree(ctx: Context, target: string, branch: string, attempts: number): Promise<void> {
  await retry(
    async () => {
      await removeEmptyDir(target);
      await ctx.git.worktreeAdd(target, branch, { checkout: false });
    },
    {
      maxAttempts: attempts,
      initialDelayMs: 50,
      maxDelayMs: 1000,
      operation: `git worktree add ${target}`,
      shouldRetry: isTransientWorktreeError,
    },
  );
}

/**
 * The branch a task gets: the one this run and task made (or meant to make) before (resume), else
 * `<prefix><slug>` when it is free, else the first free `<prefix><slug>-<n>`. A branch of an
 * earlier run (or the user's own) is never taken over or moved, so running the same prompts again
 * just works and no earlier work is touched. `reuseBranch` takes up an existing branch no record
 * claims (a crash between creating it and recording it, before intent records existed).
 */
async function chooseBranch(
  ctx: Context,
  records: readonly WorktreeRecord[],
  req: CreateRequest,
): Promise<{ branch: string; exists: boolean }> {
  const own = findRecord(records, req.runId, req.taskId);
  if (own) return { branch: own.branch, exists: await ctx.git.branchExists(own.branch) };
  const wanted = req.branch;
  if (!(await ctx.git.branchExists(wanted))) return { branch: wanted, exists: false };
  if (req.reuseBranch && !records.some((r) => r.branch === wanted)) return { branch: wanted, exists: true };
  for (let n = 2; ; n++) {
    const candidate = `${wanted}-${n}`;
    if (!(await ctx.git.branchExists(candidate))) return { branch: candidate, exists: false };
  }
}

/** `wanted`, or `<wanted>-<n>` when a record that is not removed holds it. */
function freeTarget(records: readonly WorktreeRecord[], wanted: string): string {
  const taken = (dir: string) => records.some((r) => r.status !== "removed" && samePath(r.path, dir));
  let target = wanted;
  for (let n = 2; taken(target); n++) target = `${wanted}-${n}`;
  return target;
}

async function assertTargetFree(target: string): Promise<void> {
  if (!existsSync(target)) return;
  const entries = await readdir(target).catch(() => ["?"]);
  if (entries.length > 0) throw new GadugiError("GADUGI_WORKTREE_EXISTS", { path: target });
}

async function removeEmptyDir(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  await rmdir(dir).catch(() => undefined);
}

async function deleteBranchIfAt(ctx: Context, branch: string, commit: string): Promise<void> {
  const tip = await ctx.git.resolveCommit(branch).catch(() => undefined);
  if (tip === commit) await ctx.git.deleteBranch(branch, { force: true }).catch(() => undefined);
}
