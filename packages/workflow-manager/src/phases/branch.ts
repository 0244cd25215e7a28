import type { Phase } from "../types.js";
import { checkBranchStart } from "./branch-check.js";

/** Phase 3: the task branch, checked out in the worktree, verified to start where the plan said. */
export const branchCreationPhase: Phase = {
  name: "branch_creation",
  contract:
    "The task branch exists, is checked out in the task's worktree and starts at the commit the plan said (the run's base commit, the integration tip for a task that waits for others, a resumed task's earlier start), holding no commit that is not the task's own; its start point, head and the verification are recorded.",
  async run(ctx) {
    const { facts } = ctx;
    const branch = facts.branch;
    if (branch === undefined || facts.worktreePath === undefined) {
      return { status: "failed", reason: "setup recorded no worktree or branch for the task" };
    }
    const git = ctx.git();
    // One call for HEAD's branch and commit. HEAD on the task branch at a commit proves the
    // branch exists; only otherwise is the branch looked up, to say which of the two is wrong.
    const headNow = await git.headState();
    const onBranch = headNow.branch === branch && headNow.commit !== undefined;
    if (!onBranch && !(await git.branchExists(branch))) {
      return { status: "failed", reason: `the task branch ${branch} does not exist` };
    }
    const current = headNow.branch;
    if (current !== branch) {
      return {
        status: "failed",
        reason: `the worktree ${facts.worktreePath} is on ${current === undefined ? "a detached HEAD" : `branch ${current}`}, not on the task branch ${branch}`,
      };
    }
    const commit = headNow.commit ?? (await git.headCommit());
    const check = await checkBranchStart(ctx, git, commit);
    const data: Record<string, unknown> = {
      branch,
      commit,
      head: commit,
      startPoint: check.startPoint,
      plannedStartPoint: check.plannedStartPoint,
      verified: check.verified,
      commitsAhead: check.ownCommits.length,
    };
    if (facts.baseCommit !== undefined) data.baseCommit = facts.baseCommit;
    if (check.ownCommits.length > 0) data.ownCommits = check.ownCommits.slice(0, 20);
    if (!check.verified) {
      return {
        status: "failed",
        reason: check.reason ?? `${branch} does not start where the plan said`,
        data,
      };
    }
    return { status: "completed", data };
  },
};
