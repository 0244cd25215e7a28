import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { writeFileAtomic } from "@gadugi/state";
import { type Context, clearAdminDir, isMarkedFor, now, ownerAlive, saveRecord } from "./context.js";
import { inProgress } from "./create.js";
import { repairInterrupted } from "./interrupted.js";
import { worktreeGitDir } from "./marker.js";
import { stillPooled } from "./pool.js";
import { findRecord, type SavedWork, type WorktreeRecord } from "./registry.js";
import { stageWork } from "./work.js";

/** Where uncommitted work goes before a worktree is removed. */
export type SaveMode = "commit" | "patch";

export interface RemoveOptions {
  /**
   * Also remove locked worktrees and ones whose creating process still runs, and (with
   * `deleteBranch`) delete branches that have commits (their commits are bundled first).
   */
  force?: boolean;
  /** Uncommitted work: committed to the task branch (default) or saved as a patch under `.gadugi/patches/`. */
  save?: SaveMode;
  /** Delete the task branch: at once when it has no commits beyond its base, with `force` otherwise. */
  deleteBranch?: boolean;
  /** Which run, when the task id alone is ambiguous. */
  runId?: string;
}

export interface CleanupOptions extends Omit<RemoveOptions, "deleteBranch"> {
  runId?: string;
  taskId?: string;
  deleteBranches?: boolean;
}

export interface CleanupEntry {
  runId: string;
  taskId: string;
  path: string;
  branch: string;
  /**
   * removed: worktree gone now; pooled: kept in the worktree pool for the next task (`release`);
   * missing: it was already gone (metadata cleared); skipped: untouched.
   */
  action: "removed" | "pooled" | "missing" | "skipped" | "failed";
  savedWork?: SavedWork;
  branchDeleted: boolean;
  /** Why the branch was kept, or why the worktree was skipped or failed. */
  reason?: string;
  /** Error code for skipped or failed entries (GADUGI_WORKTREE_FOREIGN...). */
  code?: string;
  /** A bundle of the branch's commits, written before a forced branch deletion. */
  bundle?: string;
  /** The branch's last commit when it was deleted (`git branch <name> <tip>` restores it). */
  branchTip?: string;
  /** The worktree's creation had been interrupted (a crash during `git worktree add`). */
  interrupted?: boolean;
}

export interface CleanupResult {
  entries: CleanupEntry[];
}

/** What `git worktree remove` says when the worktree has changes. */
const DIRTY = /contains modified or untracked files/;

export function entryFor(record: WorktreeRecord): CleanupEntry {
  return {
    runId: record.runId,
    taskId: record.taskId,
    path: record.path,
    branch: record.branch,
    action: "removed",
    branchDeleted: false,
  };
}

/**
 * Removes one of Gadugi's worktrees (its record), saving uncommitted work first. Errors become a
 * `failed` entry unless `throwErrors`.
 */
export async function cleanupRecord(
  ctx: Context,
  record: WorktreeRecord,
  options: RemoveOptions,
  throwErrors = false,
): Promise<CleanupEntry> {
  try {
    if (record.status === "creating") return await cleanupInterrupted(ctx, record, options, throwErrors);
    return await removeActive(ctx, record, options);
  } catch (error) {
    if (throwErrors) throw error;
    return failedEntry(record, error);
  }
}

/** The entry of a removal (or release) of `record` that threw `error`. */
export function failedEntry(record: WorktreeRecord, error: unknown): CleanupEntry {
  return {
    ...entryFor(record),
    action: "failed",
    code: GadugiError.is(error) ? error.code : "GADUGI_UNEXPECTED",
    reason: error instanceof Error ? error.message : String(error),
  };
}

/**
 * An interrupted creation: with the lock held nobody is creating it, so the half-made checkout
 * (nothing of the user's can be in it) goes with or without force. A complete, marked worktree is
 * adopted and removed like any other; anything else at its path is left untouched.
 */
async function cleanupInterrupted(
  ctx: Context,
  record: WorktreeRecord,
  options: RemoveOptions,
  throwErrors: boolean,
): Promise<CleanupEntry> {
  const entry: CleanupEntry = { ...entryFor(record), interrupted: true };
  const next = await ctx.locked(async (): Promise<CleanupEntry | WorktreeRecord> => {
    const current = findRecord(await ctx.registry.read(), record.runId, record.taskId);
    if (!current) return { ...entry, action: "missing" };
    if (current.status !== "creating") return current;
    if (inProgress(current)) {
      return { ...entry, interrupted: false, action: "skipped", reason: "being created by a live process" };
    }
    const repaired = await repairInterrupted(ctx, current);
    if (repaired.kind === "adopted") return repaired.record;
    if (repaired.kind === "foreign") {
      return {
        ...entry,
        action: "skipped",
        code: "GADUGI_WORKTREE_FOREIGN",
        reason: `${repaired.reason}; left untouched`,
      };
    }
    entry.reason = "interrupted while being created: the half-made checkout was removed";
    return finishRemoval(ctx, current, options, entry, []);
  });
  if ("action" in next) return next;
  // Created (or adopted) meanwhile: an ordinary worktree now.
  return cleanupRecord(ctx, next, options, throwErrors);
}

