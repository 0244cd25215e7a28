import { GadugiError } from "@gadugi/error-handling";
import { assertRef, type GitCaller } from "./git-call.js";
import { revParse } from "./git-refs.js";
import { gitVersion } from "./git-version.js";
import { type MergeTreeResult, parseMergeTreeZ, splitZ } from "./parse.js";

// Merging: in memory (`merge-tree --write-tree`, then `commit-tree`), or `git merge` in a worktree.

export interface MergeResult {
  clean: boolean;
  /** HEAD after a clean merge. */
  commit?: string;
  /** Nothing to merge: the branch was already contained in HEAD. */
  upToDate: boolean;
  conflictFiles: string[];
}

export interface MergeOptions {
  noFf?: boolean;
  ffOnly?: boolean;
  message?: string;
  abortOnConflict?: boolean;
}

/** `--merge-base=<base>` arrived in git 2.40: GADUGI_INVALID_ARGUMENT on an older git. */
async function mergeBaseArg(git: GitCaller, base: string): Promise<string> {
  assertRef("base", base);
  const version = await gitVersion({ ...(git.runner ? { runner: git.runner } : {}), env: git.env });
  if (version.major < 2 || (version.major === 2 && version.minor < 40)) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "mergeTree base",
      value: base,
      expected: `no explicit merge base with git ${version.major}.${version.minor} (needs git >= 2.40)`,
    });
  }
  return `--merge-base=${base}`;
}

export async function mergeTree(
  git: GitCaller,
  base: string | undefined,
  ours: string,
  theirs: string,
): Promise<MergeTreeResult> {
  assertRef("ours", ours);
  assertRef("theirs", theirs);
  const args = ["merge-tree", "--write-tree", "--name-only", "--messages", "-z"];
  if (base !== undefined) args.push(await mergeBaseArg(git, base));
  args.push(ours, theirs);
  const result = await git.tryRaw(args);
  if (result.exitCode !== 0 && result.exitCode !== 1) throw git.failure(result);
  return parseMergeTreeZ(result.stdout, result.exitCode);
}

export async function commitTree(
  git: GitCaller,
  tree: string,
  parents: readonly string[],
  message: string,
): Promise<string> {
  assertRef("tree", tree);
  const args = ["commit-tree", tree];
  for (const parent of parents) {
    assertRef("parent", parent);
    args.push("-p", parent);
  }
  return git.text(args, { input: message });
}

export async function merge(git: GitCaller, branch: string, options: MergeOptions): Promise<MergeResult> {
  assertRef("branch", branch);
  const args = ["merge", "--no-edit"];
  if (options.noFf) args.push("--no-ff");
  if (options.ffOnly) args.push("--ff-only");
  if (options.message !== undefined) args.push("-m", options.message);
  args.push(branch);
  const result = await git.tryRaw(args);
  if (result.exitCode === 0) {
    return {
      clean: true,
      commit: await revParse(git, "HEAD"),
      upToDate: /Already up to date/i.test(result.stdout),
      conflictFiles: [],
    };
  }
  const conflictFiles = splitZ(await git.raw(["diff", "--name-only", "-z", "--diff-filter=U"]));
  if (conflictFiles.length === 0) throw git.failure(result);
  if (options.abortOnConflict !== false) await git.raw(["merge", "--abort"]);
  return { clean: false, upToDate: false, conflictFiles };
}
