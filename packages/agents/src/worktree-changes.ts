import { GitClient, type ProcessRunner } from "@gadugi/git";
import { cleanEnv, exactEnv } from "./prepare-invocation.js";

/** How runAgent tells whether an agent judged by its changes (aider) changed the worktree. */
export interface ChangeCheck {
  /** Whether the worktree changed since the check was created; throws when it cannot tell. */
  changed(): Promise<boolean>;
}

const GIT_TIMEOUT_MS = 30_000;

/**
 * A change check for `worktree`: the caller's `hasChanges`, else git: `git status --porcelain`
 * is not empty, or HEAD moved since now (read before the agent starts).
 */
export async function startChangeCheck(
  worktree: string,
  options: {
    runner: ProcessRunner;
    baseEnv: Readonly<Record<string, string | undefined>>;
    hasChanges?: ((worktree: string) => Promise<boolean>) | undefined;
  },
): Promise<ChangeCheck> {
  const custom = options.hasChanges;
  if (custom) return { changed: () => custom(worktree) };
  const git = new GitClient(worktree, {
    runner: options.runner,
    env: exactEnv(cleanEnv(options.baseEnv)),
    timeoutMs: GIT_TIMEOUT_MS,
  });
  const output = async (args: string[]): Promise<string | undefined> => {
    try {
      const result = await git.tryRaw(args);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    } catch {
      return undefined; // no git, or it hung: no answer
    }
  };
  const head = () => output(["rev-parse", "--verify", "-q", "HEAD"]);
  const headBefore = await head();
  return {
    async changed() {
      const status = await output(["status", "--porcelain", "--untracked-files=all"]);
      const headAfter = await head();
      if (status === undefined) throw new Error("git status failed (is the worktree a git repository?)");
      return status !== "" || headAfter !== headBefore;
    },
  };
}
