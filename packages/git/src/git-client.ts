import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import {
  type DiffStat,
  type MergeTreeResult,
  parseMergeTreeZ,
  parseNumstatZ,
  parseStatusZ,
  parseWorktreeListZ,
  type StatusEntry,
  splitZ,
  type WorktreeInfo,
} from "./parse.js";
import {
  createProcessRunner,
  type Env,
  errorForResult,
  type ProcessRunner,
  type RunResult,
} from "./process-runner.js";

/** The identity of commits Gadugi makes on a machine where git has none configured. */
export const GADUGI_GIT_IDENTITY = { name: "Gadugi", email: "gadugi@localhost" } as const;

/** Set on every git call: never prompt for credentials, and print messages that can be parsed. */
const BASE_ENV: Env = { GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };

/** Subcommands that may create commits, and so need an identity. */
const IDENTITY_COMMANDS = new Set([
  "commit",
  "commit-tree",
  "merge",
  "cherry-pick",
  "rebase",
  "revert",
  "am",
  "stash",
  "pull",
  "tag",
  "notes",
]);

export interface GitClientOptions {
  runner?: ProcessRunner;
  /** Laid over the parent's environment for every call; `undefined` removes a variable. */
  env?: Env;
  /** Default time limit of one git call; none when unset. */
  timeoutMs?: number;
}

export interface GitCallOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Env;
}

export interface AheadBehind {
  /** Commits reachable from the first ref and not from the second. */
  ahead: number;
  /** Commits reachable from the second ref and not from the first. */
  behind: number;
}

export interface MergeResult {
  clean: boolean;
  /** HEAD after a clean merge. */
  commit?: string;
  /** Nothing to merge: the branch was already contained in HEAD. */
  upToDate: boolean;
  conflictFiles: string[];
}

export interface GitVersion {
  major: number;
  minor: number;
  patch: number;
}

function assertRef(name: string, value: string): void {
  if (value === "" || value.startsWith("-")) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name,
      value,
      expected: "a git ref name that is not empty and does not start with '-'",
    });
  }
}

function firstLine(text: string): string {
  return text.replace(/\r?\n$/, "").split("\n")[0] ?? "";
}

function subcommandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

let versionPromise: Promise<GitVersion> | undefined;

/** The oldest git Gadugi runs on: `git merge-tree --write-tree` arrived in 2.38. */
export const MIN_GIT_VERSION: GitVersion = { major: 2, minor: 38, patch: 0 };

/**
 * Typed access to one repository (or worktree) through the git CLI. Every method is one git call,
 * or a few; a failure is a GADUGI_GIT_FAILED error carrying git's exit code and stderr.
 */
export class GitClient {
  readonly cwd: string;
  private readonly runner: ProcessRunner;
  private readonly env: Env;
  private readonly timeoutMs: number | undefined;
  private identity: Promise<Env> | undefined;
  private rootPath: Promise<string> | undefined;

  constructor(cwd: string, options: GitClientOptions = {}) {
    this.cwd = resolve(cwd);
    this.runner = options.runner ?? createProcessRunner();
    this.env = options.env ?? {};
    this.timeoutMs = options.timeoutMs;
  }

  /** The top-level directory of the repository containing `cwd`; GADUGI_NOT_A_GIT_REPO outside one. */
  static findRoot(cwd: string, options: GitClientOptions = {}): Promise<string> {
    return new GitClient(cwd, options).root();
  }

  /** Installed git version, read once per process (each time with a runner of its own). */
  static version(options: GitClientOptions = {}): Promise<GitVersion> {
    const read = () =>
      new GitClient(tmpdir(), options).raw(["version"]).then((out) => {
        const [major = 0, minor = 0, patch = 0] = (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(out) ?? [])
          .slice(1)
          .map((n) => Number(n ?? 0));
        return { major, minor, patch };
      });
    if (options.runner) return read();
    versionPromise ??= read().catch((error: unknown) => {
      versionPromise = undefined;
      throw error;
    });
    return versionPromise;
  }

