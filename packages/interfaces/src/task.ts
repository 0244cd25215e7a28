import { z } from "zod";
import { CommandSetting } from "./settings.js";

/**
 * Lifecycle of one task in a run. Legal transitions live in @gadugi/task-tracking.
 * `merge-failed`: the task's work completed on its branch, but the branch could not be merged
 * onto the integration branch (a conflict its re-run did not resolve, or the merge failed).
 * `changes-requested`: the reviewer still requested changes after the fix round; the task's work
 * stays on its branch, unmerged (unless `workflow.mergeOnRequestChanges`).
 * `budget-exceeded`: its agent was stopped at the run's or the task's budget; the work so far is
 * committed on its branch, unmerged, and a resume with a higher budget continues it.
 */
export const TaskStatus = z.enum([
  "pending",
  "queued",
  "running",
  "completed",
  "failed",
  "merge-failed",
  "changes-requested",
  "cancelled",
  "skipped",
  "budget-exceeded",
]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Done for now: only queueing the task again (a retry, a conflict re-run, a resume) reopens it. */
export const FINISHED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  "completed",
  "failed",
  "merge-failed",
  "changes-requested",
  "cancelled",
  "skipped",
  "budget-exceeded",
]);

/** Finished without its work landing, for a reason worth reporting: counted as failed. */
export const UNLANDED_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  "failed",
  "merge-failed",
  "changes-requested",
]);

export const TaskType = z.enum(["test", "bugfix", "feature", "refactor", "docs"]);
export type TaskType = z.infer<typeof TaskType>;

export const Complexity = z.enum(["low", "medium", "high"]);
export type Complexity = z.infer<typeof Complexity>;

export const Priority = z.enum(["low", "medium", "high", "critical"]);
export type Priority = z.infer<typeof Priority>;

/** How a task touches a file: only `reads` never conflicts with another task. */
export const FileAccess = z.enum(["modifies", "creates", "reads"]);
export type FileAccess = z.infer<typeof FileAccess>;

export const TargetFile = z.strictObject({
  /** Repository-relative POSIX path (or glob), leading dots kept. */
  path: z.string().min(1),
  access: FileAccess.default("modifies"),
});
export type TargetFile = z.infer<typeof TargetFile>;

/** Matches the seed's ids: task-YYYYMMDD-HHMMSS-xxxx. */
export const TASK_ID_PATTERN = /^task-\d{8}-\d{6}-[0-9a-f]{4}$/;

export const TaskData = z.strictObject({
  /** Unique per run, `task-YYYYMMDD-HHMMSS-xxxx`. */
  id: z.string().min(1),
  /** Stable across runs, derived from the prompt file name; used for branch names. */
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
  name: z.string().min(1),
  /** Repository-relative path of the prompt file. */
  promptFile: z.string().min(1),
  description: z.string().default(""),
  /** Sections kept verbatim from the prompt (requirements, plan, testing, success criteria). */
  sections: z.record(z.string(), z.string()).default({}),
  targetFiles: z.array(TargetFile).default([]),
  /** Ids of tasks that must finish first. */
  dependencies: z.array(z.string()).default([]),
  type: TaskType.default("feature"),
  complexity: Complexity.default("medium"),
  priority: Priority.default("medium"),
  /** Agent name from the config's agents (or a built-in kind); undefined means the run default. */
  agent: z.string().optional(),
  /** Command for the `command` agent, as given in the prompt's frontmatter (a line or an array). */
  run: CommandSetting.optional(),
  /** Wall-clock limit for this task in seconds. */
  timeoutSec: z.number().positive().optional(),
  /** Most this task may spend in USD (frontmatter `max_budget_usd`); wins over `budget.perTaskUsd`. */
  maxBudgetUsd: z.number().positive().optional(),
  /** An existing GitHub issue to reuse instead of creating one. */
  issueNumber: z.number().int().positive().optional(),
  status: TaskStatus.default("pending"),
});
export type TaskData = z.infer<typeof TaskData>;
export type TaskDataInput = z.input<typeof TaskData>;
