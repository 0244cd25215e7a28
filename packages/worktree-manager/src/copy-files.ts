import { existsSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import path from "node:path";
import type { ProcessRunner } from "@gadugi/git";

/** The file in the repository root listing ignored files to copy into each worktree. */
export const WORKTREE_INCLUDE_FILE = ".worktreeinclude";

export interface CopyFilesOptions {
  /** The main checkout: where the untracked files live. */
  repoRoot: string;
  /** Destination worktree. */
  worktree: string;
  /** Extra gitignore-style patterns (GadugiConfig.setup.copyFiles): any untracked file matching is copied. */
  patterns?: readonly string[];
  /** Read `.worktreeinclude` from the repository root (default true). */
  useIncludeFile?: boolean;
  /** Relative directories never copied from (the worktrees' own directory, `.gadugi`). */
  excludeDirs?: readonly string[];
  runner: ProcessRunner;
}

/**
 * Untracked files of the main checkout selected for copying, as repository-relative POSIX paths.
 *
 * Matching is git's own (gitignore syntax, `!` negation, anchoring with `/`): configured patterns
 * select any untracked file; `.worktreeinclude` patterns select only files that are also
 * git-ignored, the way Claude Code reads that file. Tracked files are never selected.
 */
/**
 * Whether `copyUntrackedFiles` can copy anything at all: only with patterns or a
 * `.worktreeinclude` in the repository root (without both it copies nothing).
 */
export function mayCopyUntracked(
  repoRoot: string,
  patterns: readonly string[],
  useIncludeFile = true,
): boolean {
  return (
    patterns.some((p) => p.trim() !== "") ||
    (useIncludeFile && existsSync(path.join(repoRoot, WORKTREE_INCLUDE_FILE)))
  );
}

export async function listFilesToCopy(options: CopyFilesOptions): Promise<string[]> {
  const { repoRoot, runner } = options;
  const patterns = (options.patterns ?? []).filter((p) => p.trim() !== "");
  const includeFile = path.join(repoRoot, WORKTREE_INCLUDE_FILE);
  const useInclude = (options.useIncludeFile ?? true) && existsSync(includeFile);
  const selected = new Set<string>();
  const lsOthers = async (extra: string[]): Promise<string[]> => {
    const { stdout } = await runner.run("git", ["ls-files", "-z", "--others", "--ignored", ...extra], {
      cwd: repoRoot,
    });
    return stdout.split("\0").filter((p) => p !== "");
  };
  if (patterns.length > 0) {
    for (const file of await lsOthers(patterns.flatMap((p) => ["-x", p]))) selected.add(file);
  }
  if (useInclude) {
    const candidates = (await lsOthers([`--exclude-from=${includeFile}`])).filter((f) => !selected.has(f));
    if (candidates.length > 0) {
      // `check-ignore` exits 1 when none of its inputs is ignored; that is an answer, not a failure.
      const { stdout } = await runner.run("git", ["check-ignore", "-z", "--stdin"], {
        cwd: repoRoot,
        input: `${candidates.join("\0")}\0`,
        reject: false,
      });
      for (const file of stdout.split("\0")) if (file !== "") selected.add(file);
    }
  }
  const excluded = (options.excludeDirs ?? []).map((d) => `${d.replace(/\/+$/, "")}/`);
  return [...selected].filter((f) => !excluded.some((d) => f.startsWith(d))).sort();
}

/**
 * Copies the files `listFilesToCopy` selects from the main checkout into the worktree, keeping
 * modes, timestamps and symlinks; a file that already exists in the worktree is left as it is.
 * Returns the copied paths.
 */
export async function copyUntrackedFiles(options: CopyFilesOptions): Promise<string[]> {
  const files = await listFilesToCopy(options);
  const copied: string[] = [];
  for (const file of files) {
    const from = path.join(options.repoRoot, file);
    const to = path.join(options.worktree, file);
    if (existsSync(to)) continue;
    await mkdir(path.dirname(to), { recursive: true });
    await cp(from, to, {
      preserveTimestamps: true,
      verbatimSymlinks: true,
      force: false,
      errorOnExist: false,
    });
    copied.push(file);
  }
  return copied;
}
