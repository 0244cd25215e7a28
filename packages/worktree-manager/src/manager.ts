import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import {
  createProcessRunner,
  type Env,
  GitClient,
  type WorktreeInfo as GitWorktreeEntry,
  type ProcessRunner,
} from "@gadugi/git";
import { addGitExcludes, assertSafeId, ensureGitExclude } from "@gadugi/state";
import pLimit from "p-limit";
import { looksLikeValidBranchName, toBranchName, toSlug } from "./branch-name.js";
import {
  type CleanupEntry,
  type CleanupOptions,
  type CleanupResult,
  cleanupRecord,
  markInterruptedRemoved,
  type RemoveOptions,
} from "./cleanup.js";
import { type Context, clearAdminDir, isMarkedFor, now, ownerAlive, samePath } from "./context.js";
import { type CreateWorktreeOptions, createLocked, type WorktreeInfo } from "./create.js";
import { estimateCheckoutBytes, type FreeSpaceFn, freeSpace as fsFreeSpace, MIB } from "./disk.js";
import { INITIALIZING, repairInterrupted } from "./interrupted.js";
import { withRepoLock } from "./lock.js";
import { MARKER_FILE, readMarker } from "./marker.js";
import { findRecord, type WorktreeRecord, WorktreeRegistry } from "./registry.js";

export type { CleanupEntry, CleanupOptions, CleanupResult, RemoveOptions, SaveMode } from "./cleanup.js";
export { type CreateWorktreeOptions, isTransientWorktreeError, type WorktreeInfo } from "./create.js";

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
}

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

export interface PruneOptions {
  /**
   * Leave interrupted creations to `cleanup`/`remove`, which report them as entries (the CLI's
   * `worktrees clean` does). Default false: prune repairs them.
   */
  skipInterrupted?: boolean;
}

