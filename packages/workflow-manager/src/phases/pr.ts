import { isAbortError, redactSecrets } from "@gadugi/error-handling";
import type { Phase, PhaseContext, PhaseOutcome } from "../types.js";
import { capList, changedFiles, describeError } from "../util.js";
import { callGitHub } from "./github-call.js";
import { branchName, githubAvailability } from "./shared.js";

function phaseLine(ctx: PhaseContext, phase: "testing" | "documentation"): string {
  const record = ctx.record(phase);
  if (record === undefined) return `- ${phase}: not run`;
  const detail =
    phase === "testing"
      ? typeof record.data.command === "string"
        ? ` (\`${record.data.command}\`)`
        : ""
      : typeof record.data.summary === "string"
        ? ` — ${record.data.summary}`
        : "";
  return `- ${phase}: ${record.status}${detail}${record.reason ? ` — ${record.reason}` : ""}`;
}

async function prBody(ctx: PhaseContext): Promise<string> {
  const { task, facts } = ctx;
  const parts: string[] = [];
  if (task.description.trim() !== "") parts.push(task.description.trim());
  if (facts.baseCommit !== undefined) {
    const files = capList((await changedFiles(ctx.git(), facts.baseCommit)).map((c) => c.path));
    if (files.items.length > 0) {
      const more = files.more > 0 ? `\n- … and ${files.more} more` : "";
      parts.push(`### Changed files\n\n${files.items.map((f) => `- \`${f}\``).join("\n")}${more}`);
    }
  }
  parts.push(`### Workflow\n\n${phaseLine(ctx, "testing")}\n${phaseLine(ctx, "documentation")}`);
  parts.push(`---\nGadugi task \`${task.id}\` of run \`${ctx.runId}\`, from \`${task.promptFile}\`.`);
  return parts.join("\n\n");
}

/** Where the branch stands once pushed: recorded in every outcome of the phase after the push. */
interface Pushed {
  branch: string;
  commit: string;
  /** The origin URL, secrets redacted. */
  remote: string;
}

/**
 * Pushes the task branch to origin (with lease after a restart). Without an origin remote it is
 * skipped, a refused push fails: both as the phase's outcome.
 */
async function pushBranch(ctx: PhaseContext, branch: string): Promise<Pushed | PhaseOutcome> {
  const git = ctx.git();
  const commit = await git.headCommit();
  const remote = await git.remoteUrl("origin");
  if (remote === undefined) {
    return {
      status: "skipped",
      code: "no-origin",
      reason: `no origin remote: branch ${branch} is ready locally at ${commit.slice(0, 12)}`,
      data: { readyBranch: branch, commit, pushed: false },
    };
  }
  const shownRemote = redactSecrets(remote);
  try {
    await git.push("origin", branch, {
      signal: ctx.signal,
      timeoutMs: ctx.commandTimeoutMs,
      forceWithLease: ctx.facts.forcePush === true,
    });
  } catch (error) {
    if (isAbortError(error)) throw error;
    return {
      status: "failed",
      reason: `pushing ${branch} to origin failed: ${describeError(error)}`,
      data: { readyBranch: branch, commit, pushed: false, remote: shownRemote },
    };
  }
  await ctx.log(`pushed ${branch} (${commit.slice(0, 12)}) to origin`);
  return { branch, commit, remote: shownRemote };
}

/**
 * Finds or opens the pull request of the pushed branch against its base, "Closes #n" for the
 * issue. GitHub's trouble (after retries) skips the phase: the work is tested and pushed, so as
 * without a token the branch is ready for a pull request and the task goes on to review and to
 * its merge.
 */
async function openPullRequest(
  ctx: PhaseContext,
  github: NonNullable<PhaseContext["github"]>,
  pushed: Pushed,
): Promise<PhaseOutcome> {
  const { facts, task } = ctx;
  const { branch, commit, remote } = pushed;
  const base = branchName(facts.baseRef ?? ctx.baseRef);
  const input: Parameters<typeof github.ensurePr>[0] = {
    title: task.name,
    head: branch,
    base,
    body: await prBody(ctx),
  };
  if (facts.issueNumber !== undefined) input.issueNumber = facts.issueNumber;
  const call = await callGitHub(ctx, "opening the pull request", () => github.ensurePr(input));
  if (!call.ok) {
    await ctx.warn(`task ${task.id}: no pull request for ${branch}: ${call.reason}`);
    return {
      status: "skipped",
      code: "github-error",
      reason: `GitHub unavailable: ${call.reason}; branch ${branch} is pushed to origin and ready for a pull request`,
      data: {
        readyBranch: branch,
        commit,
        pushed: true,
        remote,
        base,
        githubError: { code: call.error.code, message: call.reason, transient: call.transient },
        attempts: call.attempts,
      },
    };
  }
  const { pr, created } = call.value;
  await ctx.update({ prNumber: pr.number, prUrl: pr.url });
  return {
    status: "completed",
    data: {
      prNumber: pr.number,
      prUrl: pr.url,
      created,
      base,
      commit,
      pushed: true,
      remote,
      ...(facts.issueNumber !== undefined ? { closesIssue: facts.issueNumber } : {}),
    },
  };
}

/** Phase 7: the branch on origin and a pull request linked to the issue. */
export const prCreationPhase: Phase = {
  name: "pr_creation",
  contract:
    'The task branch is pushed to origin and a pull request (found again on resume) is open, linked to the issue with "Closes #n". Without an origin remote or GitHub, or when GitHub keeps failing after retries, it is skipped with the reason and the branch is recorded as ready.',
  async run(ctx) {
    const branch = ctx.facts.branch;
    if (branch === undefined) return { status: "failed", reason: "setup recorded no task branch" };
    const pushed = await pushBranch(ctx, branch);
    if ("status" in pushed) return pushed;
    const available = await githubAvailability(ctx);
    if (!available.ok || ctx.github === undefined) {
      return {
        status: "skipped",
        code: "no-github",
        reason: `GitHub unavailable: ${available.ok ? "not configured" : available.reason}; branch ${branch} is pushed to origin and ready for a pull request`,
        data: { readyBranch: branch, commit: pushed.commit, pushed: true, remote: pushed.remote },
      };
    }
    return openPullRequest(ctx, ctx.github, pushed);
  },
};
