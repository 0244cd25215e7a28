import { isAbsolute, posix, relative, sep } from "node:path";
import picomatch from "picomatch";

/** Backslashes to slashes. */
export function toPosix(path: string): string {
  return sep === "\\" ? path.replace(/\\/g, "/") : path;
}

/**
 * A path written in a prompt, as a repository-relative POSIX path: `./` and `..` segments folded,
 * leading dots of names kept (`.claude/x.py` stays `.claude/x.py`), a trailing slash kept for
 * directories. `undefined` when it escapes the repository (`../x`, an absolute path elsewhere).
 */
export function normalizeRepoPath(path: string, repoRoot: string): string | undefined {
  let p = toPosix(path.trim());
  if (p === "") return undefined;
  const trailingSlash = p.endsWith("/");
  if (isAbsolute(p)) {
    const rel = toPosix(relative(repoRoot, p));
    if (rel === "" || rel.startsWith("../") || rel === ".." || isAbsolute(rel)) return undefined;
    p = rel;
  }
  const normalized = posix.normalize(p);
  if (normalized === ".." || normalized.startsWith("../")) return undefined;
  if (normalized === "." || normalized === "./") return undefined;
  const clean = normalized.replace(/^\.\//, "").replace(/\/+$/, "");
  return trailingSlash ? `${clean}/` : clean;
}

/** Every directory holding one of `files` (repository-relative POSIX paths), parents included. */
export function directoriesOf(files: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const file of files) {
    for (let slash = file.lastIndexOf("/"); slash > 0; slash = file.lastIndexOf("/", slash - 1)) {
      const dir = file.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return dirs;
}

export function isGlob(path: string): boolean {
  return /[*?[\]{}]/.test(path);
}

/**
 * A glob (`*`, `**`, `?`, `[...]`, `{a,b}`) as an anchored regular expression over POSIX paths,
 * by picomatch; `*` and `?` never cross a `/`, and dotfiles match like any other file.
 */
export function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(glob, { dot: true });
}

/**
 * The tracked files a target path covers: itself, everything under a directory (`dir/` or a
 * tracked directory named without the slash), or the matches of a glob.
 */
export function expandTarget(
  path: string,
  tracked: ReadonlySet<string>,
  trackedList: readonly string[],
): string[] {
  if (isGlob(path)) {
    const re = globToRegExp(path);
    return trackedList.filter((file) => re.test(file));
  }
  if (tracked.has(path)) return [path];
  const prefix = path.endsWith("/") ? path : `${path}/`;
  return trackedList.filter((file) => file.startsWith(prefix));
}

/** Whether two target paths (files, `dir/` or globs) can name the same file. */
export function targetsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (outer: string, inner: string): boolean => {
    if (isGlob(outer)) return !isGlob(inner) && globToRegExp(outer).test(inner);
    if (outer.endsWith("/")) return inner.startsWith(outer);
    return false;
  };
  return covers(a, b) || covers(b, a);
}
