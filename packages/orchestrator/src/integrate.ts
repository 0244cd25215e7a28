import { describeErrorWithHint } from "@gadugi/error-handling";
import { type Env, GitClient, type ProcessRunner } from "@gadugi/git";
import type { TaskData, WorkflowState } from "@gadugi/interfaces";
import type { WorkflowGitHub } from "@gadugi/workflow-manager";
import type { WorktreeManager } from "@gadugi/worktree-manager";
import { IntegrationBranch, type MergeOutcome } from "./integration.js";
import { testIntegration } from "./integration-tests.js";
import type { RuleMerger } from "./merge-by-rules.js";
import { prBaseBranch } from "./pr-base.js";
import type { IntegrationPullRequest, IntegrationTestReport } from "./report.js";
import { recordOf, type Session } from "./session.js";
import type { TaskAttemptOutcome, TaskWorkResult } from "./task-work.js";

/**
 * The integrate stage. Per task (`integrateTask`): merge its branch onto the integration branch
 * the moment it finishes, and on a conflict re-run it on top of the integration tip and merge
 * once more. Per run (`integrateRun`): test the integration tip, open the integration pull
 * request; without integration, say which finished branches would conflict.
 */
export interface RunIntegration {
  commit?: string;
  tests?: IntegrationTestReport;
  /** The integration branch could not be read: the run fails. */
  broken: boolean;
  pullRequest?: IntegrationPullRequest;
}

/**
 * Integrates one completed task (a no-op without an integration branch). `rerun` runs the task
 * again on top of the given start point (the coordinator's task worker); `rules` merge hotspot
 * files before a conflict counts as one.
 */
export async function integrateTask(
  session: Session,
  work: TaskWorkResult,
  signal: AbortSignal,
  rerun: (restart: { startPoint: string; reason: string }) => Promise<TaskWorkResult>,
  rules?: RuleMerger,
): Promise<TaskAttemptOutcome> {
  if (session.integration === undefined) return { status: "completed" };
  const record = recordOf(session);
  const task = session.plan.tasks.find((t) => t.id === work.taskId) as TaskData;
  let final = work.state;
  let merge = await mergeTask(session, task, final, rules);
  if (merge.status === "conflict" && session.config.integration.resolveConflicts && !signal.aborted) {
    const reason = `merging ${final.branch} onto ${session.integration.branch} conflicted in ${merge.conflictFiles.join(", ")}`;
    await record({
      type: "warning",
      taskId: task.id,
      message: `${reason}; re-running the task on top of the integration branch`,
    });
    // The task runs again: back in the queue first, as the status machine has it.
    await record({ type: "task.status", taskId: task.id, status: "queued", reason: `re-run: ${reason}` });
    final = (await rerun({ startPoint: await session.integration.tip(), reason })).state;
    if (final.status === "completed") merge = await mergeTask(session, task, final, rules);
    else
      merge = {
        status: "failed",
        conflictFiles: merge.conflictFiles,
        reason: final.error ?? "the re-run failed",
      };
  }
  if (merge.status === "merged" || merge.status === "skipped") return { status: "completed" };
  const why = `not merged (${merge.status}${merge.conflictFiles.length ? ` in ${merge.conflictFiles.join(", ")}` : ""}${merge.reason ? `: ${merge.reason}` : ""})`;
  // A task whose re-run failed is failed already; one whose work completed did not merge.
  if (final.status === "completed") {
    await record({ type: "task.status", taskId: task.id, status: "merge-failed", reason: why });
  }
  return { status: "failed", reason: why };
}

/** Merges a task's branch onto the integration branch and journals the result (`merge.result`). */
async function mergeTask(
  session: Session,
  task: TaskData,
  final: WorkflowState,
  rules: RuleMerger | undefined,
): Promise<MergeOutcome> {
  const integration = session.integration as IntegrationBranch;
  const branch = final.branch;
  let outcome: MergeOutcome;
  if (branch === undefined) {
    outcome = { status: "failed", conflictFiles: [], reason: "the task recorded no branch" };
  } else {
    outcome = await integration.merge(branch, `Merge ${branch}: ${task.name} (${task.id})`, {
      ...(final.baseCommit === undefined ? {} : { taskBase: final.baseCommit }),
      ...(rules === undefined ? {} : { rules }),
    });
  }
  await session.state.record(session.runId, {
    type: "merge.result",
    taskId: task.id,
    branch: branch ?? "",
    status: outcome.status,
    conflictFiles: outcome.conflictFiles,
    ...(outcome.commit ? { commit: outcome.commit } : {}),
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...(outcome.rules ? { rules: outcome.rules } : {}),
  });
  return outcome;
}