async function removeActive(
  ctx: Context,
  record: WorktreeRecord,
  options: RemoveOptions,
): Promise<CleanupEntry> {
  const entry = entryFor(record);
  if (record.status !== "active" && record.status !== "pooled") {
    entry.action = "missing";
    return ctx.locked(() => finishRemoval(ctx, record, options, entry, []));
  }
  if (!existsSync(record.path)) {
    entry.action = "missing";
    return ctx.locked(async () => {
      await clearAdminDir(ctx, record);
      return finishRemoval(ctx, record, options, entry, []);
    });
  }
  if (!(await isMarkedFor(record.path, record))) {
    return {
      ...entry,
      action: "skipped",
      code: "GADUGI_WORKTREE_FOREIGN",
      reason: `${record.path} is not a worktree Gadugi made for task ${record.taskId}; left untouched`,
    };
  }
  if (
    !options.force &&
    record.lentAs !== undefined &&
    record.owner.pid !== process.pid &&
    ownerAlive(record)
  ) {
    return {
      ...entry,
      action: "skipped",
      reason: `lent out as ${record.lentAs} to process ${record.owner.pid}`,
    };
  }
  // A pooled worktree is idle whoever pooled it (a removal re-checks that under the lock).
  if (
    !options.force &&
    record.status === "active" &&
    record.owner.pid !== process.pid &&
    ownerAlive(record)
  ) {
    return {
      ...entry,
      action: "skipped",
      reason: `in use by process ${record.owner.pid} on ${record.owner.host}; pass force to remove it anyway`,
    };
  }
  const adminDir = await worktreeGitDir(record.path);
  const locked = adminDir !== undefined && existsSync(path.join(adminDir, "locked"));
  if (locked && !options.force) {
    return {
      ...entry,
      action: "skipped",
      reason: "the worktree is locked (`git worktree lock`); pass force",
    };
  }
  return removeWorktree(ctx, record, options, entry, locked);
}

/** `git worktree remove`, saving work first when git says there is some (or it is locked). */
async function removeWorktree(
  ctx: Context,
  record: WorktreeRecord,
  options: RemoveOptions,
  entry: CleanupEntry,
  locked: boolean,
): Promise<CleanupEntry> {
  const saved: SavedWork[] = [];
  const save = async (mode: SaveMode): Promise<void> => {
    const work = await saveWork(ctx, record, mode);
    if (work) {
      saved.push(work);
      entry.savedWork = work;
    }
  };
  const removeArgs = (force: boolean) => [
    "worktree",
    "remove",
    ...(force || locked ? ["--force"] : []),
    ...(locked ? ["--force"] : []),
    "--",
    record.path,
  ];
  const failure = (args: string[], result: { exitCode: number | null; stderr: string }) =>
    new GadugiError("GADUGI_GIT_FAILED", {
      command: `git ${args.join(" ")}`,
      exitCode: result.exitCode,
      stderr: result.stderr,
    });
  if (!locked) {
    // git refuses to remove a worktree with changes: its own check tells whether there is work to save.
    const done = await ctx.locked(async () => {
      if (record.status === "pooled" && !(await stillPooled(ctx, record))) {
        return { ...entry, action: "skipped" as const, reason: "taken up by another task meanwhile" };
      }
      const args = removeArgs(false);
      const result = await ctx.git.tryRaw(args);
      if (result.exitCode === 0) return finishRemoval(ctx, record, options, entry, saved);
      if (!DIRTY.test(result.stderr)) throw failure(args, result);
      return undefined;
    });
    if (done) return done;
  }
  // Changes (or a locked worktree, whose removal git would not check): save them first.
  await save(options.save ?? "commit");
  return ctx.locked(async () => {
    let args = removeArgs(saved.at(-1)?.mode === "patch");
    let result = await ctx.git.tryRaw(args);
    if (result.exitCode !== 0 && DIRTY.test(result.stderr)) {
      // Written after the commit: keep that as a patch too.
      await save("patch");
      args = removeArgs(true);
      result = await ctx.git.tryRaw(args);
    }
    if (result.exitCode !== 0) throw failure(args, result);
    return finishRemoval(ctx, record, options, entry, saved);
  });
}

/** Branch, then registry; called with the lock held, once the worktree is gone. */
async function finishRemoval(
  ctx: Context,
  record: WorktreeRecord,
  options: RemoveOptions,
  entry: CleanupEntry,
  saved: SavedWork[],
): Promise<CleanupEntry> {
  const branchReason = await maybeDeleteBranch(ctx, record, options, entry);
  if (branchReason) entry.reason = entry.reason ? `${entry.reason}; ${branchReason}` : branchReason;
  await ctx.registry.update((all) => {
    const r = findRecord(all, record.runId, record.taskId);
    if (!r) return;
    const stamp = now();
    r.status = "removed";
    r.updatedAt = stamp;
    r.removedAt ??= stamp;
    r.savedWork.push(...saved);
    if (entry.branchDeleted && entry.branchTip) {
      r.deletedBranch = { tip: entry.branchTip, ...(entry.bundle ? { bundle: entry.bundle } : {}) };
    }
  });
  return entry;
}

