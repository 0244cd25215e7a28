import { resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { assertRef, type GitCaller } from "./git-call.js";
import { parseWorktreeListZ, type WorktreeInfo } from "./parse.js";

// `git worktree`: add, remove, list, prune.

export interface WorktreeAddOptions {
  base?: string;
  createBranch?: boolean;
  checkout?: boolean;
}

export async function worktreeAdd(
  git: GitCaller,
  path: string,
  branch: string,
  options: WorktreeAddOptions,
): Promise<string> {
  assertRef("branch", branch);
  const target = resolve(git.cwd, path);
  const args = ["worktree", "add"];
  if (options.checkout === false) args.push("--no-checkout");
  if (options.createBranch) {
    const base = options.base ?? "HEAD";
    assertRef("base", base);
    args.push("-b", branch, "--", target, base);
  } else {
    args.push("--", target, branch);
  }
  const result = await git.tryRaw(args);
  if (result.exitCode === 0) return target;
  if (/a branch named .* already exists/.test(result.stderr)) {
    throw new GadugiError("GADUGI_BRANCH_EXISTS", { branch });
  }
  if (/already exists/.test(result.stderr)) throw new GadugiError("GADUGI_WORKTREE_EXISTS", { path: target });
  throw git.failure(result);
}

export async function worktreeRemove(git: GitCaller, path: string, force: boolean): Promise<void> {
  const args = ["worktree", "remove"];
  if (force) args.push("--force");
  args.push("--", resolve(git.cwd, path));
  await git.raw(args);
}

export async function worktreeList(git: GitCaller): Promise<WorktreeInfo[]> {
  return parseWorktreeListZ(await git.raw(["worktree", "list", "--porcelain", "-z"]));
}
