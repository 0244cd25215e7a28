import { existsSync, realpathSync } from "node:fs";
import { mkdir, readdir, readFile, rm, rmdir } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { GadugiError, retry } from "@gadugi/error-handling";
import {
  createProcessRunner,
  type Env,
  GitClient,
  type WorktreeInfo as GitWorktreeEntry,
  type ProcessRunner,
} from "@gadugi/git";
import { assertSafeId, ensureGitExclude, isProcessAlive, writeFileAtomic } from "@gadugi/state";
import { looksLikeValidBranchName, toBranchName, toSlug } from "./branch-name.js";
import { estimateCheckoutBytes, type FreeSpaceFn, freeSpace as fsFreeSpace, MIB } from "./disk.js";
import { withRepoLock } from "./lock.js";
import { MARKER_FILE, readMarker, worktreeGitDir, writeMarker } from "./marker.js";
import { findRecord, type SavedWork, type WorktreeRecord, WorktreeRegistry } from "./registry.js";
import { commitWork, pendingWork } from "./work.js";

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
  /** removed: worktree gone now; missing: it was already gone (metadata cleared); skipped: untouched. */
  action: "removed" | "missing" | "skipped" | "failed";
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
}

export interface CleanupResult {
  entries: CleanupEntry[];
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
}

interface Context {
  root: string;
  commonDir: string;
  worktreesDir: string;
  gadugiDir: string;
  git: GitClient;
  registry: WorktreeRegistry;
  lockPath: string;
}

/** `git worktree add` failures that go away when tried again (measured with concurrent adds). */
const TRANSIENT =
  /failed to read .*commondir|index\.lock|\.lock'?: File exists|Unable to create '.*\.lock'|could not lock|cannot lock ref|Resource temporarily unavailable|unable to write new index file/i;

/** What `git worktree remove` says when the worktree has changes. */
const DIRTY = /contains modified or untracked files/;

export function isTransientWorktreeError(error: unknown): boolean {
  if (!GadugiError.is(error, "GADUGI_GIT_FAILED")) return false;
  return TRANSIENT.test(error.message);
}

