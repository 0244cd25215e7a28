import type { GitClient } from "@gadugi/git";
import type { PhaseContext } from "../types.js";

/** What the branch phase found of where the task branch starts. */
export interface StartCheck {
  /** The commit the branch must start at (what the plan said; a resumed task's earlier start). */
  startPoint: string;
  /** The plan's start point now (`ctx.startPoint` resolved); differs on a resume when the integration tip moved. */
  plannedStartPoint: string;
  head: string;
  /** Commits on the branch not on its start point that are the task's own (a resumed task's earlier work). */
  ownCommits: string[];
  verified: boolean;
  /** Why the branch does not start where it should. */
  reason?: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/i;
const short = (commit: string) => commit.slice(0, 12);

/** Commits in `from..to` with their committer time (epoch s), newest first. */
async function commitsBetween(git: GitClient, from: string, to: string) {
  const out = await git.raw(["log", "--format=%H %ct", `${from}..${to}`, "--"]);
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [commit = "", time = "0"] = line.trim().split(" ");
      return { commit, time: Number(time) };
    });
}

/** The task continues an earlier attempt: resumed, or setup took up its existing worktree. */
function takenUp(ctx: PhaseContext): boolean {
  return ctx.resumed || ctx.record("setup")?.data.resumedWorktree === true;
}

/**
 * Where the task branch must start: setup's recorded base commit, which must be the plan's start
 * point (`ctx.startPoint`: the run's base commit, the integration tip for a task that waits for
 * others, a restart's start point), or for a resumed task (or a start point named by a branch)
 * an ancestor of it: the integration tip has moved on since the earlier attempt was set up.
 */
async function expectedStart(
  ctx: PhaseContext,
  git: GitClient,
  head: string,
): Promise<{ start: string; planned: string } | { reason: string; planned?: string }> {
  // A start point that is HEAD's own full commit id resolves to itself: HEAD was just read as
  // that commit, so git has it, and a commit id names the same commit forever.
  const planned =
    FULL_SHA.test(ctx.startPoint) && ctx.startPoint.toLowerCase() === head
      ? head
      : await git.resolveCommit(ctx.startPoint);
  if (planned === undefined) return { reason: `the plan's start point ${ctx.startPoint} is not a commit` };
  const recorded = ctx.facts.baseCommit ?? planned;
  if (recorded === planned) return { start: recorded, planned };
  // The integration tip only moves forward, and a branch name may have moved on since setup: an
  // earlier start of a resumed task, or of a start point named by a branch, is on the plan's line.
  const movedOn = takenUp(ctx) || !FULL_SHA.test(ctx.startPoint);
  if (movedOn && (await git.isAncestor(recorded, planned))) return { start: recorded, planned };
  return {
    reason: `the task branch was set up from ${short(recorded)}, but the plan said it starts at ${ctx.startPoint} (${short(planned)})`,
    planned,
  };
}

/**
 * Checks that the task branch starts where the plan said and holds no foreign commits: at branch
 * time HEAD is the start point, except on a resume, where commits the task made after its setup
 * began (its own earlier work) may be on it; anything else on it is foreign.
 */
export async function checkBranchStart(ctx: PhaseContext, git: GitClient, head: string): Promise<StartCheck> {
  const expected = await expectedStart(ctx, git, head);
  const planned = "planned" in expected ? (expected.planned ?? "") : "";
  if ("reason" in expected) {
    return {
      startPoint: planned,
      plannedStartPoint: planned,
      head,
      ownCommits: [],
      verified: false,
      reason: expected.reason,
    };
  }
  const { start } = expected;
  const check: StartCheck = {
    startPoint: start,
    plannedStartPoint: planned,
    head,
    ownCommits: [],
    verified: false,
  };
  const branch = ctx.facts.branch ?? "the task branch";
  if (head !== start && !(await git.isAncestor(start, head))) {
    check.reason = `${branch} (${short(head)}) does not start at ${short(start)}: that commit is not in its history`;
    return check;
  }
  // `start..start` is empty: nothing to ask git when the branch has no commits yet.
  const commits = head === start ? [] : await commitsBetween(git, start, head);
  const setupStarted = ctx.record("setup")?.startedAt;
  const since =
    takenUp(ctx) && setupStarted !== undefined ? Math.floor(Date.parse(setupStarted) / 1000) : Infinity;
  const foreign = commits.filter((c) => c.time < since).map((c) => c.commit);
  check.ownCommits = commits.filter((c) => c.time >= since).map((c) => c.commit);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).map(short).join(", ");
    check.reason = `${branch} holds ${foreign.length} commit(s) that are not on its start point ${short(start)} and not the task's own work: ${shown}${foreign.length > 5 ? ", …" : ""}`;
    return check;
  }
  check.verified = true;
  return check;
}