  /**
   * Throws GADUGI_GIT_TOO_OLD when the installed git is older than `required` (default: what
   * Gadugi's merges need, `git merge-tree --write-tree`, 2.38).
   */
  static async assertVersion(
    required: GitVersion = MIN_GIT_VERSION,
    options: GitClientOptions = {},
  ): Promise<GitVersion> {
    const found = await GitClient.version(options);
    const older =
      found.major !== required.major
        ? found.major < required.major
        : found.minor !== required.minor
          ? found.minor < required.minor
          : found.patch < required.patch;
    if (older) {
      throw new GadugiError("GADUGI_GIT_TOO_OLD", {
        version: `${found.major}.${found.minor}.${found.patch}`,
        required: `${required.major}.${required.minor}`,
      });
    }
    return found;
  }

  // ---- raw access -------------------------------------------------------------------------------

  /** Runs git with `args` in `cwd`; stdout as printed. Throws GADUGI_GIT_FAILED on a non-zero exit. */
  async raw(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    const result = await this.tryRaw(args, options);
    if (result.exitCode !== 0) throw this.failure(result);
    return result.stdout;
  }

  /**
   * Runs git and returns the result whatever the exit code. A missing git, a timeout or an abort
   * still throw: a killed git gave no answer.
   */
  async tryRaw(args: readonly string[], options: GitCallOptions = {}): Promise<RunResult> {
    const sub = subcommandOf(args);
    const identity = sub !== undefined && IDENTITY_COMMANDS.has(sub) ? await this.identityEnv() : {};
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const env = { ...BASE_ENV, ...this.env, ...identity, ...options.env };
    const result = await this.runner.run("git", args, {
      cwd: this.cwd,
      env,
      reject: false,
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (result.timedOut || result.aborted) {
      throw errorForResult(result, {
        env,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
    return result;
  }

  /** The error for a failed git call: GADUGI_NOT_A_GIT_REPO when git says so, else GADUGI_GIT_FAILED. */
  private failure(result: RunResult): GadugiError {
    if (/not a git repository/i.test(result.stderr)) {
      return new GadugiError("GADUGI_NOT_A_GIT_REPO", { path: this.cwd });
    }
    return errorForResult(result, { code: "GADUGI_GIT_FAILED", env: this.env });
  }

  /**
   * GIT_AUTHOR_* / GIT_COMMITTER_* for the parts of the identity git has nowhere (config or
   * environment), so commits work on a machine without one; the user's identity is never replaced.
   * Empty when git has a whole identity. Hand it to every process that may commit (agents).
   */
  identityFallback(): Promise<Env> {
    return this.identityEnv().then((env) => ({ ...env }));
  }

  private identityEnv(): Promise<Env> {
    this.identity ??= this.readIdentityEnv().catch((error: unknown) => {
      this.identity = undefined;
      throw error;
    });
    return this.identity;
  }

  private async readIdentityEnv(): Promise<Env> {
    const result = await this.runner.run(
      "git",
      ["config", "-z", "--get-regexp", "^(user|author|committer)\\.(name|email)$"],
      { cwd: this.cwd, env: { ...BASE_ENV, ...this.env }, reject: false },
    );
    const configured = new Map<string, string>();
    for (const entry of splitZ(result.stdout)) {
      const newline = entry.indexOf("\n");
      const key = (newline === -1 ? entry : entry.slice(0, newline)).toLowerCase();
      const value = newline === -1 ? "" : entry.slice(newline + 1);
      if (value.trim() !== "") configured.set(key, value);
    }
    const env = { ...process.env, ...this.env };
    const has = (name: string | undefined): boolean => name !== undefined && name.trim() !== "";
    const out: Env = {};
    for (const role of ["author", "committer"] as const) {
      const upper = role.toUpperCase();
      if (!has(env[`GIT_${upper}_NAME`]) && !configured.has(`${role}.name`) && !configured.has("user.name")) {
        out[`GIT_${upper}_NAME`] = GADUGI_GIT_IDENTITY.name;
      }
      if (
        !has(env[`GIT_${upper}_EMAIL`]) &&
        !configured.has(`${role}.email`) &&
        !configured.has("user.email") &&
        !has(env.EMAIL)
      ) {
        out[`GIT_${upper}_EMAIL`] = GADUGI_GIT_IDENTITY.email;
      }
    }
    return out;
  }

  private async text(args: readonly string[], options?: GitCallOptions): Promise<string> {
    return (await this.raw(args, options)).trim();
  }

  // ---- repository --------------------------------------------------------------------------------

  /** Top-level directory of the working tree. */
  root(): Promise<string> {
    this.rootPath ??= this.text(["rev-parse", "--show-toplevel"]).catch((error: unknown) => {
      this.rootPath = undefined;
      throw error;
    });
    return this.rootPath;
  }

  /** The `.git` directory shared by all worktrees (absolute). */
  gitCommonDir(): Promise<string> {
    return this.text(["rev-parse", "--path-format=absolute", "--git-common-dir"]);
  }

  /** This worktree's own git directory (absolute). */
  gitDir(): Promise<string> {
    return this.text(["rev-parse", "--path-format=absolute", "--git-dir"]);
  }

  /** The checked-out branch; undefined when HEAD is detached. */
  async currentBranch(): Promise<string | undefined> {
    const result = await this.tryRaw(["symbolic-ref", "--quiet", "--short", "HEAD"]);
    if (result.exitCode === 0) return firstLine(result.stdout);
    if (result.exitCode === 1) return undefined;
    throw this.failure(result);
  }

  headCommit(): Promise<string> {
    return this.revParse("HEAD");
  }

  /** The object id `ref` names; GADUGI_GIT_FAILED when it names nothing. */
  async revParse(ref: string): Promise<string> {
    assertRef("ref", ref);
    return this.text(["rev-parse", "--verify", "--end-of-options", ref]);
  }

  /** The commit `ref` points to (peeling tags); undefined when it names no commit. */
  async resolveCommit(ref: string): Promise<string | undefined> {
    assertRef("ref", ref);
    const result = await this.tryRaw([
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${ref}^{commit}`,
    ]);
    return result.exitCode === 0 ? firstLine(result.stdout) : undefined;
  }

  async configGet(key: string): Promise<string | undefined> {
    const result = await this.tryRaw(["config", "--get", key]);
    if (result.exitCode === 0) return result.stdout.replace(/\r?\n$/, "");
    if (result.exitCode === 1) return undefined;
    throw this.failure(result);
  }

  // ---- branches ----------------------------------------------------------------------------------

  async branchExists(name: string): Promise<boolean> {
    const result = await this.tryRaw(["show-ref", "--verify", "--quiet", `refs/heads/${name}`]);
    return result.exitCode === 0;
  }

  /** Creates `name` at `startPoint` without checking it out; GADUGI_BRANCH_EXISTS if it exists. */
  async createBranch(name: string, startPoint = "HEAD"): Promise<void> {
    assertRef("branch", name);
    assertRef("startPoint", startPoint);
    const result = await this.tryRaw(["branch", "--no-track", name, startPoint]);
    if (result.exitCode === 0) return;
    if (/already exists/.test(result.stderr)) throw new GadugiError("GADUGI_BRANCH_EXISTS", { branch: name });
    throw this.failure(result);
  }

  async deleteBranch(name: string, options: { force?: boolean } = {}): Promise<void> {
    assertRef("branch", name);
    await this.raw(["branch", options.force ? "-D" : "-d", name]);
  }

  /** Local branch names, optionally under a prefix (`gadugi/`) or matching a glob (`gadugi/*`). */
  async listBranches(pattern?: string): Promise<string[]> {
    const out = await this.raw(["for-each-ref", "--format=%(refname)", `refs/heads/${pattern ?? ""}`]);
    return out
      .split("\n")
      .filter((line) => line !== "")
      .map((ref) => ref.replace(/^refs\/heads\//, ""));
  }

  /** Whether git accepts `name` as a branch name (`git check-ref-format --branch`). */
  async isValidBranchName(name: string): Promise<boolean> {
    if (name === "" || name.startsWith("-")) return false;
    const result = await this.tryRaw(["check-ref-format", "--branch", name]);
    return result.exitCode === 0;
  }

  // ---- files -------------------------------------------------------------------------------------

  /** Tracked files, relative to `cwd`. */
  async lsFiles(): Promise<string[]> {
    return splitZ(await this.raw(["ls-files", "-z"]));
  }

  /**
   * Blob id of each tracked file as staged in the index (path → sha), for content-hash caches.
   * Unstaged edits are not reflected; use `hashFiles` for working-tree content.
   */
  async blobIds(paths?: readonly string[]): Promise<Map<string, string>> {
    const args = ["ls-files", "-s", "-z"];
    if (paths) {
      if (paths.length === 0) return new Map();
      args.push("--", ...paths);
    }
    const ids = new Map<string, string>();
    for (const entry of splitZ(await this.raw(args))) {
      // "<mode> <sha> <stage>\t<path>"
      const tab = entry.indexOf("\t");
      const [, sha, stage] = entry.slice(0, tab).split(" ");
      const path = entry.slice(tab + 1);
      if (sha && (stage === "0" || !ids.has(path))) ids.set(path, sha);
    }
    return ids;
  }

  /** Blob ids of files as they are in the working tree now (`git hash-object`), path → sha. */
  async hashFiles(paths: readonly string[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    if (paths.length === 0) return ids;
    const out = await this.raw(["hash-object", "--stdin-paths"], { input: `${paths.join("\n")}\n` });
    const shas = out.split("\n").filter((line) => line !== "");
    paths.forEach((path, i) => {
      const sha = shas[i];
      if (sha) ids.set(path, sha);
    });
    return ids;
  }

  /** `git status --porcelain=v1`, parsed; untracked files listed one by one by default. */
  async status(options: { untracked?: "all" | "normal" | "no" } = {}): Promise<StatusEntry[]> {
    const out = await this.raw(
      ["status", "--porcelain=v1", "-z", `--untracked-files=${options.untracked ?? "all"}`],
      { env: { GIT_OPTIONAL_LOCKS: "0" } },
    );
    return parseStatusZ(out);
  }

  /** Whether anything is modified, staged or (unless `untracked: false`) untracked. */
  async isDirty(options: { untracked?: boolean } = {}): Promise<boolean> {
    const entries = await this.status({ untracked: options.untracked === false ? "no" : "normal" });
    return entries.length > 0;
  }

  addAll(): Promise<string> {
    return this.raw(["add", "-A"]);
  }

  // ---- commits -----------------------------------------------------------------------------------

  /** Commits the index; returns the new commit's sha. */
  async commit(message: string, options: { allowEmpty?: boolean; noVerify?: boolean } = {}): Promise<string> {
    const args = ["commit", "--quiet", "--file=-"];
    if (options.allowEmpty) args.push("--allow-empty");
    if (options.noVerify) args.push("--no-verify");
    await this.raw(args, { input: message });
    return this.headCommit();
  }

  /** Creates a commit object for `tree` with `parents`, without touching any ref or working tree. */
  async commitTree(tree: string, parents: readonly string[], message: string): Promise<string> {
    assertRef("tree", tree);
    const args = ["commit-tree", tree];
    for (const parent of parents) {
      assertRef("parent", parent);
      args.push("-p", parent);
    }
    return this.text(args, { input: message });
  }

  /**
   * Points `ref` (a full name: refs/heads/x) at `value`. With `oldValue`, only if the ref still
   * points there (compare-and-swap); otherwise GADUGI_GIT_FAILED.
   */
  async updateRef(
    ref: string,
    value: string,
    options: { oldValue?: string; message?: string } = {},
  ): Promise<void> {
    assertRef("ref", ref);
    assertRef("value", value);
    const args = ["update-ref", "-m", options.message ?? "gadugi", ref, value];
    if (options.oldValue !== undefined) args.push(options.oldValue);
    await this.raw(args);
  }

  // ---- comparisons -------------------------------------------------------------------------------

  /**
   * Paths that differ between `from` and `to` (the working tree when `to` is omitted). Renames
   * count as a deletion plus an addition, so both paths are listed.
   */
  async diffNameOnly(from: string, to?: string): Promise<string[]> {
    return splitZ(
      await this.raw(["diff", "--name-only", "-z", "--no-renames", ...this.range(from, to), "--"]),
    );
  }

  /** Lines added and deleted per file between `from` and `to` (the working tree when omitted). */
  async diffStat(from: string, to?: string): Promise<DiffStat> {
    return parseNumstatZ(await this.raw(["diff", "--numstat", "-z", ...this.range(from, to), "--"]));
  }

  private range(from: string, to: string | undefined): string[] {
    assertRef("from", from);
    if (to === undefined) return [from];
    assertRef("to", to);
    return [from, to];
  }

  async aheadBehind(a: string, b: string): Promise<AheadBehind> {
    assertRef("a", a);
    assertRef("b", b);
    const out = await this.text(["rev-list", "--left-right", "--count", `${a}...${b}`, "--"]);
    const [ahead = 0, behind = 0] = out.split(/\s+/).map(Number);
    return { ahead, behind };
  }

  /** The best common ancestor; undefined when the histories are unrelated. */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    assertRef("a", a);
    assertRef("b", b);
    const result = await this.tryRaw(["merge-base", a, b]);
    if (result.exitCode === 0) return firstLine(result.stdout);
    if (result.exitCode === 1) return undefined;
    throw this.failure(result);
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    assertRef("ancestor", ancestor);
    assertRef("descendant", descendant);
    const result = await this.tryRaw(["merge-base", "--is-ancestor", ancestor, descendant]);
    if (result.exitCode === 0) return true;
    if (result.exitCode === 1) return false;
    throw this.failure(result);
  }

  // ---- worktrees ---------------------------------------------------------------------------------

  /**
   * Adds a worktree at `path` (relative to `cwd`) for `branch`: a new branch from `base` (HEAD by
   * default) when `createBranch`, else the existing branch. Returns the absolute path.
   * GADUGI_BRANCH_EXISTS / GADUGI_WORKTREE_EXISTS when either is taken.
   */
  async worktreeAdd(
    path: string,
    branch: string,
    options: { base?: string; createBranch?: boolean; checkout?: boolean } = {},
  ): Promise<string> {
    assertRef("branch", branch);
    const target = resolve(this.cwd, path);
    const args = ["worktree", "add"];
    if (options.checkout === false) args.push("--no-checkout");
    if (options.createBranch) {
      const base = options.base ?? "HEAD";
      assertRef("base", base);
      args.push("-b", branch, "--", target, base);
    } else {
      args.push("--", target, branch);
    }
    const result = await this.tryRaw(args);
    if (result.exitCode === 0) return target;
    if (/a branch named .* already exists/.test(result.stderr)) {
      throw new GadugiError("GADUGI_BRANCH_EXISTS", { branch });
    }
    if (/already exists/.test(result.stderr))
      throw new GadugiError("GADUGI_WORKTREE_EXISTS", { path: target });
    throw this.failure(result);
  }

  async worktreeRemove(path: string, options: { force?: boolean } = {}): Promise<void> {
    const args = ["worktree", "remove"];
    if (options.force) args.push("--force");
    args.push("--", resolve(this.cwd, path));
    await this.raw(args);
  }

  /** All worktrees of the repository, the main one first. */
  async worktreeList(): Promise<WorktreeInfo[]> {
    return parseWorktreeListZ(await this.raw(["worktree", "list", "--porcelain", "-z"]));
  }

  /** Clears metadata of worktrees whose directory is gone. */
  async worktreePrune(): Promise<void> {
    await this.raw(["worktree", "prune"]);
  }

  // ---- merging -----------------------------------------------------------------------------------

  /**
   * Merges `theirs` into `ours` in memory (`git merge-tree --write-tree`): no working tree, no
   * index, no refs change. The tree can become a commit with `commitTree`. An explicit `base`
   * needs git >= 2.40 (`--merge-base`).
   */
  mergeTree(ours: string, theirs: string): Promise<MergeTreeResult>;
  mergeTree(base: string | undefined, ours: string, theirs: string): Promise<MergeTreeResult>;
  async mergeTree(
    ...refs: [string, string] | [string | undefined, string, string]
  ): Promise<MergeTreeResult> {
    const [base, ours, theirs] = refs.length === 2 ? [undefined, ...refs] : refs;
    assertRef("ours", ours);
    assertRef("theirs", theirs);
    const args = ["merge-tree", "--write-tree", "--name-only", "--messages", "-z"];
    if (base !== undefined) {
      assertRef("base", base);
      const version = await GitClient.version({ runner: this.runner, env: this.env });
      if (version.major < 2 || (version.major === 2 && version.minor < 40)) {
        throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
          name: "mergeTree base",
          value: base,
          expected: `no explicit merge base with git ${version.major}.${version.minor} (needs git >= 2.40)`,
        });
      }
      args.push(`--merge-base=${base}`);
    }
    args.push(ours, theirs);
    const result = await this.tryRaw(args);
    if (result.exitCode !== 0 && result.exitCode !== 1) throw this.failure(result);
    return parseMergeTreeZ(result.stdout, result.exitCode);
  }

  /**
   * `git merge` of `branch` into the checked-out branch of this worktree. A conflict is a result,
   * not an error; the merge is aborted then unless `abortOnConflict: false`.
   */
  async merge(
    branch: string,
    options: { noFf?: boolean; ffOnly?: boolean; message?: string; abortOnConflict?: boolean } = {},
  ): Promise<MergeResult> {
    assertRef("branch", branch);
    const args = ["merge", "--no-edit"];
    if (options.noFf) args.push("--no-ff");
    if (options.ffOnly) args.push("--ff-only");
    if (options.message !== undefined) args.push("-m", options.message);
    args.push(branch);
    const result = await this.tryRaw(args);
    if (result.exitCode === 0) {
      return {
        clean: true,
        commit: await this.headCommit(),
        upToDate: /Already up to date/i.test(result.stdout),
        conflictFiles: [],
      };
    }
    const conflictFiles = splitZ(await this.raw(["diff", "--name-only", "-z", "--diff-filter=U"]));
    if (conflictFiles.length === 0) throw this.failure(result);
    if (options.abortOnConflict !== false) await this.raw(["merge", "--abort"]);
    return { clean: false, upToDate: false, conflictFiles };
  }

  // ---- remotes -----------------------------------------------------------------------------------

  /** URL of a remote; undefined when there is no such remote. */
  async remoteUrl(name = "origin"): Promise<string | undefined> {
    const result = await this.tryRaw(["remote", "get-url", name]);
    if (result.exitCode === 0) return firstLine(result.stdout);
    if (/No such remote/i.test(result.stderr)) return undefined;
    throw this.failure(result);
  }

  async push(
    remote: string,
    branch: string,
    options: {
      setUpstream?: boolean;
      forceWithLease?: boolean;
      signal?: AbortSignal;
      timeoutMs?: number;
    } = {},
  ): Promise<void> {
    assertRef("remote", remote);
    assertRef("branch", branch);
    const args = ["push"];
    if (options.setUpstream) args.push("--set-upstream");
    if (options.forceWithLease) args.push("--force-with-lease");
    args.push(remote, `refs/heads/${branch}:refs/heads/${branch}`);
    await this.raw(args, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }
}