/** Marks an interrupted creation's record removed (lock held), once its half-made checkout is gone. */
export async function markInterruptedRemoved(ctx: Context, record: WorktreeRecord): Promise<void> {
  const stamp = now();
  await saveRecord(ctx, {
    ...record,
    status: "removed",
    updatedAt: stamp,
    removedAt: record.removedAt ?? stamp,
  });
}

/** Deletes the branch when asked and allowed; returns why it was kept, if it was. */
async function maybeDeleteBranch(
  ctx: Context,
  record: WorktreeRecord,
  options: RemoveOptions,
  entry: CleanupEntry,
): Promise<string | undefined> {
  if (!options.deleteBranch) return undefined;
  const found = await ctx.git.tryRaw(["rev-parse", "--verify", "--quiet", `refs/heads/${record.branch}`]);
  if (found.exitCode !== 0) return undefined;
  const tip = found.stdout.trim();
  const ahead = tip === record.baseCommit ? 0 : await unmergedCommits(ctx, record, tip);
  if (ahead > 0 && !options.force) {
    return `branch ${record.branch} kept: ${ahead} of its commit(s) are neither on ${record.baseRef} nor on an integration branch; pass force with deleteBranches to delete it (a bundle is kept)`;
  }
  if (ahead > 0) {
    const bundle = await uniqueFile(
      path.join(ctx.gadugiDir, "patches", record.runId),
      record.taskId,
      ".bundle",
    );
    await ctx.git.raw(["bundle", "create", bundle, `${record.baseCommit}..${record.branch}`]);
    entry.bundle = bundle;
  }
  const result = await ctx.git.tryRaw(["branch", "-D", "--", record.branch]);
  if (result.exitCode !== 0) return `branch ${record.branch} kept: ${result.stderr.trim()}`;
  entry.branchDeleted = true;
  entry.branchTip = tip;
  return undefined;
}

/**
 * Commits of a task branch that are nowhere else: not on its base commit, not on its base ref's
 * current tip, not on any integration branch. A branch whose work was merged has none.
 */
async function unmergedCommits(ctx: Context, record: WorktreeRecord, tip: string): Promise<number> {
  const integration = await ctx.git.raw([
    "for-each-ref",
    "--format=%(objectname)",
    `refs/heads/${ctx.branchPrefix}integration-*`,
  ]);
  const elsewhere = new Set([record.baseCommit, ...integration.split("\n").filter((l) => l !== "")]);
  const baseTip = await ctx.git.resolveCommit(record.baseRef).catch(() => undefined);
  if (baseTip) elsewhere.add(baseTip);
  const out = await ctx.git.raw(["rev-list", "--count", tip, "--not", ...elsewhere]);
  return Number(out.trim());
}

/**
 * Saves uncommitted work of a worktree: a commit on its task branch (mode `commit`, when the
 * task branch is checked out) or a binary patch with untracked files included under
 * `.gadugi/patches/<run>/<task>.patch` (mode `patch`, and the fallback). Undefined when clean.
 */
export async function saveWork(
  ctx: Context,
  record: WorktreeRecord,
  mode: SaveMode,
): Promise<SavedWork | undefined> {
  const wt = ctx.gitAt(record.path);
  // The same routine as the workflow's commits: setup's files, copied secrets, shared
  // node_modules and a read-only reviewer's leftovers are never the task's work.
  const staged = await stageWork(wt);
  if (staged.length === 0) return undefined;
  if (mode === "commit" && (await wt.currentBranch()) === record.branch) {
    try {
      const commit = await wt.commit(
        `gadugi: save uncommitted work of task ${record.taskId}\n\nCommitted by Gadugi before removing the worktree of run ${record.runId}\n(${record.path}), so nothing is lost.\n`,
        { noVerify: true },
      );
      return { mode: "commit", commit, at: now() };
    } catch {
      // Fall through to a patch (an unresolved merge, a failing commit...).
    }
  }
  // A patch of exactly what is staged, untracked files included.
  const patch = await wt.raw(
    ["diff", "--cached", "--binary", "--full-index", "--no-color", "--no-ext-diff", "HEAD", "--", ...staged],
    { env: { GIT_LITERAL_PATHSPECS: "1" } },
  );
  if (patch.trim() === "") return undefined;
  const file = await uniqueFile(path.join(ctx.gadugiDir, "patches", record.runId), record.taskId, ".patch");
  await writeFileAtomic(file, patch);
  return { mode: "patch", patchFile: file, at: now() };
}

async function uniqueFile(dir: string, name: string, ext: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  let file = path.join(dir, `${name}${ext}`);
  for (let i = 2; existsSync(file); i++) file = path.join(dir, `${name}-${i}${ext}`);
  return file;
}
