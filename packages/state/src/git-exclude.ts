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
const KNOWN = new Set([STATE_DIR_NAME, PATTERN, `/${STATE_DIR_NAME}`, `/${PATTERN}`]);

/**
 * Adds `.gadugi/` to the repository's `info/exclude` (in the common git dir, so it covers every
 * worktree) unless it is already there. Returns the exclude file's path, or undefined when
 * `repoRoot` is not a git checkout.
 */
export async function ensureGitExclude(repoRoot: string): Promise<string | undefined> {
  const dirs = await resolveGitDirs(repoRoot);
  if (dirs === undefined) return undefined;
  const file = join(dirs.commonDir, "info", "exclude");
  try {
    const current = (await readOptional(file)) ?? "";
    if (current.split(/\r?\n/).some((line) => KNOWN.has(line.trim()))) return file;
    await mkdir(dirname(file), { recursive: true });
    const prefix = current === "" || current.endsWith("\n") ? current : `${current}\n`;
    await writeFileAtomic(file, `${prefix}# Gadugi run state (never committed)\n${PATTERN}\n`);
  } catch (error) {
    throw ioError("update", file, error);
  }
  return file;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
}
