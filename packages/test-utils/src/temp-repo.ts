import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { createTempDir } from "./temp-dir.js";

/** Identity configured in temp repos (repo-local), so tests never depend on the machine's config. */
export const TEST_IDENTITY = { name: "Gadugi Test", email: "test@gadugi.invalid" } as const;

/** path → content; `null` deletes the file. */
export type FileChanges = Record<string, string | null>;

export interface TempRepoCommit {
  message: string;
  files: FileChanges;
}

export interface TempRepoOptions {
  /** Files of the first commit. */
  files?: Record<string, string>;
  /** Further commits, in order, after the first. */
  commits?: readonly TempRepoCommit[];
  /** Initial branch. Default "main". */
  branch?: string;
  /**
   * true (default): repo-local user.name/user.email. false: no identity anywhere git looks (the
   * repo's `env` points HOME at an empty dir and ignores system config); the helper's own commits
   * still get one through the environment.
   */
  identity?: boolean;
  /** Make the first commit (even with no files). Default true. */
  initialCommit?: boolean;
}

export interface TempRepo {
  /** The repository's top-level directory (realpath). */
  dir: string;
  /**
   * Environment isolating git from the machine: HOME/XDG_CONFIG_HOME at an empty dir, no system
   * config. Pass it to code under test (`new GitClient(dir, { env: repo.env })`).
   */
  env: Record<string, string>;
  /** Runs git in the repo with `env`; returns stdout without the final newline; throws on failure. */
  git(args: readonly string[], options?: { input?: string; cwd?: string }): Promise<string>;
  /** Writes files (null deletes), relative to `dir`. */
  write(files: FileChanges): void;
  read(path: string): string;
  /** Writes `files`, stages everything and commits; returns the new commit's sha. */
  commit(message: string, files?: FileChanges): Promise<string>;
  cleanup(): void;
}

/** Writes `files` under `dir` (creating parent directories); `null` deletes. */
export function writeFiles(dir: string, files: FileChanges): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    if (content === null) {
      rmSync(target, { force: true, recursive: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** Identity variables for a repository configured without one (the helper's own commits only). */
function identityEnv(): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: TEST_IDENTITY.name,
    GIT_AUTHOR_EMAIL: TEST_IDENTITY.email,
    GIT_COMMITTER_NAME: TEST_IDENTITY.name,
    GIT_COMMITTER_EMAIL: TEST_IDENTITY.email,
  };
}

/** Variables from the machine that would change what git does in a temp repository. */
const MACHINE_GIT_ENV = {
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
  GIT_AUTHOR_NAME: undefined,
  GIT_AUTHOR_EMAIL: undefined,
  GIT_COMMITTER_NAME: undefined,
  GIT_COMMITTER_EMAIL: undefined,
  EMAIL: undefined,
};

/** The `git` helper of a temp repository: throws with stderr on a non-zero exit. */
function tempRepoGit(dir: string, env: Record<string, string>): TempRepo["git"] {
  return async (args, opts = {}) => {
    const result = await execa("git", [...args], {
      cwd: opts.cwd ?? dir,
      env: { ...MACHINE_GIT_ENV, ...env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0" },
      ...(opts.input === undefined ? { stdin: "ignore" as const } : { input: opts.input }),
      reject: false,
    });
    if (result.exitCode !== 0) {
      throw new Error(`git ${args.join(" ")} failed (${result.exitCode}): ${result.stderr}`);
    }
    return result.stdout;
  };
}

/** A real git repository in a temp dir: `git init -b main`, optional files and commits. */
export async function createTempRepo(options: TempRepoOptions = {}): Promise<TempRepo> {
  const repoDir = createTempDir("gadugi-repo-");
  const homeDir = createTempDir("gadugi-home-");
  const dir = repoDir.path;
  const env: Record<string, string> = {
    HOME: homeDir.path,
    XDG_CONFIG_HOME: join(homeDir.path, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
  };
  const withIdentity = options.identity ?? true;
  const git = tempRepoGit(dir, { ...env, ...(withIdentity ? {} : identityEnv()) });

  const commit = async (message: string, files: FileChanges = {}): Promise<string> => {
    writeFiles(dir, files);
    await git(["add", "-A"]);
    await git(["commit", "--quiet", "--allow-empty", "--file=-"], { input: message });
    return git(["rev-parse", "HEAD"]);
  };

  const repo: TempRepo = {
    dir,
    env,
    git,
    write: (files) => writeFiles(dir, files),
    read: (path) => readFileSync(join(dir, path), "utf8"),
    commit,
    cleanup: () => {
      repoDir.cleanup();
      homeDir.cleanup();
    },
  };

  try {
    await git(["init", "--quiet", "-b", options.branch ?? "main"]);
    if (withIdentity) {
      await git(["config", "user.name", TEST_IDENTITY.name]);
      await git(["config", "user.email", TEST_IDENTITY.email]);
    }
    await git(["config", "commit.gpgsign", "false"]);
    if (options.initialCommit ?? true) await commit("initial commit", options.files ?? {});
    else writeFiles(dir, options.files ?? {});
    for (const step of options.commits ?? []) await commit(step.message, step.files);
  } catch (error) {
    repo.cleanup();
    throw error;
  }
  return repo;
}