function now(): string {
  return new Date().toISOString();
}

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return path.resolve(a) === path.resolve(b) || norm(a) === norm(b);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * Gives every task an isolated worktree and branch, and removes them without losing work.
 *
 * - `git worktree add/remove` and registry writes run under one per-repository lock that works
 *   across processes (`.gadugi/locks/worktree.lock`), with the known transient failures retried.
 * - Every worktree it makes is recorded in `.gadugi/worktrees.json` and marked with
 *   `<worktree git dir>/gadugi.json`; anything else is foreign and never touched.
 * - Removal commits uncommitted work to the task branch (or saves a patch) first; branches with
 *   commits survive unless deletion is asked for with force, and even then are bundled first.
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
      return {
        root,
        commonDir,
        worktreesDir: path.resolve(root, this.options.dir ?? ".worktrees"),
        gadugiDir,
        git: root === probe.cwd ? probe : this.git(root),
        registry: new WorktreeRegistry(path.join(gadugiDir, "worktrees.json")),
        lockPath: path.join(gadugiDir, "locks", "worktree.lock"),
      };
    })().catch((error: unknown) => {
      this.contextPromise = undefined;
      throw error;
    });
    return this.contextPromise;
  }

  private locked<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
    return withRepoLock(
      ctx.lockPath,
      {
        resource: `the worktrees of ${ctx.root}`,
        ...(this.options.lockTimeoutMs === undefined ? {} : { timeoutMs: this.options.lockTimeoutMs }),
      },
      fn,
    );
  }

  /** `.gadugi/` and the worktrees directory (when inside the checkout) in `.git/info/exclude`. */
  private async ensureExcludes(ctx: Context): Promise<void> {
    if (this.excludesDone) return;
    await ensureGitExclude(ctx.root);
    const rel = path.relative(ctx.root, ctx.worktreesDir);
    if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) {
      const pattern = `/${rel.split(path.sep).join("/")}/`;
      const file = path.join(ctx.commonDir, "info", "exclude");
      const current = existsSync(file) ? await readFile(file, "utf8") : "";
      const known = new Set([pattern, pattern.slice(1), pattern.slice(0, -1), pattern.slice(1, -1)]);
      if (!current.split(/\r?\n/).some((line) => known.has(line.trim()))) {
        const prefix = current === "" || current.endsWith("\n") ? current : `${current}\n`;
        await writeFileAtomic(file, `${prefix}# Gadugi task worktrees\n${pattern}\n`);
      }
    }
    this.excludesDone = true;
  }

  // ---- create -----------------------------------------------------------------------------------

  /**
   * Creates `<dir>/<taskId>` on a new branch `<prefix><slug>` from `baseRef`, or takes up the
   * worktree or branch this run and task made before (resume).
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
    const wantedTarget = path.join(ctx.worktreesDir, taskId);

    // Resume: this run's worktree for the task is still there.
    const before = findRecord(await ctx.registry.read(), runId, taskId);
    if (before?.status === "active" && (await this.isMarkedFor(before.path, before))) {
      return { ...before, resumed: true };
    }

    let target = before?.path ?? wantedTarget;
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

    return this.locked(ctx, async () => {
      await this.ensureExcludes(ctx);
      const records = await ctx.registry.read();
      const own = findRecord(records, runId, taskId);
      if (own?.status === "active" && (await this.isMarkedFor(own.path, own)))
        return { ...own, resumed: true };
      // Its directory was deleted by hand: clear the stale git metadata so the path can be reused.
      if (own?.status === "active" && !existsSync(own.path)) await this.clearAdminDir(ctx, own);

      let base = { baseRef, baseCommit };
      let resumed = false;
      // Another run's worktree of a task with the same id (the same prompts run again): a directory beside it.
      if (!own) target = this.freeTarget(records, wantedTarget);
      await this.assertTargetFree(target);
      await this.checkDiskSpace(ctx, baseCommit);
      const chosen = await this.chooseBranch(ctx, records, branch, options);
      const branchName = chosen.branch;
      const createdBranch = !chosen.exists;
      if (createdBranch) {
        await ctx.git.createBranch(branchName, baseCommit);
      } else {
        resumed = true;
        if (own && own.branch === branchName) base = { baseRef: own.baseRef, baseCommit: own.baseCommit };
        else base = { baseRef, baseCommit: (await ctx.git.mergeBase(branchName, baseCommit)) ?? baseCommit };
      }

      try {
        await retry(
          async () => {
            await this.removeEmptyDir(target);
            await ctx.git.worktreeAdd(target, branchName);
          },
          {
            maxAttempts: this.options.addAttempts ?? 5,
            initialDelayMs: 50,
            maxDelayMs: 1000,
            operation: `git worktree add ${target}`,
            shouldRetry: isTransientWorktreeError,
          },
        );
      } catch (error) {
        if (createdBranch) await this.deleteBranchIfAt(ctx, branchName, base.baseCommit);
        throw error;
      }

      const adminDir = await worktreeGitDir(target);
      const stamp = now();
      const record: WorktreeRecord = {
        runId,
        taskId,
        slug,
        path: target,
        branch: branchName,
        baseRef: base.baseRef,
        baseCommit: base.baseCommit,
        status: "active",
        createdAt: own?.createdAt ?? stamp,
        updatedAt: stamp,
        owner: { pid: process.pid, host: hostname() },
        ...(adminDir ? { adminName: path.basename(adminDir) } : {}),
        savedWork: own?.savedWork ?? [],
      };
      if (adminDir) await writeMarker(adminDir, record);
      await ctx.registry.update((all) => {
        const kept = all.filter((r) => !(r.runId === runId && r.taskId === taskId));
        all.splice(0, all.length, ...kept, record);
      });
      return { ...record, resumed };
    });
  }

  /**
   * The branch a task gets: the one this run and task made before (resume), else `<prefix><slug>`
   * when it is free, else the first free `<prefix><slug>-<n>`. A branch of an earlier run (or the
   * user's own) is never taken over or moved, so running the same prompts again just works and no
   * earlier work is touched. `reuseBranch` takes up an existing branch no record claims (a crash
   * between creating it and recording it).
   */
  private async chooseBranch(
    ctx: Context,
    records: readonly WorktreeRecord[],
    wanted: string,
    options: CreateWorktreeOptions,
  ): Promise<{ branch: string; exists: boolean }> {
    const own = findRecord(records, options.runId, options.taskId);
    if (own) return { branch: own.branch, exists: await ctx.git.branchExists(own.branch) };
    if (!(await ctx.git.branchExists(wanted))) return { branch: wanted, exists: false };
    if (options.reuseBranch && !records.some((r) => r.branch === wanted))
      return { branch: wanted, exists: true };
    for (let n = 2; ; n++) {
      const candidate = `${wanted}-${n}`;
      if (!(await ctx.git.branchExists(candidate))) return { branch: candidate, exists: false };
    }
  }

  /** The checked-out branch of the main checkout and its commit; the commit twice when detached. */
  private async currentBase(ctx: Context): Promise<{ baseRef: string; baseCommit: string | undefined }> {
    const result = await ctx.git.tryRaw(["rev-parse", "HEAD", "--abbrev-ref", "HEAD"]);
    const [commit, name] = result.stdout.trim().split("\n");
    if (result.exitCode !== 0 || !commit) return { baseRef: "HEAD", baseCommit: undefined };
    return { baseRef: !name || name === "HEAD" ? commit : name, baseCommit: commit };
  }

  private freeTarget(records: readonly WorktreeRecord[], wanted: string): string {
    const taken = (dir: string) => records.some((r) => r.status === "active" && samePath(r.path, dir));
    let target = wanted;
    for (let n = 2; taken(target); n++) target = `${wanted}-${n}`;
    return target;
  }

  private async assertTargetFree(target: string): Promise<void> {
    if (!existsSync(target)) return;
    const entries = await readdir(target).catch(() => ["?"]);
    if (entries.length > 0) throw new GadugiError("GADUGI_WORKTREE_EXISTS", { path: target });
  }

  private async removeEmptyDir(dir: string): Promise<void> {
    if (!existsSync(dir)) return;
    await rmdir(dir).catch(() => undefined);
  }

  private async deleteBranchIfAt(ctx: Context, branch: string, commit: string): Promise<void> {
    const tip = await ctx.git.resolveCommit(branch).catch(() => undefined);
    if (tip === commit) await ctx.git.deleteBranch(branch, { force: true }).catch(() => undefined);
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

  // ---- ownership --------------------------------------------------------------------------------

  /** Whether `dir` is a worktree whose git dir holds Gadugi's marker for this record's run and task. */
  private async isMarkedFor(dir: string, record: Pick<WorktreeRecord, "runId" | "taskId">): Promise<boolean> {
    if (!existsSync(dir)) return false;
    const adminDir = await worktreeGitDir(dir);
    if (!adminDir) return false;
    const marker = await readMarker(adminDir);
    return marker !== undefined && marker.runId === record.runId && marker.taskId === record.taskId;
  }

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

  /** Gadugi's active worktrees (and, on request, foreign ones) with dirty/ahead/behind. */
  async list(options: ListOptions = {}): Promise<ListedWorktree[]> {
    const ctx = await this.context();
    const [records, entries] = await Promise.all([ctx.registry.read(), ctx.git.worktreeList()]);
    const active = records.filter(
      (r) =>
        r.status === "active" &&
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
    const own = await mapLimit(active, 4, async (record): Promise<OwnWorktree> => {
      const entry = entries.find((e) => samePath(e.path, record.path));
      const exists = existsSync(record.path);
      const marked = exists && (await this.isMarkedFor(record.path, record));
      const item: OwnWorktree = {
        ...record,
        foreign: false,
        exists,
        marked,
        locked: entry?.locked ?? false,
        ownerAlive: this.ownerAlive(record),
      };
      if (entry?.head) item.head = entry.head;
      if (details && exists && marked) {
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
    });
    if (!options.includeForeign) return own;
    const foreign: ForeignWorktree[] = entries
      .slice(1)
      .filter((e) => !own.some((o) => o.marked && samePath(o.path, e.path)))
      .map((e) => ({
        foreign: true as const,
        path: e.path,
        locked: e.locked,
        ...(e.branch ? { branch: e.branch } : {}),
        ...(e.head ? { head: e.head } : {}),
      }));
    return [...own, ...foreign];
  }

  private ownerAlive(record: WorktreeRecord): boolean {
    if (record.owner.host !== hostname()) return true;
    return record.owner.pid === process.pid || isProcessAlive(record.owner.pid);
  }

  // ---- remove / cleanup -------------------------------------------------------------------------

  /**
   * Removes one of Gadugi's worktrees, named by task id or path, saving uncommitted work first.
   *
   * @throws GADUGI_WORKTREE_FOREIGN for anything Gadugi did not make (left untouched).
   */
  async remove(target: string, options: RemoveOptions = {}): Promise<CleanupEntry> {
    const ctx = await this.context();
    const record = await this.resolveTarget(ctx, target, options.runId);
    const entry = await this.cleanupRecord(ctx, record, options, true);
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
    const active = matches.filter((r) => r.status === "active");
    const chosen = (active.length > 0 ? active : matches).at(-1);
    if (!chosen) {
      throw new GadugiError("GADUGI_WORKTREE_FOREIGN", {
        path: looksLikePath ? path.resolve(target) : target,
      });
    }
    return chosen;
  }

  /**
   * Removes the selected worktrees of Gadugi (all active ones by default; `runId` and `taskId`
   * narrow it), one at a time, each independently: a failure is reported in its entry and the
   * others go on. Work is never lost (see `RemoveOptions`).
   */
  async cleanup(options: CleanupOptions = {}): Promise<CleanupResult> {
    const ctx = await this.context();
    const records = await ctx.registry.read();
    const selected: WorktreeRecord[] = [];
    for (const r of records) {
      if (options.runId !== undefined && r.runId !== options.runId) continue;
      if (options.taskId !== undefined && r.taskId !== options.taskId) continue;
      if (r.status === "active") selected.push(r);
      else if (options.deleteBranches && !r.deletedBranch && (await ctx.git.branchExists(r.branch)))
        selected.push(r);
    }
    const entries: CleanupEntry[] = [];
    for (const record of selected) {
      const { deleteBranches, taskId: _t, ...rest } = options;
      entries.push(await this.cleanupRecord(ctx, record, { ...rest, deleteBranch: deleteBranches ?? false }));
    }
    return { entries };
  }

  private async cleanupRecord(
    ctx: Context,
    record: WorktreeRecord,
    options: RemoveOptions,
    throwErrors = false,
  ): Promise<CleanupEntry> {
    const entry: CleanupEntry = {
      runId: record.runId,
      taskId: record.taskId,
      path: record.path,
      branch: record.branch,
      action: "removed",
      branchDeleted: false,
    };
    const saved: SavedWork[] = [];
    /** Branch, then registry; called with the lock held, once the worktree is gone. */
    const finish = async (): Promise<CleanupEntry> => {
      const branchReason = await this.maybeDeleteBranch(ctx, record, options, entry);
      if (branchReason) entry.reason = branchReason;
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
    };
    const save = async (mode: SaveMode): Promise<void> => {
      const work = await this.saveWork(ctx, record, mode);
      if (work) {
        saved.push(work);
        entry.savedWork = work;
      }
    };
    try {
      if (record.status !== "active") {
        entry.action = "missing";
        return await this.locked(ctx, finish);
      }
      if (!existsSync(record.path)) {
        entry.action = "missing";
        return await this.locked(ctx, async () => {
          await this.clearAdminDir(ctx, record);
          return finish();
        });
      }
      if (!(await this.isMarkedFor(record.path, record))) {
        return {
          ...entry,
          action: "skipped",
          code: "GADUGI_WORKTREE_FOREIGN",
          reason: `${record.path} is not a worktree Gadugi made for task ${record.taskId}; left untouched`,
        };
      }
      if (!options.force && record.owner.pid !== process.pid && this.ownerAlive(record)) {
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
        const done = await this.locked(ctx, async () => {
          const args = removeArgs(false);
          const result = await ctx.git.tryRaw(args);
          if (result.exitCode === 0) return finish();
          if (!DIRTY.test(result.stderr)) throw failure(args, result);
          return undefined;
        });
        if (done) return done;
      }
      // Changes (or a locked worktree, whose removal git would not check): save them first.
      await save(options.save ?? "commit");
      return await this.locked(ctx, async () => {
        let args = removeArgs(saved.at(-1)?.mode === "patch");
        let result = await ctx.git.tryRaw(args);
        if (result.exitCode !== 0 && DIRTY.test(result.stderr)) {
          // Written after the commit: keep that as a patch too.
          await save("patch");
          args = removeArgs(true);
          result = await ctx.git.tryRaw(args);
        }
        if (result.exitCode !== 0) throw failure(args, result);
        return finish();
      });
    } catch (error) {
      if (throwErrors) throw error;
      return {
        ...entry,
        action: "failed",
        code: GadugiError.is(error) ? error.code : "GADUGI_UNEXPECTED",
        reason: error instanceof Error ? error.message : String(error),
      };
    }
  }

  /** Deletes the branch when asked and allowed; returns why it was kept, if it was. */
  private async maybeDeleteBranch(
    ctx: Context,
    record: WorktreeRecord,
    options: RemoveOptions,
    entry: CleanupEntry,
  ): Promise<string | undefined> {
    if (!options.deleteBranch) return undefined;
    const found = await ctx.git.tryRaw(["rev-parse", "--verify", "--quiet", `refs/heads/${record.branch}`]);
    if (found.exitCode !== 0) return undefined;
    const tip = found.stdout.trim();
    const ahead = tip === record.baseCommit ? 0 : await this.unmergedCommits(ctx, record, tip);
    if (ahead > 0 && !options.force) {
      return `branch ${record.branch} kept: ${ahead} of its commit(s) are neither on ${record.baseRef} nor on an integration branch; pass force with deleteBranches to delete it (a bundle is kept)`;
    }
    if (ahead > 0) {
      const bundle = await this.uniqueFile(
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
  private async unmergedCommits(ctx: Context, record: WorktreeRecord, tip: string): Promise<number> {
    const integration = await ctx.git.raw([
      "for-each-ref",
      "--format=%(objectname)",
      `refs/heads/${this.branchPrefix}integration-*`,
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
  private async saveWork(
    ctx: Context,
    record: WorktreeRecord,
    mode: SaveMode,
  ): Promise<SavedWork | undefined> {
    const wt = this.git(record.path);
    if (!(await wt.isDirty())) return undefined;
    // The same routine as the workflow's commits: setup's files, copied secrets, shared
    // node_modules and a read-only reviewer's leftovers are never the task's work.
    const files = await pendingWork(wt);
    if (files.length === 0) return undefined;
    if (mode === "commit" && (await wt.currentBranch()) === record.branch) {
      try {
        const saved = await commitWork(
          wt,
          `gadugi: save uncommitted work of task ${record.taskId}\n\nCommitted by Gadugi before removing the worktree of run ${record.runId}\n(${record.path}), so nothing is lost.\n`,
          { noVerify: true },
        );
        if (saved) return { mode: "commit", commit: saved.commit, at: now() };
      } catch {
        // Fall through to a patch (an unresolved merge, a failing commit...).
      }
    }
    // A patch of exactly those files, untracked ones included (they are staged first).
    await wt.raw(["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"], {
      input: `${files.join("\0")}\0`,
      env: { GIT_LITERAL_PATHSPECS: "1" },
    });
    const patch = await wt.raw(
      ["diff", "--cached", "--binary", "--full-index", "--no-color", "--no-ext-diff", "HEAD", "--", ...files],
      { env: { GIT_LITERAL_PATHSPECS: "1" } },
    );
    if (patch.trim() === "") return undefined;
    const file = await this.uniqueFile(
      path.join(ctx.gadugiDir, "patches", record.runId),
      record.taskId,
      ".patch",
    );
    await writeFileAtomic(file, patch);
    return { mode: "patch", patchFile: file, at: now() };
  }

  private async uniqueFile(dir: string, name: string, ext: string): Promise<string> {
    await mkdir(dir, { recursive: true });
    let file = path.join(dir, `${name}${ext}`);
    for (let i = 2; existsSync(file); i++) file = path.join(dir, `${name}-${i}${ext}`);
    return file;
  }

  /** Removes the git metadata of one of our worktrees whose directory is gone (never a foreign one). */
  private async clearAdminDir(ctx: Context, record: WorktreeRecord): Promise<void> {
    if (!record.adminName || existsSync(record.path)) return;
    const adminDir = path.join(ctx.commonDir, "worktrees", record.adminName);
    const marker = await readMarker(adminDir);
    if (!marker || marker.runId !== record.runId || marker.taskId !== record.taskId) return;
    const gitdir = await readFile(path.join(adminDir, "gitdir"), "utf8").catch(() => "");
    const pointsTo = gitdir.trim() === "" ? undefined : path.dirname(gitdir.trim());
    if (pointsTo && !samePath(pointsTo, record.path)) return;
    await rm(adminDir, { recursive: true, force: true });
  }

  // ---- prune ------------------------------------------------------------------------------------

  /**
   * Clears stale entries: records whose directory is gone (their git metadata is removed, the
   * branch kept), marked worktrees missing from the registry (re-registered), and removed records
   * whose branch is gone. Worktrees whose creating process died are reported, never deleted.
   */
  async prune(): Promise<PruneResult> {
    const ctx = await this.context();
    const result: PruneResult = { pruned: [], orphaned: [], recovered: [], forgotten: [] };
    await this.locked(ctx, async () => {
      const records = await ctx.registry.read();
      for (const record of records) {
        if (record.status === "active" && !existsSync(record.path)) {
          await this.clearAdminDir(ctx, record);
          result.pruned.push(record);
        } else if (record.status === "active" && !this.ownerAlive(record)) {
          result.orphaned.push(record);
        } else if (record.status === "removed" && !(await ctx.git.branchExists(record.branch))) {
          result.forgotten.push(record);
        }
      }
      // Marked worktrees the registry does not know (a crash between `worktree add` and the write).
      const adminRoot = path.join(ctx.commonDir, "worktrees");
      const names = existsSync(adminRoot) ? await readdir(adminRoot) : [];
      for (const name of names) {
        if (!existsSync(path.join(adminRoot, name, MARKER_FILE))) continue;
        const marker = await readMarker(path.join(adminRoot, name));
        if (!marker || records.some((r) => r.runId === marker.runId && r.taskId === marker.taskId)) continue;
        if (existsSync(marker.path)) result.recovered.push({ ...marker, adminName: name });
        else await rm(path.join(adminRoot, name), { recursive: true, force: true });
      }
      if (result.pruned.length + result.recovered.length + result.forgotten.length === 0) return;
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
        all.splice(0, all.length, ...kept, ...result.recovered);
      });
    });
    return result;
  }

  /** For the CLI: the git worktree entries, main checkout included. */
  async gitWorktrees(): Promise<GitWorktreeEntry[]> {
    return (await this.context()).git.worktreeList();
  }
}
