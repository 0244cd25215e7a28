import { GitCaller, type GitCallOptions, type GitClientOptions } from "./git-call.js";
import type { MergeOptions, MergeResult } from "./git-merge.js";
import * as merging from "./git-merge.js";
import type { AheadBehind, HeadState, PushOptions } from "./git-refs.js";
import * as refs from "./git-refs.js";
import * as files from "./git-status.js";
import type { TreeFile } from "./git-trees.js";
import * as trees from "./git-trees.js";
import { assertGitVersion, type GitVersion, gitVersion, MIN_GIT_VERSION } from "./git-version.js";
import type { WorktreeAddOptions } from "./git-worktrees.js";
import * as worktrees from "./git-worktrees.js";
import type { DiffStat, MergeTreeResult, StatusEntry, WorktreeInfo } from "./parse.js";
import type { Env, RunResult } from "./process-runner.js";

export type { GitCallOptions, GitClientOptions } from "./git-call.js";
export { GADUGI_GIT_IDENTITY } from "./git-identity.js";
export type { MergeResult } from "./git-merge.js";
export type { AheadBehind, HeadState } from "./git-refs.js";
export type { TreeFile } from "./git-trees.js";
export { type GitVersion, MIN_GIT_VERSION } from "./git-version.js";

/**
 * Typed access to one repository (or worktree) through the git CLI. Every method is one git call,
 * or a few; a failure is a GADUGI_GIT_FAILED error carrying git's exit code and stderr. The calls
 * run on simple-git (git-call.ts says when the process runner starts them instead); the methods
 * live by topic in git-refs, git-status, git-worktrees and git-merge.
 */
export class GitClient {
  readonly cwd: string;
  private readonly git: GitCaller;
  private rootPath: Promise<string> | undefined;

  constructor(cwd: string, options: GitClientOptions = {}) {
    this.git = new GitCaller(cwd, options);
    this.cwd = this.git.cwd;
  }

  /** The top-level directory of the repository containing `cwd`; GADUGI_NOT_A_GIT_REPO outside one. */
  static findRoot(cwd: string, options: GitClientOptions = {}): Promise<string> {
    return new GitClient(cwd, options).root();
  }

  /** Installed git version, read once per process (each time with a runner of its own). */
  static version(options: GitClientOptions = {}): Promise<GitVersion> {
    return gitVersion(options);
  }

  /**
   * Throws GADUGI_GIT_TOO_OLD when the installed git is older than `required` (default: what
   * Gadugi's merges need, `git merge-tree --write-tree`, 2.38).
   */
  static assertVersion(
    required: GitVersion = MIN_GIT_VERSION,
    options: GitClientOptions = {},
  ): Promise<GitVersion> {
    return assertGitVersion(required, options);
  }

  // ---- raw access -------------------------------------------------------------------------------

  /** Runs git with `args` in `cwd`; stdout as printed. Throws GADUGI_GIT_FAILED on a non-zero exit. */
  raw(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    return this.git.raw(args, options);
  }

  /**
   * Runs git and returns the result whatever the exit code. A missing git, a timeout or an abort
   * still throw: a killed git gave no answer.
   */
  tryRaw(args: readonly string[], options: GitCallOptions = {}): Promise<RunResult> {
    return this.git.tryRaw(args, options);
  }

  /**
   * GIT_AUTHOR_* / GIT_COMMITTER_* for the parts of the identity git has nowhere (config or
   * environment), so commits work on a machine without one; the user's identity is never replaced.
   * Empty when git has a whole identity. Hand it to every process that may commit (agents).
   */
  identityFallback(): Promise<Env> {
    return this.git.identityEnv().then((env) => ({ ...env }));
  }

  // ---- repository --------------------------------------------------------------------------------

  /** Top-level directory of the working tree. */
  root(): Promise<string> {
    this.rootPath ??= this.git.text(["rev-parse", "--show-toplevel"]).catch((error: unknown) => {
      this.rootPath = undefined;
      throw error;
    });
    return this.rootPath;
  }

  /** The `.git` directory shared by all worktrees (absolute). */
  gitCommonDir(): Promise<string> {
    return this.git.text(["rev-parse", "--path-format=absolute", "--git-common-dir"]);
  }

  /** This worktree's own git directory (absolute). */
  gitDir(): Promise<string> {
    return this.git.text(["rev-parse", "--path-format=absolute", "--git-dir"]);
  }

