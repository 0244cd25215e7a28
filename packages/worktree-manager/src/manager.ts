import path from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import {
  createProcessRunner,
  type Env,
  GitClient,
  type WorktreeInfo as GitWorktreeEntry,
  type ProcessRunner,
} from "@gadugi/git";
import { assertSafeId } from "@gadugi/state";
import { toBranchName } from "./branch-name.js";
import {
  type CleanupEntry,
  type CleanupOptions,
  type CleanupResult,
  cleanupRecord,
  entryFor,
  failedEntry,
  type RemoveOptions,
  saveWork,
} from "./cleanup.js";
import { addWorktreeExcludes, type Context, openContext, samePath } from "./context.js";
import { type CreateWorktreeOptions, createWorktree, type WorktreeInfo } from "./create.js";
import { checkoutDetached, removeDetached } from "./detached.js";
import {
  type DiskSpaceCheck,
  diskSpaceCheck,
  type FreeSpaceFn,
  freeSpace as fsFreeSpace,
  MIB,
} from "./disk.js";
import { type ListedWorktree, type ListOptions, listWorktrees } from "./list.js";
import { DEFAULT_POOL, idlePooled, type PoolSettings, releaseWorktree } from "./pool.js";
import { type PruneOptions, type PruneResult, pruneWorktrees } from "./prune.js";
import { findRecord, type WorktreeRecord } from "./registry.js";

/**
 * Longest a `create` waits for a release announced by `releaseDue`: a merge and a release take
 * about a tenth of a second, a new checkout of a large tree most of a second or more.
 */
const RELEASE_WAIT_MS = 2000;

export type { CleanupEntry, CleanupOptions, CleanupResult, RemoveOptions, SaveMode } from "./cleanup.js";
export { type CreateWorktreeOptions, isTransientWorktreeError, type WorktreeInfo } from "./create.js";
export type { ForeignWorktree, ListedWorktree, ListOptions, OwnWorktree } from "./list.js";
export { DEFAULT_POOL, type PoolSettings } from "./pool.js";
export type { PruneOptions, PruneResult } from "./prune.js";

export interface WorktreeManagerOptions {
  /** Any directory of the repository; its main checkout is used. */
  repoRoot: string;
  /** Where worktrees go, relative to the main checkout (or absolute). Default `.worktrees`. */
  dir?: string;
  /** Prefix of task branches. Default `gadugi/`. */
  branchPrefix?: string;
  runner?: ProcessRunner;
  /** Laid over process.env for every git call. */
  env?: Env;
  /** Free bytes at a path; `fs.statfs` by default (inject one in tests). */
  freeSpace?: FreeSpaceFn;
  /** Space that must stay free after a new checkout, in MiB. Default 100. */
  diskReserveMb?: number;
  /** How long to wait for another process's worktree lock. Default 120 s. */
  lockTimeoutMs?: number;
  /** Attempts of `git worktree add` on its known transient failures. Default 5. */
  addAttempts?: number;
  /** The worktree pool (pool.ts): how many finished checkouts to keep, and which folders they keep. */
  pool?: Partial<PoolSettings>;
}

/**
 * Gives every task an isolated worktree and branch, and removes them without losing work.
 *
 * - `git worktree add/remove` and registry writes run under one per-repository lock that works
 *   across processes (`.gadugi/locks/worktree.lock`), with the known transient failures retried.
 * - Every worktree it makes is recorded in `.gadugi/worktrees.json` before it is made (status
 *   `creating`, then `active`) and marked with `<worktree git dir>/gadugi.json`; anything else is
 *   foreign and never touched. A creation interrupted by a crash is found and repaired.
 * - Removal commits uncommitted work to the task branch (or saves a patch) first; branches with
 *   commits survive unless deletion is asked for with force, and even then are bundled first.
 *
 * The class is the public face; the work is one module each: the repository context in
 * `context.ts`, creation in `create.ts`, listing in `list.ts`, removal in `cleanup.ts`, pruning in
 * `prune.ts`, interrupted creations in `interrupted.ts`, throwaway detached checkouts in
 * `detached.ts`.
 */
