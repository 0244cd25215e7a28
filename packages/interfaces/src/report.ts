import { z } from "zod";
import { BudgetReport, PhaseUsage, UsageTotals } from "./budget.js";
import { PerformanceMetrics } from "./metrics.js";
import { ReviewSummary } from "./review.js";
import { TaskGovernance } from "./skip.js";
import { TaskStatus } from "./task.js";
import { MergeRecord, PhaseStatus, RunStatus, WorkflowPhase } from "./workflow.js";

export const PhaseReport = z.strictObject({
  phase: WorkflowPhase,
  status: PhaseStatus,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  reason: z.string().optional(),
  /** What a completed phase says about itself (setup: where the worktree came from, how long the environment took). */
  note: z.string().optional(),
});
export type PhaseReport = z.infer<typeof PhaseReport>;

export const TaskReport = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: TaskStatus,
  /** The agent's name: a key of the config's agents, a built-in kind, or `run`. */
  agent: z.string(),
  /** The agent of each attempt's implementation, when the journal has them (a resume may change it). */
  attemptAgents: z
    .array(z.strictObject({ attempt: z.number().int().nonnegative(), agent: z.string() }))
    .optional(),
  branch: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  attempts: z.number().int().nonnegative(),
  phases: z.array(PhaseReport),
  tokens: z.number().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  /** Some agent run of the task had no known cost: `costUsd` is a lower bound. */
  costUnknown: z.boolean().optional(),
  /** Tokens and cost per attempt and phase (implementation, testing-fix, documentation, review...). */
  usage: z.array(PhaseUsage).optional(),
  filesChanged: z.array(z.string()),
  merge: MergeRecord.optional(),
  /** The review phase's verdict, comments and rounds, when a reviewer ran. */
  review: ReviewSummary.optional(),
  /** Which required phases ran, were skipped for an allowed reason, or were skipped against the rules. */
  governance: TaskGovernance.optional(),
  error: z.string().optional(),
});
export type TaskReport = z.infer<typeof TaskReport>;

export const IntegrationTestReport = z.strictObject({
  /** Empty when no test command was found (see `reason`). */
  command: z.array(z.string()),
  ok: z.boolean(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  logFile: z.string(),
  reason: z.string().optional(),
});
export type IntegrationTestReport = z.infer<typeof IntegrationTestReport>;

/** The one pull request for the integration branch (`integration.openPullRequest`). */
export const IntegrationPullRequest = z.strictObject({
  number: z.number().int().positive().optional(),
  url: z.string().optional(),
  /** opened, already open, or why it was not opened. */
  note: z.string(),
});
export type IntegrationPullRequest = z.infer<typeof IntegrationPullRequest>;

/** What a run did, as written to `.gadugi/runs/<id>/report.json` at its end. */
export const RunReport = z.strictObject({
  runId: z.string(),
  status: RunStatus,
  repoRoot: z.string(),
  baseRef: z.string().optional(),
  baseCommit: z.string().optional(),
  integrationBranch: z.string().optional(),
  integrationCommit: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  metrics: PerformanceMetrics,
  tasks: z.array(TaskReport),
  integrationTests: IntegrationTestReport.optional(),
  integrationPullRequest: IntegrationPullRequest.optional(),
  /** The run's tokens and cost, per merged task, and what the budget did. */
  cost: z
    .strictObject({
      total: UsageTotals,
      /** Total cost ÷ merged tasks; absent when none merged or a cost is unknown. */
      perMergedTaskUsd: z.number().nonnegative().optional(),
      budget: BudgetReport.optional(),
    })
    .optional(),
  warnings: z.array(z.string()),
});
export type RunReport = z.infer<typeof RunReport>;