  /** The checked-out branch; undefined when HEAD is detached. */
  currentBranch(): Promise<string | undefined> {
    return refs.currentBranch(this.git);
  }

  headCommit(): Promise<string> {
    return this.revParse("HEAD");
  }

  /** HEAD's commit (undefined on an unborn branch) and branch (undefined when detached), in one call. */
  headState(): Promise<HeadState> {
    return refs.headState(this.git);
  }

  /** The object id `ref` names; GADUGI_GIT_FAILED when it names nothing. */
  revParse(ref: string): Promise<string> {
    return refs.revParse(this.git, ref);
  }

  /** The commit `ref` points to (peeling tags); undefined when it names no commit. */
  resolveCommit(ref: string): Promise<string | undefined> {
    return refs.resolveCommit(this.git, ref);
  }

  /** `resolveCommit` of each ref, in one git call when all of them name commits. */
  resolveCommits(names: readonly string[]): Promise<(string | undefined)[]> {
    return refs.resolveCommits(this.git, names);
  }

  configGet(key: string): Promise<string | undefined> {
    return refs.configGet(this.git, key);
  }

  // ---- branches ----------------------------------------------------------------------------------

  branchExists(name: string): Promise<boolean> {
    return refs.branchExists(this.git, name);
  }

  /** Creates `name` at `startPoint` without checking it out; GADUGI_BRANCH_EXISTS if it exists. */
  createBranch(name: string, startPoint = "HEAD"): Promise<void> {
    return refs.createBranch(this.git, name, startPoint);
  }

  deleteBranch(name: string, options: { force?: boolean } = {}): Promise<void> {
    return refs.deleteBranch(this.git, name, options.force === true);
  }

  /** Local branch names, optionally under a prefix (`gadugi/`) or matching a glob (`gadugi/*`). */
  listBranches(pattern?: string): Promise<string[]> {
    return refs.listBranches(this.git, pattern);
  }

  /** Whether git accepts `name` as a branch name (`git check-ref-format --branch`). */
  isValidBranchName(name: string): Promise<boolean> {
    return refs.isValidBranchName(this.git, name);
  }

  // ---- files -------------------------------------------------------------------------------------

  /** Tracked files, relative to `cwd`. */
  lsFiles(): Promise<string[]> {
    return files.lsFiles(this.git);
  }

  /**
   * Blob id of each tracked file as staged in the index (path → sha), for content-hash caches.
   * Unstaged edits are not reflected; use `hashFiles` for working-tree content.
   */
  blobIds(paths?: readonly string[]): Promise<Map<string, string>> {
    return files.blobIds(this.git, paths);
  }

  /** Blob ids of files as they are in the working tree now (`git hash-object`), path → sha. */
  hashFiles(paths: readonly string[]): Promise<Map<string, string>> {
    return files.hashFiles(this.git, paths);
  }

  /** `git status --porcelain=v1`, parsed; untracked files listed one by one by default. */
  status(options: { untracked?: "all" | "normal" | "no" } = {}): Promise<StatusEntry[]> {
    return files.status(this.git, options.untracked);
  }

  /** Whether anything is modified, staged or (unless `untracked: false`) untracked. */
  async isDirty(options: { untracked?: boolean } = {}): Promise<boolean> {
    const entries = await this.status({ untracked: options.untracked === false ? "no" : "normal" });
    return entries.length > 0;
  }

  addAll(): Promise<string> {
    return this.git.raw(["add", "-A"]);
  }

  // ---- commits -----------------------------------------------------------------------------------

  /** Commits the index; returns the new commit's sha. */
  async commit(message: string, options: { allowEmpty?: boolean; noVerify?: boolean } = {}): Promise<string> {
    await files.commit(this.git, message, options);
    return this.headCommit();
  }

  /** Creates a commit object for `tree` with `parents`, without touching any ref or working tree. */
  commitTree(tree: string, parents: readonly string[], message: string): Promise<string> {
    return merging.commitTree(this.git, tree, parents, message);
  }

  /**
   * Points `ref` (a full name: refs/heads/x) at `value`. With `oldValue`, only if the ref still
   * points there (compare-and-swap); otherwise GADUGI_GIT_FAILED.
   */
  updateRef(
    ref: string,
    value: string,
    options: { oldValue?: string; message?: string } = {},
  ): Promise<void> {
    return refs.updateRef(this.git, ref, value, options);
  }

  // ---- comparisons -------------------------------------------------------------------------------

