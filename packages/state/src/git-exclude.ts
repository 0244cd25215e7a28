import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { STATE_DIR_NAME } from "./paths.js";
import { errnoCode, ioError } from "./util.js";

export interface GitDirs {
  /** The checkout's own git dir (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** Where shared files such as `info/exclude` live (the main repository's `.git`). */
  commonDir: string;
}

async function readTrimmed(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return undefined;
    throw error;
  }
}

/**
 * Finds the git dirs of the checkout at `repoRoot` by reading `<repoRoot>/.git`: a directory, or a
 * file `gitdir: <path>` (linked worktrees, submodules) whose `commondir` leads to the shared dir.
 * Returns undefined when `repoRoot` has no `.git`.
 */
export async function resolveGitDirs(repoRoot: string): Promise<GitDirs | undefined> {
  const dotGit = join(repoRoot, ".git");
  let isDir: boolean;
  try {
    isDir = (await stat(dotGit)).isDirectory();
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw ioError("read", dotGit, error);
  }
  let gitDir = dotGit;
  if (!isDir) {
    const text = (await readTrimmed(dotGit)) ?? "";
    const match = /^gitdir:\s*(.+)$/m.exec(text);
    if (match?.[1] === undefined) return undefined;
    const target = match[1].trim();
    gitDir = isAbsolute(target) ? target : resolve(repoRoot, target);
  }
  const common = await readTrimmed(join(gitDir, "commondir"));
  const commonDir = common === undefined || common === "" ? gitDir : resolve(gitDir, common);
  return { gitDir, commonDir };
}

const PATTERN = `${STATE_DIR_NAME}/`;
const KNOWN = [STATE_DIR_NAME, PATTERN, `/${STATE_DIR_NAME}`, `/${PATTERN}`];

/** A line for `info/exclude`: `write` is added unless the file has it or one of `known` already. */
export interface GitExcludeEntry {
  write: string;
  known?: readonly string[];
}

/**
 * Adds the missing `entries` to the repository's `info/exclude` (in the common git dir, so they
 * cover every worktree), under a `# comment` line; nothing when every one is there. Returns the
 * exclude file's path, or undefined when `repoRoot` is not a git checkout.
 */
export async function addGitExcludes(
  repoRoot: string,
  comment: string,
  entries: readonly GitExcludeEntry[],
): Promise<string | undefined> {
  const dirs = await resolveGitDirs(repoRoot);
  if (dirs === undefined) return undefined;
  const file = join(dirs.commonDir, "info", "exclude");
  try {
    const current = (await readOptional(file)) ?? "";
    const lines = new Set(current.split(/\r?\n/).map((line) => line.trim()));
    const missing = entries.filter((e) => ![e.write, ...(e.known ?? [])].some((p) => lines.has(p)));
    if (missing.length === 0) return file;
    await mkdir(dirname(file), { recursive: true });
    const prefix = current === "" || current.endsWith("\n") ? current : `${current}\n`;
    await writeFileAtomic(file, `${prefix}# ${comment}\n${missing.map((e) => e.write).join("\n")}\n`);
  } catch (error) {
    throw ioError("update", file, error);
  }
  return file;
}

/**
 * Adds `.gadugi/` to the repository's `info/exclude` (in the common git dir, so it covers every
 * worktree) unless it is already there. Returns the exclude file's path, or undefined when
 * `repoRoot` is not a git checkout.
 */
export function ensureGitExclude(repoRoot: string): Promise<string | undefined> {
  return addGitExcludes(repoRoot, "Gadugi run state (never committed)", [{ write: PATTERN, known: KNOWN }]);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
}
