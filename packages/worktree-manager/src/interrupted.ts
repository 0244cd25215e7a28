import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { type Context, now, samePath, saveRecord } from "./context.js";
import { readMarker, worktreeGitDir } from "./marker.js";
import type { WorktreeRecord } from "./registry.js";

/**
 * Worktree creations that were interrupted (a crash or kill -9 during `git worktree add`).
 *
 * `create` records its intent (status `creating`: path, branch, base, owner) under the repository
 * lock before it creates the branch and runs `git worktree add`, and marks the record `active`
 * after. Every creation holds the lock from the intent to `active`, so a `creating` record seen
 * with the lock held is always an interrupted one, whoever its owner was. What git leaves behind
 * then is a "half-made" worktree: its admin dir `<common dir>/worktrees/<name>/` locked
 * "initializing" (with `HEAD`, `gitdir`, maybe an `index.lock`) and a partial checkout at the
 * path; or, when the kill came after git finished, a complete checkout without Gadugi's marker.
 */

/** The git lock reason `git worktree add` writes while it checks out. */
export const INITIALIZING = "initializing";

/** What is at an interrupted creation's path. */
export type HalfMade =
  /** Nothing: the crash came before `git worktree add` made anything. */
  | { kind: "absent" }
  /** Left by the interrupted add (for this record's branch): safe to remove. */
  | { kind: "half-made"; adminDir?: string }
  /** Complete and marked for this run and task: the crash came after the marker was written. */
  | { kind: "marked"; adminDir: string }
  /** Something Gadugi did not make for this record: never touched. */
  | { kind: "foreign"; reason: string };

/** The admin dir of the worktree at `worktree`: from its `.git` file, else the one whose `gitdir` points there. */
export async function findAdminDir(ctx: Context, worktree: string): Promise<string | undefined> {
  const adminRoot = path.join(ctx.commonDir, "worktrees");
  const fromDotGit = await worktreeGitDir(worktree);
  if (fromDotGit && existsSync(fromDotGit) && samePath(path.dirname(fromDotGit), adminRoot)) {
    return fromDotGit;
  }
  const names = existsSync(adminRoot) ? await readdir(adminRoot) : [];
  for (const name of names) {
    const gitdir = await readText(path.join(adminRoot, name, "gitdir"));
    if (gitdir && samePath(path.dirname(gitdir), worktree)) return path.join(adminRoot, name);
  }
  return undefined;
}

/** Looks at what an interrupted creation (a `creating` record) left at its path. */
export async function inspectInterrupted(ctx: Context, record: WorktreeRecord): Promise<HalfMade> {
  const adminDir = await findAdminDir(ctx, record.path);
  if (!adminDir) {
    if (!existsSync(record.path)) return { kind: "absent" };
    const entries = await readdir(record.path).catch(() => ["?"]);
    // git makes the directory before anything in it; an empty one is all it got to.
    if (entries.length === 0) return { kind: "half-made" };
    return { kind: "foreign", reason: `${record.path} holds files that are not a worktree Gadugi made` };
  }
  const marker = await readMarker(adminDir);
  if (marker) {
    if (marker.runId === record.runId && marker.taskId === record.taskId) return { kind: "marked", adminDir };
    // A pooled checkout being taken up for this record (pool.ts) still carries the previous
    // task's marker: nothing of a live task is in it, so it is discarded like a half-made one.
    if (record.recycled && marker.status === "pooled") return { kind: "half-made", adminDir };
    return {
      kind: "foreign",
      reason: `${record.path} is the worktree of task ${marker.taskId} (run ${marker.runId})`,
    };
  }
  const lockReason = await readText(path.join(adminDir, "locked"));
  const head = await readText(path.join(adminDir, "HEAD"));
  const onOurBranch = head === `ref: refs/heads/${record.branch}` || /^0+$/.test(head ?? "");
  // Locked "initializing": git never finished. Unlocked on our branch: git finished, we did not.
  if (lockReason === INITIALIZING || (lockReason === undefined && onOurBranch)) {
    return { kind: "half-made", adminDir };
  }
  return {
    kind: "foreign",
    reason: `${record.path} is a worktree Gadugi did not make (${lockReason ? `locked: ${lockReason}` : (head ?? "no HEAD")})`,
  };
}

/**
 * Removes a half-made worktree: `git worktree remove --force --force` (it copes with the lock and
 * a partial checkout), else its admin dir and directory by hand when git cannot (no `.git` file
 * yet, or git refuses). Only for what `inspectInterrupted` called half-made.
 */
export async function removeHalfMade(ctx: Context, record: WorktreeRecord, adminDir?: string): Promise<void> {
  if (adminDir && existsSync(path.join(record.path, ".git"))) {
    const result = await ctx.git.tryRaw(["worktree", "remove", "--force", "--force", "--", record.path]);
    if (result.exitCode === 0 && !existsSync(adminDir) && !existsSync(record.path)) return;
  }
  if (adminDir) await rm(adminDir, { recursive: true, force: true });
  await rm(record.path, { recursive: true, force: true });
}

export type RepairOutcome =
  | { kind: "cleared" }
  | { kind: "adopted"; record: WorktreeRecord }
  | { kind: "foreign"; reason: string };

/**
 * Repairs an interrupted creation (call with the lock held): removes what the interrupted add
 * left (`cleared`: the path is free again, the branch untouched), or, when the worktree was
 * complete and marked, records it as active (`adopted`). A path that holds anything else is left
 * alone (`foreign`). The registry record itself is updated only on adoption.
 */
export async function repairInterrupted(ctx: Context, record: WorktreeRecord): Promise<RepairOutcome> {
  const found = await inspectInterrupted(ctx, record);
  switch (found.kind) {
    case "absent":
      return { kind: "cleared" };
    case "half-made":
      await removeHalfMade(ctx, record, found.adminDir);
      return { kind: "cleared" };
    case "marked": {
      const adopted: WorktreeRecord = {
        ...record,
        status: "active",
        adminName: path.basename(found.adminDir),
        updatedAt: now(),
      };
      await saveRecord(ctx, adopted);
      return { kind: "adopted", record: adopted };
    }
    case "foreign":
      return { kind: "foreign", reason: found.reason };
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    return undefined;
  }
}
