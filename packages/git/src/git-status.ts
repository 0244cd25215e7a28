import { assertRef, type GitCaller } from "./git-call.js";
import { type DiffStat, parseNumstatZ, parseStatusZ, type StatusEntry, splitZ } from "./parse.js";

// The working tree and the index: tracked files and their blob ids, status, diffs, commits.

export async function lsFiles(git: GitCaller): Promise<string[]> {
  return splitZ(await git.raw(["ls-files", "-z"]));
}

export async function blobIds(git: GitCaller, paths?: readonly string[]): Promise<Map<string, string>> {
  const args = ["ls-files", "-s", "-z"];
  if (paths) {
    if (paths.length === 0) return new Map();
    args.push("--", ...paths);
  }
  const ids = new Map<string, string>();
  for (const entry of splitZ(await git.raw(args))) {
    // "<mode> <sha> <stage>\t<path>"
    const tab = entry.indexOf("\t");
    const [, sha, stage] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    if (sha && (stage === "0" || !ids.has(path))) ids.set(path, sha);
  }
  return ids;
}

export async function hashFiles(git: GitCaller, paths: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (paths.length === 0) return ids;
  const out = await git.raw(["hash-object", "--stdin-paths"], { input: `${paths.join("\n")}\n` });
  const shas = out.split("\n").filter((line) => line !== "");
  paths.forEach((path, i) => {
    const sha = shas[i];
    if (sha) ids.set(path, sha);
  });
  return ids;
}

export async function status(
  git: GitCaller,
  untracked: "all" | "normal" | "no" = "all",
): Promise<StatusEntry[]> {
  const out = await git.raw(["status", "--porcelain=v1", "-z", `--untracked-files=${untracked}`], {
    env: { GIT_OPTIONAL_LOCKS: "0" },
  });
  return parseStatusZ(out);
}

export async function commit(
  git: GitCaller,
  message: string,
  options: { allowEmpty?: boolean; noVerify?: boolean },
): Promise<void> {
  const args = ["commit", "--quiet", "--file=-"];
  if (options.allowEmpty) args.push("--allow-empty");
  if (options.noVerify) args.push("--no-verify");
  await git.raw(args, { input: message });
}

function range(from: string, to: string | undefined): string[] {
  assertRef("from", from);
  if (to === undefined) return [from];
  assertRef("to", to);
  return [from, to];
}

export async function diffNameOnly(git: GitCaller, from: string, to?: string): Promise<string[]> {
  return splitZ(await git.raw(["diff", "--name-only", "-z", "--no-renames", ...range(from, to), "--"]));
}

export async function diffStat(git: GitCaller, from: string, to?: string): Promise<DiffStat> {
  return parseNumstatZ(await git.raw(["diff", "--numstat", "-z", ...range(from, to), "--"]));
}
