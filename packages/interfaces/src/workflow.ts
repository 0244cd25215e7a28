import { z } from "zod";
import { MergeRuleApplication } from "./merge-rules.js";
import { AgentRunRecord, RunSettings } from "./run-settings.js";
import { TaskData, TaskStatus } from "./task.js";

/** The eight phases every task goes through, in order. */
export const WORKFLOW_PHASES = [
  "setup",
  "issue_creation",
  "branch_creation",
  "implementation",
  "testing",
  "documentation",
  "pr_creation",
  "review",
] as const;
export const WorkflowPhase = z.enum(WORKFLOW_PHASES);
export type WorkflowPhase = z.infer<typeof WorkflowPhase>;

export const PhaseStatus = z.enum(["pending", "running", "completed", "failed", "skipped"]);
export type PhaseStatus = z.infer<typeof PhaseStatus>;

export const PhaseRecord = z.strictObject({
  phase: WorkflowPhase,
  status: PhaseStatus,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  /** Why a phase was skipped or failed; never empty for those two. */
  reason: z.string().optional(),
  /** Small, phase-specific facts (issue number, PR url, test command, files changed...). */
  data: z.record(z.string(), z.unknown()).default({}),
});
export type PhaseRecord = z.infer<typeof PhaseRecord>;

/** Per-task workflow state; enough to resume from the last completed phase. */
export const WorkflowState = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  status: TaskStatus,
  currentPhase: WorkflowPhase.optional(),
  phases: z.array(PhaseRecord).default([]),
  worktreePath: z.string().optional(),
  branch: z.string().optional(),
  baseRef: z.string().optional(),
  baseCommit: z.string().optional(),
  issueNumber: z.number().int().positive().optional(),
  prNumber: z.number().int().positive().optional(),
  prUrl: z.string().optional(),
  attempts: z.number().int().nonnegative().default(0),
  /**
   * The task was restarted on top of merged work (a conflicting merge): its branch is reset to
   * `startPoint` (old head on `backupBranch`) and every phase from implementation on runs again.
   */
  restart: z
    .strictObject({
      startPoint: z.string(),
      reason: z.string(),
      backupBranch: z.string().optional(),
      at: z.string(),
    })
    .optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  updatedAt: z.string(),
  error: z.string().optional(),
});
export type WorkflowState = z.infer<typeof WorkflowState>;
export type WorkflowStateInput = z.input<typeof WorkflowState>;

/**
 * A partial update of a task's WorkflowState, as carried by `task.updated` journal events.
 * Unlike `WorkflowState.partial()` it has no defaults, so a patch never resets `phases` or
 * `attempts` that it does not mention.
 */
export const WorkflowStatePatch = WorkflowState.extend({
  phases: z.array(PhaseRecord).optional(),
  attempts: z.number().int().nonnegative().optional(),
}).partial();
export type WorkflowStatePatch = z.infer<typeof WorkflowStatePatch>;

export const MergeStatus = z.enum(["merged", "conflict", "skipped", "failed"]);
export type MergeStatus = z.infer<typeof MergeStatus>;

/** The outcome of merging one task branch onto the run's integration branch. */
export const MergeRecord = z.strictObject({
  branch: z.string(),
  status: MergeStatus,
  commit: z.string().optional(),
  conflictFiles: z.array(z.string()).default([]),
  reason: z.string().optional(),
  /** The merge rules applied to its conflicting files (`@gadugi/merge-rules`). */
  rules: z.array(MergeRuleApplication).optional(),
  /**
   * The merge rules applied in this task's earlier merges, the conflicts that sent it back for a
   * re-run (a lockfile skipped, a line both sides changed): kept so the report shows why.
   */
  earlierRules: z.array(MergeRuleApplication).optional(),
  at: z.string(),
});
export type MergeRecord = z.infer<typeof MergeRecord>;

export const RunStatus = z.enum(["running", "completed", "failed", "cancelled", "interrupted"]);
export type RunStatus = z.infer<typeof RunStatus>;

/** One orchestrator run as stored in `.gadugi/runs/<id>/state.json`. */
export const RunState = z.strictObject({
  runId: z.string().min(1),
  status: RunStatus,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  updatedAt: z.string(),
  repoRoot: z.string(),
  baseRef: z.string().optional(),
  baseCommit: z.string().optional(),
  integrationBranch: z.string().optional(),
  promptFiles: z.array(z.string()).default([]),
  taskIds: z.array(z.string()).default([]),
  tasks: z.record(z.string(), WorkflowState).default({}),
  /** The analyzed task definitions (name, slug, prompt, targets, dependencies), by task id. */
  definitions: z.record(z.string(), TaskData).default({}),
  /** Merge results by task id; a task merged once is never merged again on resume. */
  merges: z.record(z.string(), MergeRecord).default({}),
  /** pid and host of the orchestrator that owns the run, for liveness checks on resume. */
  owner: z.strictObject({ pid: z.number().int(), host: z.string() }).optional(),
  /** The options the run was started with (and resumed with: overrides replace them). */
  settings: RunSettings.optional(),
  /** Every agent run of each task, by task id, as journaled (`agent.run`): survives a resume. */
  agentRuns: z.record(z.string(), z.array(AgentRunRecord)).default({}),
  /**
   * Spans when no orchestrator ran the run: from its last event before a crash, a stop or its end
   * to the resume. Left out of the measured wall time and task durations. Absent when none.
   */
  pauses: z.array(z.strictObject({ from: z.string(), to: z.string() })).optional(),
  /** Sequence number of the last journal event folded into this state. */
  journalSeq: z.number().int().nonnegative().default(0),
});
export type RunState = z.infer<typeof RunState>;
export type RunStateInput = z.input<typeof RunState>;