export interface IntegrateRunOptions {
  /** The run's environment (with a fallback git identity). */
  env: Env;
  /** The caller's environment, for pushing the integration branch. */
  callerEnv: Env;
  github: WorkflowGitHub | undefined;
  /** The run's registering runner, for the integration tests. */
  runner: ProcessRunner;
  /** Makes the integration tests' checkout, under the same lock as every worktree. */
  worktrees: WorktreeManager;
  now: () => number;
}

/** After every task: the integration branch, tested as a whole (nothing when cancelled). */
export async function integrateRun(session: Session, options: IntegrateRunOptions): Promise<RunIntegration> {
  const result: RunIntegration = { broken: false };
  if (session.signal.aborted) return result;
  if (!session.integration) {
    await predictConflicts(session, options.env);
    return result;
  }
  try {
    result.commit = await session.integration.tip();
  } catch (error) {
    result.broken = true;
    session.warnings.push(`integration branch unusable: ${describeErrorWithHint(error)}`);
  }
  if (result.commit !== undefined && result.commit !== session.baseCommit) {
    result.tests = await testIntegration(session, result.commit, options);
    if (session.config.integration.openPullRequest) {
      result.pullRequest = await integrationPullRequest(session, options, result.tests);
    }
  }
  return result;
}

/** Nothing was merged: say which finished branches would conflict when merged together. */
async function predictConflicts(session: Session, env: Env): Promise<void> {
  const current = await session.state.loadRun(session.runId);
  const branches = current.taskIds
    .filter((id) => current.tasks[id]?.status === "completed" && current.tasks[id]?.branch)
    .map((id) => current.tasks[id]?.branch as string);
  const git = new GitClient(session.repoRoot, { env });
  const probe = new IntegrationBranch(git, `${session.config.branchPrefix}integration-${session.runId}`);
  for (const c of await probe.predictPairwise(branches)) {
    const message = `${c.a} and ${c.b} would conflict when merged (${c.files.join(", ")})`;
    session.warnings.push(message);
    await session.state.record(session.runId, { type: "warning", message });
  }
}

/**
 * `integration.openPullRequest`: pushes the integration branch and opens (or finds) one pull
 * request for it against the base branch. Returns what happened, for the report.
 */
async function integrationPullRequest(
  session: Session,
  options: Pick<IntegrateRunOptions, "github" | "callerEnv">,
  tests: IntegrationTestReport,
): Promise<IntegrationPullRequest> {
  const { github } = options;
  const branch = (session.integration as IntegrationBranch).branch;
  const available = github
    ? await github.isAvailable()
    : { ok: false as const, reason: "GitHub is turned off" };
  if (!github || !available.ok) {
    return { note: `not opened: ${available.ok ? "GitHub is not configured" : available.reason}` };
  }
  const git = new GitClient(session.repoRoot, { env: options.callerEnv });
  try {
    // GitHub takes a branch as base: `origin/main` → `main`, a detached commit → origin's HEAD.
    const base = await prBaseBranch(git, session.baseRef);
    if ("note" in base) return { note: base.note };
    await git.push("origin", branch, { forceWithLease: true });
    const body = [
      `Integration of run \`${session.runId}\`: every task branch merged in dependency order.`,
      "",
      `Tests on the integration branch: ${tests.command.length ? `\`${tests.command.join(" ")}\` ${tests.ok ? "passed" : "failed"}` : (tests.reason ?? "not run")}.`,
    ].join("\n");
    const { pr, created } = await github.ensurePr({
      title: `Gadugi integration ${session.runId}`,
      head: branch,
      base: base.branch,
      body,
    });
    return { number: pr.number, url: pr.url, note: created ? "opened" : "already open" };
  } catch (error) {
    return { note: `not opened: ${describeErrorWithHint(error)}` };
  }
}
