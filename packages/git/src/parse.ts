// Parsers for git's machine-readable (-z) output. Pure functions, tested without git.

export interface StatusEntry {
  path: string;
  /** The source path of a rename or copy. */
  origPath?: string;
  /** Status letter in the index (X of porcelain v1), e.g. "M", "A", "D", "R", "?", " ". */
  index: string;
  /** Status letter in the working tree (Y of porcelain v1). */
  worktree: string;
  untracked: boolean;
  ignored: boolean;
  conflicted: boolean;
}

const CONFLICT_CODES = new Set(["DD", "AU", "UD", "UA", "DU", "AA", "UU"]);

/** `git status --porcelain=v1 -z`. */
export function parseStatusZ(output: string): StatusEntry[] {
  const tokens = output.split("\0");
  const entries: StatusEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.length < 4) continue;
    const index = token[0]!;
    const worktree = token[1]!;
    const entry: StatusEntry = {
      path: token.slice(3),
      index,
      worktree,
      untracked: index === "?",
      ignored: index === "!",
      conflicted: CONFLICT_CODES.has(index + worktree),
    };
    if ("RC".includes(index) || "RC".includes(worktree)) {
      const orig = tokens[++i];
      if (orig) entry.origPath = orig;
    }
    entries.push(entry);
  }
  return entries;
}

export interface WorktreeInfo {
  path: string;
  /** Commit checked out; absent in a bare entry. */
  head?: string;
  /** Short branch name (without refs/heads/); absent when detached or bare. */
  branch?: string;
  detached: boolean;
  bare: boolean;
  locked: boolean;
  lockedReason?: string;
  prunable: boolean;
  prunableReason?: string;
}

/** `git worktree list --porcelain -z`. */
export function parseWorktreeListZ(output: string): WorktreeInfo[] {
  const worktrees: WorktreeInfo[] = [];
  let current: WorktreeInfo | undefined;
  for (const line of output.split("\0")) {
    if (line === "") {
      current = undefined;
      continue;
    }
    const space = line.indexOf(" ");
    const key = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? undefined : line.slice(space + 1);
    if (key === "worktree") {
      current = { path: value ?? "", detached: false, bare: false, locked: false, prunable: false };
      worktrees.push(current);
      continue;
    }
    if (!current) continue;
    if (key === "HEAD" && value) current.head = value;
    else if (key === "branch" && value) current.branch = value.replace(/^refs\/heads\//, "");
    else if (key === "detached") current.detached = true;
    else if (key === "bare") current.bare = true;
    else if (key === "locked") {
      current.locked = true;
      if (value) current.lockedReason = value;
    } else if (key === "prunable") {
      current.prunable = true;
      if (value) current.prunableReason = value;
    }
  }
  return worktrees;
}

export interface MergeMessage {
  paths: string[];
  /** e.g. "Auto-merging", "CONFLICT (contents)", "CONFLICT (modify/delete)". */
  type: string;
  message: string;
}

export interface MergeTreeResult {
  clean: boolean;
  /** The merged tree; on conflict it holds the files with conflict markers. */
  tree: string;
  conflictFiles: string[];
  messages: MergeMessage[];
}

/** `git merge-tree --write-tree --name-only --messages -z`, given its exit code (0 clean, 1 conflicts). */
export function parseMergeTreeZ(output: string, exitCode: number): MergeTreeResult {
  const tokens = output.split("\0");
  const tree = (tokens[0] ?? "").trim();
  let i = 1;
  const conflictFiles: string[] = [];
  for (; i < tokens.length && tokens[i] !== ""; i++) {
    const file = tokens[i]!;
    if (!conflictFiles.includes(file)) conflictFiles.push(file);
  }
  i++;
  const messages: MergeMessage[] = [];
  while (i < tokens.length && tokens[i] !== "") {
    const count = Number(tokens[i++]);
    if (!Number.isInteger(count) || count < 0) break;
    const paths = tokens.slice(i, i + count);
    i += count;
    const type = tokens[i++] ?? "";
    const message = (tokens[i++] ?? "").trimEnd();
    messages.push({ paths, type, message });
  }
  return { clean: exitCode === 0, tree, conflictFiles, messages };
}

export interface DiffStatFile {
  path: string;
  /** The source path of a rename. */
  oldPath?: string;
  insertions: number;
  deletions: number;
  binary: boolean;
}

export interface DiffStat {
  files: DiffStatFile[];
  filesChanged: number;
  insertions: number;
  deletions: number;
}

/** `git diff --numstat -z`. */
export function parseNumstatZ(output: string): DiffStat {
  const tokens = output.split("\0");
  const files: DiffStatFile[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "") continue;
    const [added = "", deleted = "", path = ""] = token.split("\t");
    const binary = added === "-" && deleted === "-";
    const file: DiffStatFile = {
      path,
      insertions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary,
    };
    if (path === "") {
      // A rename: "added\tdeleted\t\0from\0to".
      file.oldPath = tokens[++i] ?? "";
      file.path = tokens[++i] ?? "";
    }
    files.push(file);
  }
  return {
    files,
    filesChanged: files.length,
    insertions: files.reduce((sum, f) => sum + f.insertions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
  };
}

/** Splits NUL-separated output, dropping the empty tail. */
export function splitZ(output: string): string[] {
  return output.split("\0").filter((part) => part !== "");
}

export interface GitRemote {
  host: string;
  /** Explicit port of an http(s) or ssh:// URL. */
  port?: number;
  /** Everything between the host and the repository name (a GitLab group path keeps its slashes). */
  owner: string;
  /** Repository name without `.git`. */
  repo: string;
}

/**
 * Owner and repository of a remote URL: `https://github.com/o/r.git`, `git@github.com:o/r.git`,
 * `ssh://git@github.com:22/o/r`, `git://host/o/r`. Undefined when the URL names no owner/repo.
 */
export function parseGitRemoteUrl(url: string): GitRemote | undefined {
  const text = url.trim();
  let host: string;
  let port: number | undefined;
  let path: string;
  const withScheme = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:]+)(?::(\d*))?(\/.*)?$/i.exec(
    text,
  );
  if (withScheme) {
    const scheme = withScheme[1]!.toLowerCase();
    if (scheme === "file") return undefined;
    host = withScheme[2]!;
    if (withScheme[3]) port = Number(withScheme[3]);
    path = withScheme[4] ?? "";
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return undefined;
  } else {
    // scp-like: [user@]host:path (a colon before any slash).
    const scp = /^(?:[^@/]+@)?([^/:]+):(.+)$/.exec(text);
    if (!scp) return undefined;
    host = scp[1]!;
    path = scp[2]!;
  }
  const segments = path
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter((s) => s !== "");
  if (segments.length < 2) return undefined;
  const repo = segments.pop()!;
  const remote: GitRemote = { host: host.toLowerCase(), owner: segments.join("/"), repo };
  if (port !== undefined) remote.port = port;
  return remote;
}
