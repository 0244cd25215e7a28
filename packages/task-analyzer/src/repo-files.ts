import { directoriesOf } from "./paths.js";

/** What target extraction and conflict detection know about the repository. */
export interface RepoFiles {
  root: string;
  /** Tracked files, repository-relative, in git's order. */
  list: readonly string[];
  set: ReadonlySet<string>;
  /** Every directory holding a tracked file. */
  dirs: ReadonlySet<string>;
  /** basename → tracked paths with it. */
  byBasename: ReadonlyMap<string, readonly string[]>;
}

/** The repository's tracked files with the lookups target extraction needs (built on first use). */
export function repoFiles(root: string, tracked: readonly string[]): RepoFiles {
  let dirs: Set<string> | undefined;
  let byBasename: Map<string, string[]> | undefined;
  let set: Set<string> | undefined;
  return {
    root,
    list: tracked,
    get set() {
      set ??= new Set(tracked);
      return set;
    },
    get dirs() {
      dirs ??= directoriesOf(tracked);
      return dirs;
    },
    get byBasename() {
      if (!byBasename) {
        byBasename = new Map<string, string[]>();
        for (const file of tracked) {
          const base = file.slice(file.lastIndexOf("/") + 1);
          const list = byBasename.get(base);
          if (list) list.push(file);
          else byBasename.set(base, [file]);
        }
      }
      return byBasename;
    },
  };
}
