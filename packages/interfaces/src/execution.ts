import { z } from "zod";
import { AgentConfig, AgentOutcome, TokenUsage } from "./agent.js";
import { Pricing } from "./budget.js";

/**
 * One agent invocation, as handed from the workflow's implementation phase to whatever runs
 * processes (the local executor today, a remote worker later): plain, serializable data.
 */
export const AgentRunRequest = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  /** Absolute path of the task's worktree; the agent's working directory. */
  worktree: z.string().min(1),
  /** The generated prompt text. */
  prompt: z.string(),
  /** Absolute path of a file holding the same prompt (for `{prompt_file}` and CLIs that read files). */
  promptFile: z.string().min(1),
  agent: AgentConfig,
  /** Raw stdout/stderr of the agent is appended here before it is parsed. */
  logFile: z.string().min(1),
  /** Normalized events, one JSON per line. */
  eventsFile: z.string().optional(),
  /** Read-only review runs and the like get their own label in logs and the registry. */
  purpose: z
    .enum(["implementation", "testing-fix", "documentation", "review", "review-fix", "conflict-resolution"])
    .default("implementation"),
  /** Prices for streamed usage, so a per-task cap (`agent.maxBudgetUsd`) holds for CLIs without their own. */
  pricing: Pricing.optional(),
});
export type AgentRunRequest = z.infer<typeof AgentRunRequest>;
export type AgentRunRequestInput = z.input<typeof AgentRunRequest>;

export const AgentRunResult = z.strictObject({
  runId: z.string(),
  taskId: z.string(),
  outcome: AgentOutcome,
  exitCode: z.number().int().nullable(),
  reason: z.string().optional(),
  sessionId: z.string().optional(),
  usage: TokenUsage.optional(),
  permissionDenials: z.number().int().nonnegative().default(0),
  pid: z.number().int().optional(),
  startedAt: z.string(),
  endedAt: z.string(),
  durationMs: z.number().nonnegative(),
  /** Whether the failure looks transient (API error, rate limit, spawn error) and may be retried. */
  transient: z.boolean().default(false),
});
export type AgentRunResult = z.infer<typeof AgentRunResult>;

export const ProcessStatus = z.enum(["starting", "running", "exited", "killed", "lost"]);
export type ProcessStatus = z.infer<typeof ProcessStatus>;

/** One entry of the process registry (`.gadugi/runs/<id>/processes.json`). */
export const ProcessRecord = z.strictObject({
  runId: z.string(),
  taskId: z.string(),
  pid: z.number().int(),
  /** The command line with secrets redacted. */
  command: z.array(z.string()),
  cwd: z.string(),
  purpose: z.string().default("implementation"),
  status: ProcessStatus,
  startedAt: z.string(),
  /**
   * The process's start time as the kernel keeps it (`/proc/<pid>/stat` field 22, clock ticks
   * after boot), checked before the pid is signalled so a reused pid is never hit. Absent where
   * `/proc` is not available (then only the pid is checked).
   */
  startTicks: z.number().int().nonnegative().optional(),
  endedAt: z.string().optional(),
  lastOutputAt: z.string().optional(),
  lastOutput: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  signal: z.string().nullable().optional(),
  logFile: z.string(),
  cpuPercent: z.number().nonnegative().optional(),
  rssBytes: z.number().nonnegative().optional(),
});
export type ProcessRecord = z.infer<typeof ProcessRecord>;