export interface PruneResult {
  /** Records whose directory was gone: metadata cleared, marked removed (branches kept). */
  pruned: WorktreeRecord[];
  /** Still present, but the process that made them is gone: left as they are, reported. */
  orphaned: WorktreeRecord[];
  /** Marked worktrees missing from the registry (a crash between creation and registration): re-added. */
  recovered: WorktreeRecord[];
  /** Removed records whose branch no longer exists: dropped from the registry. */
  forgotten: WorktreeRecord[];
  /**
   * Interrupted creations (a crash during `git worktree add`): the half-made checkout removed and
   * the record marked removed, branch kept; the next `create` of the run and task makes it afresh.
   */
  repaired: WorktreeRecord[];
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
 * Creation lives in `create.ts`, removal in `cleanup.ts`, interrupted creations in `interrupted.ts`.
 */
export class WorktreeManager {
  readonly branchPrefix: string;
  private readonly options: WorktreeManagerOptions;
  private readonly runner: ProcessRunner;
  private readonly freeSpace: FreeSpaceFn;
  private contextPromise: Promise<Context> | undefined;
  private readonly checkoutBytes = new Map<string, Promise<number>>();
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
    this.contextPromise ??= (async () => {
      const probe = this.git(this.options.repoRoot);
      const commonDir = await probe.gitCommonDir();
      const root = path.basename(commonDir) === ".git" ? path.dirname(commonDir) : await probe.root();
      const gadugiDir = path.join(root, ".gadugi");
      const lockPath = path.join(gadugiDir, "locks", "worktree.lock");
      const lockOptions = {
        resource: `the worktrees of ${root}`,
        ...(this.options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.options.lockTimeoutMs }),
      };
      return {
        root,
        commonDir,
        worktreesDir: path.resolve(root, this.options.dir ?? ".worktrees"),
        gadugiDir,
        git: root === probe.cwd ? probe : this.git(root),
        registry: new WorktreeRegistry(path.join(gadugiDir, "worktrees.json")),
        branchPrefix: this.branchPrefix,
        gitAt: (cwd: string) => this.git(cwd),
        locked: <T>(fn: () => Promise<T>) => withRepoLock(lockPath, lockOptions, fn),
      };
    })().catch((error: unknown) => {
      this.contextPromise = undefined;
      throw error;
    });
    return this.contextPromise;
  }

  /** `.gadugi/` and the worktrees directory (when inside the checkout) in `.git/info/exclude`. */
  private async ensureExcludes(ctx: Context): Promise<void> {
    if (this.excludesDone) return;
    await ensureGitExclude(ctx.root);
    const rel = path.relative(ctx.root, ctx.worktreesDir);
    if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) {
      const pattern = `/${rel.split(path.sep).join("/")}/`;
      await addGitExcludes(ctx.root, "Gadugi task worktrees", [
        { write: pattern, known: [pattern.slice(1), pattern.slice(0, -1), pattern.slice(1, -1)] },
      ]);
    }
    this.excludesDone = true;
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
    const { runId, taskId } = options;
    const slug = toSlug(options.slug);
    const branch = toBranchName(slug, this.branchPrefix);
    // The slug part is always valid; git is asked once per manager about the prefix.
    this.prefixValid ??= ctx.git.isValidBranchName(toBranchName("x", this.branchPrefix));
    if (!looksLikeValidBranchName(branch) || !(await this.prefixValid)) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "branch",
        value: branch,
        expected: "a valid git branch name (check the branch prefix)",
      });
    }

    // Resume: this run's worktree for the task is still there.
    const before = findRecord(await ctx.registry.read(), runId, taskId);
    if (before?.status === "active" && (await isMarkedFor(before.path, before))) {
      return { ...before, resumed: true };
    }

    const { baseRef, baseCommit } = options.baseRef
      ? { baseRef: options.baseRef, baseCommit: await ctx.git.resolveCommit(options.baseRef) }
      : await this.currentBase(ctx);
    if (!baseCommit) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "base ref",
        value: baseRef,
        expected: "a branch, tag or commit of this repository",
      });
    }
    const request = {
      runId,
      taskId,
      slug,
      branch,
      wantedTarget: path.join(ctx.worktreesDir, taskId),
      baseRef,
      baseCommit,
      reuseBranch: options.reuseBranch ?? false,
    };
    return ctx.locked(() =>
      createLocked(ctx, request, {
        ensureExcludes: () => this.ensureExcludes(ctx),
        checkDiskSpace: (commit) => this.checkDiskSpace(ctx, commit),
        addAttempts: this.options.addAttempts ?? 5,
      }),
    );
  }

  /** The checked-out branch of the main checkout and its commit; the commit twice when detached. */
  private async currentBase(ctx: Context): Promise<{ baseRef: string; baseCommit: string | undefined }> {
    const result = await ctx.git.tryRaw(["rev-parse", "HEAD", "--abbrev-ref", "HEAD"]);
    const [commit, name] = result.stdout.trim().split("\n");
    if (result.exitCode !== 0 || !commit) return { baseRef: "HEAD", baseCommit: undefined };
    return { baseRef: !name || name === "HEAD" ? commit : name, baseCommit: commit };
  }

  private async checkDiskSpace(ctx: Context, commit: string): Promise<void> {
    let estimate = this.checkoutBytes.get(commit);
    if (!estimate) {
      estimate = estimateCheckoutBytes(this.runner, ctx.root, commit);
      this.checkoutBytes.set(commit, estimate);
      estimate.catch(() => this.checkoutBytes.delete(commit));
    }
    const needed = (await estimate) + (this.options.diskReserveMb ?? 100) * MIB;
    let probe = ctx.worktreesDir;
    while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
    const free = await this.freeSpace(probe);
    if (free < needed) {
      throw new GadugiError("GADUGI_DISK_SPACE", {
        path: ctx.worktreesDir,
        neededMb: Math.ceil(needed / MIB),
        freeMb: Math.floor(free / MIB),
      });
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
    const ctx = await this.context();
    const [records, entries] = await Promise.all([ctx.registry.read(), ctx.git.worktreeList()]);
    const selected = records.filter(
      (r) =>
        r.status !== "removed" &&
        (options.runId === undefined || r.runId === options.runId) &&
        (options.taskId === undefined || r.taskId === options.taskId),
    );
    const details = options.details ?? true;
    const baseTips = new Map<string, Promise<string | undefined>>();
    const baseTip = (ref: string) => {
      let tip = baseTips.get(ref);
      if (!tip) {
        tip = ctx.git.resolveCommit(ref).catch(() => undefined);
        baseTips.set(ref, tip);
      }
      return tip;
    };
    // A few git calls per worktree: four at a time.
    const limit = pLimit(4);
    const own = await Promise.all(
      selected.map((record) =>
        limit(async (): Promise<OwnWorktree> => {
          const entry = entries.find((e) => samePath(e.path, record.path));
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
          if (details && exists && marked && record.status === "active") {
            const wt = this.git(record.path);
            item.dirty = await wt.isDirty();
            const head = item.head ?? (await wt.headCommit());
            item.head = head;
            const tip = (await baseTip(record.baseRef)) ?? record.baseCommit;
            const { ahead, behind } = await wt.aheadBehind(head, tip);
            item.ahead = ahead;
            item.behind = behind;
          }
          return item;
        }),
      ),
    );
    if (!options.includeForeign) return own;
    const foreign: ForeignWorktree[] = entries
      .slice(1)
      .filter((e) => !own.some((o) => samePath(o.path, e.path) && (o.marked || halfMadeEntry(o, e))))
      .map((e) => ({
        foreign: true as const,
        path: e.path,
        locked: e.locked,
        ...(e.branch ? { branch: e.branch } : {}),
        ...(e.head ? { head: e.head } : {}),
      }));
    return [...own, ...foreign];
  }

  // ---- remove / cleanup (cleanup.ts) ------------------------------------------------------------

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
    const ctx = await this.context();
    const result: PruneResult = { pruned: [], orphaned: [], recovered: [], forgotten: [], repaired: [] };
    await ctx.locked(async () => {
      const records = await ctx.registry.read();
      for (const record of records) {
        if (record.status === "creating") {
          if (!options.skipInterrupted) await this.pruneInterrupted(ctx, record, result);
        } else if (record.status === "active" && !existsSync(record.path)) {
          await clearAdminDir(ctx, record);
          result.pruned.push(record);
        } else if (record.status === "active" && !ownerAlive(record)) {
          result.orphaned.push(record);
        } else if (record.status === "removed" && !(await ctx.git.branchExists(record.branch))) {
          result.forgotten.push(record);
        }
      }
      const unknown = await this.unregisteredMarked(ctx, records);
      result.recovered.push(...unknown);
      if (result.pruned.length + unknown.length + result.forgotten.length === 0) return;
      await ctx.registry.update((all) => {
        const stamp = now();
        for (const r of all) {
          if (result.pruned.some((p) => p.runId === r.runId && p.taskId === r.taskId)) {
            r.status = "removed";
            r.updatedAt = stamp;
            r.removedAt ??= stamp;
          }
        }
        const kept = all.filter(
          (r) => !result.forgotten.some((f) => f.runId === r.runId && f.taskId === r.taskId),
        );
        all.splice(0, all.length, ...kept, ...unknown);
      });
    });
    return result;
  }

  /** An interrupted creation: cleared (repaired), adopted (recovered) or, when foreign, orphaned. */
  private async pruneInterrupted(ctx: Context, record: WorktreeRecord, result: PruneResult): Promise<void> {
    const repaired = await repairInterrupted(ctx, record);
    if (repaired.kind === "adopted") result.recovered.push(repaired.record);
    else if (repaired.kind === "foreign") result.orphaned.push(record);
    else {
      await markInterruptedRemoved(ctx, record);
      result.repaired.push(record);
    }
  }

  /** Marked worktrees the registry does not know (a crash between `worktree add` and the write). */
  private async unregisteredMarked(
    ctx: Context,
    records: readonly WorktreeRecord[],
  ): Promise<WorktreeRecord[]> {
    const found: WorktreeRecord[] = [];
    const adminRoot = path.join(ctx.commonDir, "worktrees");
    const names = existsSync(adminRoot) ? await readdir(adminRoot) : [];
    for (const name of names) {
      if (!existsSync(path.join(adminRoot, name, MARKER_FILE))) continue;
      const marker = await readMarker(path.join(adminRoot, name));
      if (!marker || records.some((r) => r.runId === marker.runId && r.taskId === marker.taskId)) continue;
      if (existsSync(marker.path)) found.push({ ...marker, adminName: name });
      else await rm(path.join(adminRoot, name), { recursive: true, force: true });
    }
    return found;
  }

  /** For the CLI: the git worktree entries, main checkout included. */
  async gitWorktrees(): Promise<GitWorktreeEntry[]> {
    return (await this.context()).git.worktreeList();
  }
}