export class WorktreeManager {
  readonly branchPrefix: string;
  private readonly options: WorktreeManagerOptions;
  private readonly runner: ProcessRunner;
  private readonly freeSpace: FreeSpaceFn;
  private contextPromise: Promise<Context> | undefined;
  /** Releases announced by `releaseDue` and not done yet. */
  private dueCount = 0;
  /** Creates waiting for one of them, oldest first: each release wakes the first. */
  private readonly dueWaiters: Array<() => void> = [];
  private releasesDone = 0;
  private diskCheck: DiskSpaceCheck | undefined;
  private excludesDone = false;
  private prefixValid: Promise<boolean> | undefined;

  constructor(options: WorktreeManagerOptions) {
    this.options = options;
    this.branchPrefix = options.branchPrefix ?? "gadugi/";
    this.runner = options.runner ?? createProcessRunner();
    this.freeSpace = options.freeSpace ?? fsFreeSpace;
  }

  /** The main checkout (where `.gadugi/` lives), resolved from `repoRoot`. */
  async root(): Promise<string> {
    return (await this.context()).root;
  }

  /** The directory that holds the worktrees. */
  async worktreesDir(): Promise<string> {
    return (await this.context()).worktreesDir;
  }

  /** The branch a task with this slug or title gets. */
  branchFor(slug: string): string {
    return toBranchName(slug, this.branchPrefix);
  }

  private git(cwd: string): GitClient {
    return new GitClient(cwd, {
      runner: this.runner,
      ...(this.options.env ? { env: this.options.env } : {}),
    });
  }

  private context(): Promise<Context> {
    this.contextPromise ??= openContext(
      {
        repoRoot: this.options.repoRoot,
        dir: this.options.dir,
        branchPrefix: this.branchPrefix,
        lockTimeoutMs: this.options.lockTimeoutMs,
      },
      (cwd) => this.git(cwd),
    ).catch((error: unknown) => {
      this.contextPromise = undefined;
      throw error;
    });
    return this.contextPromise;
  }

  /** `.gadugi/` and the worktrees directory in `.git/info/exclude`, once per manager. */
  private async ensureExcludes(ctx: Context): Promise<void> {
    if (this.excludesDone) return;
    await addWorktreeExcludes(ctx);
    this.excludesDone = true;
  }

  /** GADUGI_DISK_SPACE when a checkout of `commit` would not fit (estimates kept per manager). */
  private checkDiskSpace(ctx: Context, commit: string): Promise<void> {
    this.diskCheck ??= diskSpaceCheck({
      runner: this.runner,
      repoRoot: ctx.root,
      freeSpace: this.freeSpace,
      reserveBytes: (this.options.diskReserveMb ?? 100) * MIB,
    });
    return this.diskCheck(ctx.worktreesDir, commit);
  }

  // ---- create -----------------------------------------------------------------------------------

  /**
   * Creates `<dir>/<taskId>` on a new branch `<prefix><slug>` from `baseRef`, or takes up the
   * worktree or branch this run and task made before (resume). A creation of this run and task
   * that a crash interrupted is repaired first (the half-made checkout removed, the branch kept).
   *
   * @throws GADUGI_BRANCH_EXISTS (the branch belongs to someone else), GADUGI_WORKTREE_EXISTS
   *   (the directory is taken), GADUGI_DISK_SPACE, GADUGI_INVALID_ARGUMENT (bad ids or base ref).
   */
  async create(options: CreateWorktreeOptions): Promise<WorktreeInfo> {
    assertSafeId("runId", options.runId);
    assertSafeId("taskId", options.taskId);
    const ctx = await this.context();
    await this.waitForDueRelease(ctx);
    return createWorktree(ctx, options, {
      prefixValid: () => {
        this.prefixValid ??= ctx.git.isValidBranchName(toBranchName("x", this.branchPrefix));
        return this.prefixValid;
      },
      ensureExcludes: () => this.ensureExcludes(ctx),
      checkDiskSpace: (commit) => this.checkDiskSpace(ctx, commit),
      addAttempts: this.options.addAttempts ?? 5,
      ...(this.poolKeep() ? { poolKeep: this.poolKeep() } : {}),
    });
  }

