import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CostLedger, effectivePricing } from "@gadugi/cost";
import {
  describeErrorWithHint,
  GadugiError,
  parseJsonWith,
  parseWith,
  toGadugiError,
} from "@gadugi/error-handling";
import type { SchedulerResult } from "@gadugi/execution-monitor";
import { type Env, GitClient } from "@gadugi/git";
import { RunReport, type RunState, type RunStatus, type TaskReport } from "@gadugi/interfaces";
import { EventJournal, writeFileAtomic } from "@gadugi/state";
import { computeMetrics, ProductivityAnalyzer } from "@gadugi/task-tracking";
import type { RunIntegration } from "./integrate.js";
import { buildTaskReports, renderReportHtml, renderReportMarkdown } from "./report.js";
import { runCost } from "./report-cost.js";
import type { RunResult } from "./requests.js";
import { extrasOf, runFiles, type Session } from "./session.js";

/**
 * The report stage: once every journal write is in, the run's status and report (metrics,
 * per-task facts, integration), journaled as `run.finished`; written as JSON, Markdown and HTML
 * by `writeRunReport`, read back by `readRunReport`.
 */
export interface FinishedRun {
  status: RunStatus;
  report: RunReport;
  /** The run was cancelled: its worktrees are kept for the resume. */
  aborted: boolean;
}

export async function finishRun(
  session: Session,
  outcome: SchedulerResult,
  integration: RunIntegration,
  options: { callerEnv: Env; now: () => number },
): Promise<FinishedRun> {
  const aborted = session.signal.aborted || outcome.status === "cancelled";
  // Progress events were journaled on the side: every one is in before the report is built.
  const lost = await session.background.settle();
  if (lost)
    session.warnings.push(`journal writes failed (${lost.count}): ${describeErrorWithHint(lost.first)}`);
  const finalState = await session.state.loadRun(session.runId);
  const allCompleted = finalState.taskIds.every((id) => finalState.tasks[id]?.status === "completed");
  const status: RunStatus = aborted
    ? "cancelled"
    : allCompleted && !integration.broken && (integration.tests === undefined || integration.tests.ok)
      ? "completed"
      : "failed";
  if (outcome.stoppedReason) session.warnings.push(outcome.stoppedReason);
  const report = await buildRunReport(session, finalState, status, integration, options);
  await session.state.record(session.runId, { type: "run.finished", status, metrics: report.metrics });
  return { status, report, aborted };
}

async function buildRunReport(
  session: Session,
  state: RunState,
  status: RunStatus,
  integration: RunIntegration,
  options: { callerEnv: Env; now: () => number },
): Promise<RunReport> {
  const git = new GitClient(session.repoRoot, { env: options.callerEnv });
  for (const id of state.taskIds) {
    const task = state.tasks[id];
    const extra = extrasOf(session, id);
    extra.agent ??= state.definitions[id]?.agent ?? session.agent ?? session.config.agent;
    if (task?.branch && task.baseCommit && (await git.branchExists(task.branch))) {
      extra.filesChanged = await git.diffNameOnly(task.baseCommit, task.branch);
    }
  }
  const endedAt = options.now();
  // Cost is added up one way: a ledger over the whole journal (every attempt, before and after a crash).
  const { events } = await EventJournal.forRun(session.repoRoot, session.runId).read();
  const ledger = CostLedger.of(events, effectivePricing(session.config.pricing));
  ledger.end();
  const tasks = buildTaskReports(state, session.extras, session.config.workflow, ledger);
  const summary = runSummary(session, state, endedAt, tasks);
  const metrics = computeMetrics(summary);
  // Durations per task type, kept across runs for predictions (completed tasks only).
  try {
    await new ProductivityAnalyzer({ history: join(session.repoRoot, ".gadugi", "history.json") }).record(
      summary,
    );
  } catch (error) {
    session.warnings.push(`duration history not updated: ${toGadugiError(error).message}`);
  }
  return {
    runId: session.runId,
    status,
    repoRoot: session.repoRoot,
    baseRef: session.baseRef,
    baseCommit: session.baseCommit,
    ...(session.integration ? { integrationBranch: session.integration.branch } : {}),
    ...(integration.commit ? { integrationCommit: integration.commit } : {}),
    startedAt: new Date(session.startedAt).toISOString(),
    endedAt: new Date(endedAt).toISOString(),
    metrics,
    tasks,
    cost: runCost(ledger, tasks, events, state.settings?.budget),
    ...(integration.tests ? { integrationTests: integration.tests } : {}),
    ...(integration.pullRequest ? { integrationPullRequest: integration.pullRequest } : {}),
    warnings: session.warnings,
  };
}

/**
 * What the metrics and the duration history take: each task's times, status and usage (a cost
 * only when all of it is known, so that history never learns a lower bound as a task's cost).
 */
function runSummary(session: Session, state: RunState, endedAt: number, reports: readonly TaskReport[]) {
  const costOf = new Map(reports.map((t) => [t.id, t]));
  return {
    runId: session.runId,
    startedAt: session.startedAt,
    endedAt,
    maxParallel: session.maxParallel,
    ...(state.pauses ? { pauses: state.pauses } : {}),
    tasks: state.taskIds.map((id) => {
      const def = state.definitions[id];
      const task = state.tasks[id];
      const cost = costOf.get(id);
      return {
        id,
        type: def?.type ?? "feature",
        complexity: def?.complexity ?? "medium",
        status: task?.status ?? "pending",
        ...(task?.startedAt ? { startedAt: task.startedAt } : {}),
        ...(task?.endedAt ? { endedAt: task.endedAt } : {}),
        dependencies: def?.dependencies ?? [],
        ...(cost?.tokens === undefined ? {} : { tokens: cost.tokens }),
        ...(cost?.costUsd === undefined || cost.costUnknown ? {} : { costUsd: cost.costUsd }),
      };
    }),
  };
}

export async function writeRunReport(input: RunReport): Promise<RunResult["reportFiles"]> {
  // Validated on the way out too, so every stored report can be read back.
  const report = parseWith(RunReport, input, `report of run ${input.runId}`);
  const files = runFiles(report.repoRoot, report.runId);
  await writeFileAtomic(files.reportJson, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(files.reportMarkdown, renderReportMarkdown(report));
  await writeFileAtomic(files.reportHtml, renderReportHtml(report));
  return { json: files.reportJson, markdown: files.reportMarkdown, html: files.reportHtml };
}

/** The stored report of a run (written at its end). */
export async function readRunReport(repoRoot: string, runId: string): Promise<RunReport> {
  const files = runFiles(repoRoot, runId);
  let text: string;
  try {
    text = await readFile(files.reportJson, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new GadugiError(
        "GADUGI_STATE_NOT_FOUND",
        { path: files.reportJson },
        {
          hint: `The run has not finished; see \`gadugi status ${runId}\`, or \`gadugi resume ${runId}\` to finish it.`,
        },
      );
    }
    throw new GadugiError(
      "GADUGI_FILE_UNREADABLE",
      { path: files.reportJson, reason: (error as Error).message },
      { cause: error },
    );
  }
  return parseJsonWith(RunReport, text, files.reportJson);
}