  /**
   * Paths that differ between `from` and `to` (the working tree when `to` is omitted). Renames
   * count as a deletion plus an addition, so both paths are listed.
   */
  diffNameOnly(from: string, to?: string): Promise<string[]> {
    return files.diffNameOnly(this.git, from, to);
  }

  /** Lines added and deleted per file between `from` and `to` (the working tree when omitted). */
  diffStat(from: string, to?: string): Promise<DiffStat> {
    return files.diffStat(this.git, from, to);
  }

  aheadBehind(a: string, b: string): Promise<AheadBehind> {
    return refs.aheadBehind(this.git, a, b);
  }

  /** The best common ancestor; undefined when the histories are unrelated. */
  mergeBase(a: string, b: string): Promise<string | undefined> {
    return refs.mergeBase(this.git, a, b);
  }

  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return refs.isAncestor(this.git, ancestor, descendant);
  }

  // ---- worktrees ---------------------------------------------------------------------------------

  /**
   * Adds a worktree at `path` (relative to `cwd`) for `branch`: a new branch from `base` (HEAD by
   * default) when `createBranch`, else the existing branch. Returns the absolute path.
   * GADUGI_BRANCH_EXISTS / GADUGI_WORKTREE_EXISTS when either is taken.
   */
  worktreeAdd(path: string, branch: string, options: WorktreeAddOptions = {}): Promise<string> {
    return worktrees.worktreeAdd(this.git, path, branch, options);
  }

  worktreeRemove(path: string, options: { force?: boolean } = {}): Promise<void> {
    return worktrees.worktreeRemove(this.git, path, options.force === true);
  }

  /** All worktrees of the repository, the main one first. */
  worktreeList(): Promise<WorktreeInfo[]> {
    return worktrees.worktreeList(this.git);
  }

  /** Clears metadata of worktrees whose directory is gone. */
  async worktreePrune(): Promise<void> {
    await this.git.raw(["worktree", "prune"]);
  }

  // ---- merging -----------------------------------------------------------------------------------

  /**
   * Merges `theirs` into `ours` in memory (`git merge-tree --write-tree`): no working tree, no
   * index, no refs change. The tree can become a commit with `commitTree`. An explicit `base`
   * needs git >= 2.40 (`--merge-base`).
   */
  mergeTree(ours: string, theirs: string): Promise<MergeTreeResult>;
  mergeTree(base: string | undefined, ours: string, theirs: string): Promise<MergeTreeResult>;
  mergeTree(...args: [string, string] | [string | undefined, string, string]): Promise<MergeTreeResult> {
    const [base, ours, theirs] = args.length === 2 ? [undefined, ...args] : args;
    return merging.mergeTree(this.git, base, ours, theirs);
  }

  /**
   * `git merge` of `branch` into the checked-out branch of this worktree. A conflict is a result,
   * not an error; the merge is aborted then unless `abortOnConflict: false`.
   */
  merge(branch: string, options: MergeOptions = {}): Promise<MergeResult> {
    return merging.merge(this.git, branch, options);
  }

  // ---- objects and trees (no working tree, no index) -----------------------------------------

  /** The entry (mode, blob) of `path` in a commit or tree; undefined when it has no such file. */
  treeEntry(treeish: string, path: string): Promise<TreeFile | undefined> {
    return trees.treeEntry(this.git, treeish, path);
  }

  /** The text of `path` in a commit or tree; undefined when it has no such file. */
  readFileAt(treeish: string, path: string): Promise<string | undefined> {
    return trees.readFileAt(this.git, treeish, path);
  }

  /** Writes `content` as a blob (`git hash-object -w --stdin`); returns its id. */
  hashObject(content: string): Promise<string> {
    return trees.hashObject(this.git, content);
  }

  /**
   * A new tree: `tree` with `files` added or replaced, built in a temporary index file of its own
   * (the repository's index is never touched). Returns the tree's id.
   */
  replaceInTree(tree: string, files: readonly TreeFile[]): Promise<string> {
    return trees.replaceInTree(this.git, tree, files);
  }

  // ---- remotes -----------------------------------------------------------------------------------

  /** URL of a remote; undefined when there is no such remote. */
  remoteUrl(name = "origin"): Promise<string | undefined> {
    return refs.remoteUrl(this.git, name);
  }

  push(remote: string, branch: string, options: PushOptions = {}): Promise<void> {
    return refs.push(this.git, remote, branch, options);
  }
}