  /**
   * Says a worktree will be released shortly (its task is being merged): until the returned
   * function is called, a `create` that finds the pool empty waits for it (at most
   * RELEASE_WAIT_MS) instead of making a new checkout at once. Each release wakes one waiting
   * `create`, first come first served: several tasks finishing together used to wake every
   * waiter at the first release, and all but one then made new checkouts.
   */
  releaseDue(): () => void {
    this.dueCount += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.dueCount -= 1;
      this.releasesDone += 1;
      this.dueWaiters.shift()?.();
    };
  }

  private async waitForDueRelease(ctx: Context): Promise<void> {
    // Every release still due is spoken for by a create already waiting: none is left for this one.
    if (this.dueCount <= this.dueWaiters.length || !this.poolKeep()) return;
    const before = this.releasesDone;
    if ((await idlePooled(ctx)).length > 0) return;
    // A release happened while the pool was read: its worktree may be there now, go and see.
    // Or another create began waiting meanwhile for the last release due.
    if (this.releasesDone !== before || this.dueCount <= this.dueWaiters.length) return;
    let timer: NodeJS.Timeout | undefined;
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.dueWaiters.push(wake);
    await Promise.race([
      woken,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, RELEASE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    const at = this.dueWaiters.indexOf(wake);
    if (at !== -1) this.dueWaiters.splice(at, 1);
  }

  /** The pool settings, defaults filled in. */
  get pool(): PoolSettings {
    return { ...DEFAULT_POOL, ...this.options.pool };
  }

  /**
   * Done with a task's worktree: it goes into the pool for the next task (uncommitted work
   * committed to its branch first, HEAD detached, cleaned except dependency folders), or is
   * removed like `remove` does when the pool is full or off. Entry action `pooled` or removal's.
   */
  async release(runId: string, taskId: string): Promise<CleanupEntry> {
    const ctx = await this.context();
    const record = findRecord(await ctx.registry.read(), runId, taskId);
    if (!record) throw new GadugiError("GADUGI_WORKTREE_FOREIGN", { path: taskId });
    return this.releaseRecord(ctx, record);
  }

  /** `release` of every worktree of a run, each independently (a failure is its entry's). */
  async releaseRun(runId: string): Promise<CleanupResult> {
    const ctx = await this.context();
    const records = (await ctx.registry.read()).filter(
      (r) => r.runId === runId && (r.status === "active" || r.status === "creating"),
    );
    const entries: CleanupEntry[] = [];
    for (const record of records) entries.push(await this.releaseRecord(ctx, record));
    return { entries };
  }

  private async releaseRecord(ctx: Context, record: WorktreeRecord): Promise<CleanupEntry> {
    try {
      let outcome: Awaited<ReturnType<typeof releaseWorktree>>;
      try {
        outcome = await releaseWorktree(ctx, record, this.pool, {
          saveWork: (r) => saveWork(ctx, r, "commit"),
        });
      } catch (error) {
        // E.g. a stale `index.lock` a killed git left in it: removed instead, as before the pool
        // (removal saves the work first and copes with what git left).
        outcome = { action: "remove", reason: error instanceof Error ? error.message : String(error) };
      }
      const saved = outcome.savedWork ? { savedWork: outcome.savedWork } : {};
      if (outcome.action === "pooled") return { ...entryFor(outcome.record), action: "pooled", ...saved };
      const latest = findRecord(await ctx.registry.read(), record.runId, record.taskId) ?? record;
      const entry = await cleanupRecord(ctx, latest, {});
      return { ...entry, ...(entry.savedWork ? {} : saved) };
    } catch (error) {
      return failedEntry(record, error);
    }
  }

  // ---- records ----------------------------------------------------------------------------------

  /** The registry record for this run and task, if any. */
  async get(runId: string, taskId: string): Promise<WorktreeRecord | undefined> {
    const ctx = await this.context();
    return findRecord(await ctx.registry.read(), runId, taskId);
  }

  /** Every record of the registry, removed ones included. */
  async records(): Promise<WorktreeRecord[]> {
    const ctx = await this.context();
    return ctx.registry.read();
  }

  // ---- list -------------------------------------------------------------------------------------

  /**
   * Gadugi's active worktrees and those being (or interrupted while being) created, and on
   * request foreign ones, with dirty/ahead/behind.
   */
  async list(options: ListOptions = {}): Promise<ListedWorktree[]> {
    return listWorktrees(await this.context(), options);
  }

  // ---- remove / cleanup (cleanup.ts) ------------------------------------------------------------

  /**
   * A detached checkout of `commit` for throwaway work on a commit (the integration branch's
   * tests), made under the worktree lock; reused when it exists. A pooled worktree is lent out
   * when there is one (its path is returned; `removeDetached` gives it back), else it is made at
   * `<worktrees dir>/<name>`.
   */
  async checkoutDetached(name: string, commit: string): Promise<string> {
    return checkoutDetached(await this.context(), name, commit, this.poolKeep());
  }

  /** Removes a checkout made by `checkoutDetached` (one lent from the pool goes back), under the lock. */
  async removeDetached(name: string): Promise<void> {
    await removeDetached(await this.context(), name, this.poolKeep());
  }

  /** The folders pooled worktrees keep; undefined when the pool is off. */
  private poolKeep(): readonly string[] | undefined {
    return this.pool.size > 0 ? this.pool.keep : undefined;
  }

  /**
   * Removes one of Gadugi's worktrees, named by task id or path, saving uncommitted work first.
   * An interrupted creation's half-made checkout is removed, with or without force.
   *
   * @throws GADUGI_WORKTREE_FOREIGN for anything Gadugi did not make (left untouched).
   */
  async remove(target: string, options: RemoveOptions = {}): Promise<CleanupEntry> {
    const ctx = await this.context();
    const record = await this.resolveTarget(ctx, target, options.runId);
    const entry = await cleanupRecord(ctx, record, options, true);
    if (entry.code === "GADUGI_WORKTREE_FOREIGN") {
      throw new GadugiError("GADUGI_WORKTREE_FOREIGN", { path: record.path });
    }
    return entry;
  }

  private async resolveTarget(ctx: Context, target: string, runId?: string): Promise<WorktreeRecord> {
    const records = (await ctx.registry.read()).filter((r) => runId === undefined || r.runId === runId);
    const looksLikePath = target.includes("/") || target.includes(path.sep) || target.startsWith(".");
    let matches = looksLikePath ? [] : records.filter((r) => r.taskId === target);
    if (matches.length === 0) {
      const abs = path.resolve(ctx.root, target);
      matches = records.filter((r) => samePath(r.path, abs) || samePath(r.path, path.resolve(target)));
    }
    const live = matches.filter((r) => r.status !== "removed");
    const chosen = (live.length > 0 ? live : matches).at(-1);
    if (!chosen) {
      throw new GadugiError("GADUGI_WORKTREE_FOREIGN", {
        path: looksLikePath ? path.resolve(target) : target,
      });
    }
    return chosen;
  }

  /**
   * Removes the selected worktrees of Gadugi (all active ones and interrupted creations by
   * default; `runId` and `taskId` narrow it), one at a time, each independently: a failure is
   * reported in its entry and the others go on. Work is never lost (see `RemoveOptions`).
   */
  async cleanup(options: CleanupOptions = {}): Promise<CleanupResult> {
    const ctx = await this.context();
    const records = await ctx.registry.read();
    const selected: WorktreeRecord[] = [];
    for (const r of records) {
      if (options.runId !== undefined && r.runId !== options.runId) continue;
      if (options.taskId !== undefined && r.taskId !== options.taskId) continue;
      if (r.status !== "removed") selected.push(r);
      else if (options.deleteBranches && !r.deletedBranch && (await ctx.git.branchExists(r.branch)))
        selected.push(r);
    }
    const entries: CleanupEntry[] = [];
    for (const record of selected) {
      const { deleteBranches, taskId: _t, ...rest } = options;
      entries.push(await cleanupRecord(ctx, record, { ...rest, deleteBranch: deleteBranches ?? false }));
    }
    return { entries };
  }

  // ---- prune ------------------------------------------------------------------------------------

  /**
   * Clears stale entries: records whose directory is gone (their git metadata is removed, the
   * branch kept), interrupted creations (the half-made checkout removed, the branch kept), marked
   * worktrees missing from the registry (re-registered), and removed records whose branch is
   * gone. Worktrees whose creating process died are reported, never deleted.
   */
  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    return pruneWorktrees(await this.context(), options);
  }

  /** For the CLI: the git worktree entries, main checkout included. */
  async gitWorktrees(): Promise<GitWorktreeEntry[]> {
    return (await this.context()).git.worktreeList();
  }
}
