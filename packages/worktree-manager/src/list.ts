import { existsSync } from "node:fs";
import type { WorktreeInfo as GitWorktreeEntry } from "@gadugi/git";
import pLimit from "p-limit";
import { type Context, isMarkedFor, ownerAlive, samePath } from "./context.js";
import { INITIALIZING } from "./interrupted.js";
import type { WorktreeRecord } from "./registry.js";

/** One of Gadugi's worktrees, with its live state. */
export interface OwnWorktree extends WorktreeRecord {
  foreign: false;
  /** The directory exists. */
  exists: boolean;
  /** Its git dir holds Gadugi's marker for this run and task. */
  marked: boolean;
  head?: string;
  /** Modified, staged or untracked files. */
  dirty?: boolean;
  /** Commits on the task branch not in the base ref's current tip, and the other way round. */
  ahead?: number;
  behind?: number;
  locked: boolean;
  /** The creating process still runs (always true when it ran on another host: it cannot be checked). */
  ownerAlive: boolean;
  /**
   * Status `creating` and its process is gone: the creation was interrupted (a crash during
   * `git worktree add`). `create` of the same run and task, `cleanup`, `remove` and `prune` repair it.
   */
  interrupted?: boolean;
}

/** A worktree of the repository that Gadugi did not make; listed on request, never touched. */
export interface ForeignWorktree {
  foreign: true;
  path: string;
  branch?: string;
  head?: string;
  locked: boolean;
}

export type ListedWorktree = OwnWorktree | ForeignWorktree;

export interface ListOptions {
  runId?: string;
  taskId?: string;
  /** Also list worktrees Gadugi did not make (flagged `foreign: true`). */
  includeForeign?: boolean;
  /** Compute dirty/ahead/behind (a few git calls per worktree). Default true. */
  details?: boolean;
}

/**
 * `list`: Gadugi's active worktrees and those being (or interrupted while being) created, and on
 * request foreign ones, with dirty/ahead/behind.
 */
export async function listWorktrees(ctx: Context, options: ListOptions): Promise<ListedWorktree[]> {
  const [records, entries] = await Promise.all([ctx.registry.read(), ctx.git.worktreeList()]);
  const selected = records.filter(
    (r) =>
      r.status !== "removed" &&
      (options.runId === undefined || r.runId === options.runId) &&
      (options.taskId === undefined || r.taskId === options.taskId),
  );
  const details = options.details ?? true;
  const baseTip = memoBaseTip(ctx);
  // A few git calls per worktree: four at a time.
  const limit = pLimit(4);
  const own = await Promise.all(
    selected.map((record) =>
      limit(async () => {
        const item = await ownWorktree(
          record,
          entries.find((e) => samePath(e.path, record.path)),
        );
        if (details && item.exists && item.marked && record.status === "active") {
          await addDetails(ctx, item, async () => (await baseTip(record.baseRef)) ?? record.baseCommit);
        }
        return item;
      }),
    ),
  );
  if (!options.includeForeign) return own;
  return [...own, ...foreignWorktrees(own, entries)];
}

/** The base ref's current tip, resolved once per ref and listing (undefined when it is gone). */
function memoBaseTip(ctx: Context): (ref: string) => Promise<string | undefined> {
  const tips = new Map<string, Promise<string | undefined>>();
  return (ref) => {
    let tip = tips.get(ref);
    if (!tip) {
      tip = ctx.git.resolveCommit(ref).catch(() => undefined);
      tips.set(ref, tip);
    }
    return tip;
  };
}

/** A record with what is on disk and in git's entry for its path. */
async function ownWorktree(
  record: WorktreeRecord,
  entry: GitWorktreeEntry | undefined,
): Promise<OwnWorktree> {
  const exists = existsSync(record.path);
  const marked = exists && (await isMarkedFor(record.path, record));
  const item: OwnWorktree = {
    ...record,
    foreign: false,
    exists,
    marked,
    locked: entry?.locked ?? false,
    ownerAlive: ownerAlive(record),
  };
  if (record.status === "creating") item.interrupted = !item.ownerAlive;
  if (entry?.head) item.head = entry.head;
  return item;
}

/** dirty, head, and ahead/behind against the base's tip, read in the worktree. */
async function addDetails(ctx: Context, item: OwnWorktree, baseTip: () => Promise<string>): Promise<void> {
  const wt = ctx.gitAt(item.path);
  item.dirty = await wt.isDirty();
  const head = item.head ?? (await wt.headCommit());
  item.head = head;
  const { ahead, behind } = await wt.aheadBehind(head, await baseTip());
  item.ahead = ahead;
  item.behind = behind;
}

/** git's linked worktrees (the main checkout left out) that are none of `own`. */
function foreignWorktrees(
  own: readonly OwnWorktree[],
  entries: readonly GitWorktreeEntry[],
): ForeignWorktree[] {
  return entries
    .slice(1)
    .filter((e) => !own.some((o) => samePath(o.path, e.path) && (o.marked || halfMadeEntry(o, e))))
    .map((e) => ({
      foreign: true as const,
      path: e.path,
      locked: e.locked,
      ...(e.branch ? { branch: e.branch } : {}),
      ...(e.head ? { head: e.head } : {}),
    }));
}

/** git's entry of an interrupted creation's half-made worktree: on its branch, or still initializing. */
function halfMadeEntry(own: OwnWorktree, entry: GitWorktreeEntry): boolean {
  if (own.status !== "creating") return false;
  return (
    entry.lockedReason === INITIALIZING ||
    entry.branch === own.branch ||
    entry.branch === `refs/heads/${own.branch}`
  );
}
