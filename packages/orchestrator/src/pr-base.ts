import type { GitClient } from "@gadugi/git";

/** The branch a pull request is opened against, or why none can be named. */
export type PrBase =
  | { branch: string; from: "branch" | "remote branch" | "default branch" }
  | { note: string };

async function line(git: GitClient, args: string[]): Promise<string | undefined> {
  const result = await git.tryRaw(args);
  if (result.exitCode !== 0) return undefined;
  return result.stdout.split("\n")[0]?.trim() || undefined;
}

/** The branch origin's HEAD names: the local `refs/remotes/origin/HEAD`, else asked of origin. */
async function defaultBranch(git: GitClient): Promise<string | undefined> {
  const local = await line(git, ["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"]);
  if (local?.startsWith("refs/remotes/origin/")) return local.slice("refs/remotes/origin/".length);
  const remote = await line(git, ["ls-remote", "--symref", "origin", "HEAD"]);
  const match = remote === undefined ? null : /^ref: refs\/heads\/(\S+)\s+HEAD$/.exec(remote);
  return match?.[1];
}

/**
 * What a pull request's base must be for a run's base ref: GitHub takes a branch name only, so a
 * local branch (`main`, `refs/heads/main`) is itself, a remote-tracking ref (`origin/main`) is the
 * branch it tracks, and anything else (a detached commit, a tag) is the repository's default
 * branch (origin's HEAD). When origin names none, there is no base, and the note says why.
 */
export async function prBaseBranch(git: GitClient, baseRef: string): Promise<PrBase> {
  const full = await line(git, ["rev-parse", "--verify", "--quiet", "--symbolic-full-name", baseRef]);
  if (full?.startsWith("refs/heads/")) return { branch: full.slice("refs/heads/".length), from: "branch" };
  const remote = full === undefined ? null : /^refs\/remotes\/[^/]+\/(.+)$/.exec(full);
  if (remote?.[1] !== undefined && remote[1] !== "HEAD") return { branch: remote[1], from: "remote branch" };
  const fallback = await defaultBranch(git);
  if (fallback !== undefined) return { branch: fallback, from: "default branch" };
  return {
    note: `not opened: the base ${baseRef} is not a branch and origin names no default branch; set baseRef to a branch to open the integration pull request`,
  };
}
