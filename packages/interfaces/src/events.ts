import { z } from "zod";
import { AgentEvent } from "./agent.js";
import { ErrorContext } from "./error-context.js";
import { MergeRuleApplication } from "./merge-rules.js";
import { PerformanceMetrics } from "./metrics.js";
import { AgentRunRecord, RunSettings } from "./run-settings.js";
import { TaskData, TaskStatus } from "./task.js";
import { MergeStatus, PhaseStatus, RunStatus, WorkflowPhase, WorkflowStatePatch } from "./workflow.js";

/**
 * Fields every journal line carries. `seq` increases by one per event within a run, so a gap or
 * a repeat in the journal is detectable.
 */
const base = {
  seq: z.number().int().positive(),
  at: z.string(),
  runId: z.string().min(1),
};

export const BreakerState = z.enum(["closed", "open", "half-open"]);
export type BreakerState = z.infer<typeof BreakerState>;

/** Everything that happens in a run, as appended to `.gadugi/runs/<id>/events.jsonl`. */
export const RunEvent = z.discriminatedUnion("type", [
  z.object({
    ...base,
    type: z.literal("run.started"),
    repoRoot: z.string(),
    baseRef: z.string().optional(),
    baseCommit: z.string().optional(),
    integrationBranch: z.string().optional(),
    promptFiles: z.array(z.string()).default([]),
    owner: z.object({ pid: z.number().int(), host: z.string() }).optional(),
  }),
  z.object({
    ...base,
    type: z.literal("run.status"),
    status: RunStatus,
    reason: z.string().optional(),
    /**
     * On a resume: when the run's previous orchestrator journaled its last event. From then to
     * this event nobody ran the run, and measured times leave that span out.
     */
    pausedSince: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal("run.settings"),
    settings: RunSettings,
    /** Which settings a resume changed, e.g. ["agent", "maxParallel"]; empty at the start. */
    overrides: z.array(z.string()).default([]),
  }),
  z.object({
    ...base,
    type: z.literal("agent.run"),
    taskId: z.string(),
    ...AgentRunRecord.omit({ at: true }).shape,
  }),
  z.object({
    ...base,
    type: z.literal("task.restarted"),
    taskId: z.string(),
    /** Where the task's branch was reset to (the integration tip it redoes the work on). */
    startPoint: z.string(),
    reason: z.string(),
    /** The old head, kept on a backup branch. */
    backupBranch: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal("run.finished"),
    status: RunStatus,
    metrics: PerformanceMetrics.optional(),
  }),
  z.object({ ...base, type: z.literal("task.added"), task: TaskData }),
  z.object({
    ...base,
    type: z.literal("task.status"),
    taskId: z.string(),
    status: TaskStatus,
    reason: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal("task.updated"),
    taskId: z.string(),
    patch: WorkflowStatePatch,
  }),
  z.object({ ...base, type: z.literal("phase.started"), taskId: z.string(), phase: WorkflowPhase }),
  z.object({
    ...base,
    type: z.literal("phase.finished"),
    taskId: z.string(),
    phase: WorkflowPhase,
    status: PhaseStatus,
    durationMs: z.number().nonnegative().optional(),
    reason: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    ...base,
    type: z.literal("process.started"),
    taskId: z.string(),
    pid: z.number().int(),
    command: z.array(z.string()),
  }),
  z.object({
    ...base,
    type: z.literal("process.exited"),
    taskId: z.string(),
    pid: z.number().int(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable().optional(),
  }),
  z.object({ ...base, type: z.literal("agent.event"), taskId: z.string(), event: AgentEvent }),
  z.object({
    ...base,
    type: z.literal("checkpoint.created"),
    checkpointId: z.string(),
    label: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal("concurrency.changed"),
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative(),
    reason: z.string(),
  }),
  z.object({
    ...base,
    type: z.literal("breaker.state"),
    name: z.string(),
    state: BreakerState,
    reason: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal("merge.result"),
    taskId: z.string(),
    branch: z.string(),
    status: MergeStatus,
    commit: z.string().optional(),
    conflictFiles: z.array(z.string()).default([]),
    reason: z.string().optional(),
    /** Each merge rule tried on a conflicting file: which, and what came of it. */
    rules: z.array(MergeRuleApplication).optional(),
  }),
  /**
   * The run's spend crossed a share of its budget (50, 80 or 100 %); at 100 % no task starts
   * any more and the running agents are stopped.
   */
  z.object({
    ...base,
    type: z.literal("budget.threshold"),
    percent: z.number().int().positive(),
    spentUsd: z.number().nonnegative(),
    spentTokens: z.number().nonnegative(),
    maxUsd: z.number().positive().optional(),
    maxTokens: z.number().int().positive().optional(),
  }),
  z.object({ ...base, type: z.literal("warning"), message: z.string(), taskId: z.string().optional() }),
  z.object({ ...base, type: z.literal("error"), context: ErrorContext }),
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type RunEventType = RunEvent["type"];
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as a producer writes it, before the journal stamps `seq`, `at` and `runId`. */
export type RunEventInput = DistributiveOmit<z.input<typeof RunEvent>, "seq" | "at" | "runId">;
