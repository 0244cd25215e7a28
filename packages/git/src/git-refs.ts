import { GadugiError } from "@gadugi/error-handling";
import { assertRef, firstLine, type GitCaller } from "./git-call.js";

// Refs, branches, config and remotes: what GitClient's methods of the same names do.

export interface AheadBehind {
  /** Commits reachable from the first ref and not from the second. */
  ahead: number;
  /** Commits reachable from the second ref and not from the first. */
  behind: number;
}

export interface PushOptions {
  setUpstream?: boolean;
  forceWithLease?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function currentBranch(git: GitCaller): Promise<string | undefined> {
  const result = await git.tryRaw(["symbolic-ref", "--quiet", "--short", "HEAD"]);
  if (result.exitCode === 0) return firstLine(result.stdout);
  if (result.exitCode === 1) return undefined;
  throw git.failure(result);
}

export async function revParse(git: GitCaller, ref: string): Promise<string> {
  assertRef("ref", ref);
  return git.text(["rev-parse", "--verify", "--end-of-options", ref]);
}

export async function resolveCommit(git: GitCaller, ref: string): Promise<string | undefined> {
  assertRef("ref", ref);
  const result = await git.tryRaw([
    "rev-parse",
    "--verify",
    "--quiet",
    "--end-of-options",
    `${ref}^{commit}`,
  ]);
  return result.exitCode === 0 ? firstLine(result.stdout) : undefined;
}

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * The commits several refs point to, in one `git rev-parse` (no `--verify`: it takes one ref).
 * The trailing `--` makes git read every argument as a revision, never a path. When any of them
 * names no commit git fails the whole call; then each is asked on its own, so a missing one is
 * `undefined` exactly as `resolveCommit` says.
 */
export async function resolveCommits(
  git: GitCaller,
  refs: readonly string[],
): Promise<(string | undefined)[]> {
  for (const ref of refs) assertRef("ref", ref);
  if (refs.length === 0) return [];
  if (refs.length > 1) {
    const result = await git.tryRaw(["rev-parse", ...refs.map((ref) => `${ref}^{commit}`), "--"]);
    const lines = result.stdout.split("\n").filter((line) => line !== "" && line !== "--");
    if (result.exitCode === 0 && lines.length === refs.length && lines.every((l) => OBJECT_ID.test(l))) {
      return lines;
    }
  }
  const resolved: (string | undefined)[] = [];
  for (const ref of refs) resolved.push(await resolveCommit(git, ref));
  return resolved;
}

/** HEAD's commit and branch, as `headState` says. */
export interface HeadState {
  /** The commit HEAD points to; undefined on an unborn branch. */
  commit: string | undefined;
  /** The checked-out branch (short name); undefined when HEAD is detached. */
  branch: string | undefined;
}

/**
 * HEAD's commit and checked-out branch in one git call (`rev-parse HEAD --symbolic-full-name
 * HEAD`) instead of `rev-parse` + `symbolic-ref`. On an unborn branch (the call fails) the two
 * are asked apart, so the answer is the same as `headCommit`'s and `currentBranch`'s.
 */
export async function headState(git: GitCaller): Promise<HeadState> {
  const result = await git.tryRaw(["rev-parse", "HEAD", "--symbolic-full-name", "HEAD", "--"]);
  const [commit = "", name = ""] = result.stdout.split("\n");
  if (result.exitCode === 0 && OBJECT_ID.test(commit) && name !== "") {
    return { commit, branch: name.startsWith("refs/heads/") ? name.slice("refs/heads/".length) : undefined };
  }
  const branch = await currentBranch(git);
  const head = await git.tryRaw(["rev-parse", "--verify", "--quiet", "--end-of-options", "HEAD"]);
  return { commit: head.exitCode === 0 ? firstLine(head.stdout) : undefined, branch };
}

export async function configGet(git: GitCaller, key: string): Promise<string | undefined> {
  const result = await git.tryRaw(["config", "--get", key]);
  if (result.exitCode === 0) return result.stdout.replace(/\r?\n$/, "");
  if (result.exitCode === 1) return undefined;
  throw git.failure(result);
}

export async function branchExists(git: GitCaller, name: string): Promise<boolean> {
  const result = await git.tryRaw(["show-ref", "--verify", "--quiet", `refs/heads/${name}`]);
  return result.exitCode === 0;
}

export async function createBranch(git: GitCaller, name: string, startPoint: string): Promise<void> {
  assertRef("branch", name);
  assertRef("startPoint", startPoint);
  const result = await git.tryRaw(["branch", "--no-track", name, startPoint]);
  if (result.exitCode === 0) return;
  if (/already exists/.test(result.stderr)) throw new GadugiError("GADUGI_BRANCH_EXISTS", { branch: name });
  throw git.failure(result);
}

export async function deleteBranch(git: GitCaller, name: string, force: boolean): Promise<void> {
  assertRef("branch", name);
  await git.raw(["branch", force ? "-D" : "-d", name]);
}

export async function listBranches(git: GitCaller, pattern?: string): Promise<string[]> {
  const out = await git.raw(["for-each-ref", "--format=%(refname)", `refs/heads/${pattern ?? ""}`]);
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((ref) => ref.replace(/^refs\/heads\//, ""));
}

export async function isValidBranchName(git: GitCaller, name: string): Promise<boolean> {
  if (name === "" || name.startsWith("-")) return false;
  const result = await git.tryRaw(["check-ref-format", "--branch", name]);
  return result.exitCode === 0;
}

export async function updateRef(
  git: GitCaller,
  ref: string,
  value: string,
  options: { oldValue?: string; message?: string },
): Promise<void> {
  assertRef("ref", ref);
  assertRef("value", value);
  const args = ["update-ref", "-m", options.message ?? "gadugi", ref, value];
  if (options.oldValue !== undefined) args.push(options.oldValue);
  await git.raw(args);
}

export async function aheadBehind(git: GitCaller, a: string, b: string): Promise<AheadBehind> {
  assertRef("a", a);
  assertRef("b", b);
  const out = await git.text(["rev-list", "--left-right", "--count", `${a}...${b}`, "--"]);
  const [ahead = 0, behind = 0] = out.split(/\s+/).map(Number);
  return { ahead, behind };
}

export async function mergeBase(git: GitCaller, a: string, b: string): Promise<string | undefined> {
  assertRef("a", a);
  assertRef("b", b);
  const result = await git.tryRaw(["merge-base", a, b]);
  if (result.exitCode === 0) return firstLine(result.stdout);
  if (result.exitCode === 1) return undefined;
  throw git.failure(result);
}

export async function isAncestor(git: GitCaller, ancestor: string, descendant: string): Promise<boolean> {
  assertRef("ancestor", ancestor);
  assertRef("descendant", descendant);
  const result = await git.tryRaw(["merge-base", "--is-ancestor", ancestor, descendant]);
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  throw git.failure(result);
}

export async function remoteUrl(git: GitCaller, name: string): Promise<string | undefined> {
  const result = await git.tryRaw(["remote", "get-url", name]);
  if (result.exitCode === 0) return firstLine(result.stdout);
  if (/No such remote/i.test(result.stderr)) return undefined;
  throw git.failure(result);
}

export async function push(
  git: GitCaller,
  remote: string,
  branch: string,
  options: PushOptions,
): Promise<void> {
  assertRef("remote", remote);
  assertRef("branch", branch);
  const args = ["push"];
  if (options.setUpstream) args.push("--set-upstream");
  if (options.forceWithLease) args.push("--force-with-lease");
  args.push(remote, `refs/heads/${branch}:refs/heads/${branch}`);
  await git.raw(args, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}
