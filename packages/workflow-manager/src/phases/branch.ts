import type { Phase } from "../types.js";

/** Phase 3: the task branch, checked out in the worktree. */
export const branchCreationPhase: Phase = {
  name: "branch_creation",
  contract: "The task branch exists and is checked out in the task's worktree; its commit is recorded.",
  async run(ctx) {
    const { facts } = ctx;
    const branch = facts.branch;
    if (branch === undefined || facts.worktreePath === undefined) {
      return { status: "failed", reason: "setup recorded no worktree or branch for the task" };
    }
    const git = ctx.git();
    if (!(await git.branchExists(branch))) {
      return { status: "failed", reason: `the task branch ${branch} does not exist` };
    }
    const current = await git.currentBranch();
    if (current !== branch) {
      return {
        status: "failed",
        reason: `the worktree ${facts.worktreePath} is on ${current === undefined ? "a detached HEAD" : `branch ${current}`}, not on the task branch ${branch}`,
      };
    }
    const commit = await git.headCommit();
    const data: Record<string, unknown> = { branch, commit };
    if (facts.baseCommit !== undefined) {
      data.baseCommit = facts.baseCommit;
      data.commitsAhead = (await git.aheadBehind(commit, facts.baseCommit)).ahead;
    }
    return { status: "completed", data };
  },
};
