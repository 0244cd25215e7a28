import { z } from "zod";
import { AgentConfig } from "./agent.js";
import { WORKFLOW_PHASES, WorkflowPhase } from "./workflow.js";

const seconds = z.number().positive();

export const RetryConfig = z.strictObject({
  maxAttempts: z.number().int().min(1).default(3),
  initialDelayMs: z.number().int().nonnegative().default(1000),
  maxDelayMs: z.number().int().nonnegative().default(30_000),
});
export type RetryConfig = z.infer<typeof RetryConfig>;

export const CircuitBreakerConfig = z.strictObject({
  /** Consecutive failures that open the breaker (the seed's failure_threshold). */
  failureThreshold: z.number().int().min(1).default(5),
  /** Seconds the breaker stays open before a trial call (the seed's timeout). */
  resetTimeoutSec: seconds.default(600),
});
export type CircuitBreakerConfig = z.infer<typeof CircuitBreakerConfig>;

/**
 * `gadugi.config.json` / `gadugi.config.yaml`. Every key is optional; unknown keys are errors so
 * a typo is reported instead of silently ignored.
 */
export const GadugiConfig = z.strictObject({
  $schema: z.string().optional(),
  /** Tasks running at once. */
  maxParallel: z.number().int().min(1).max(64).default(4),
  /** Where `--all-prompts` looks, relative to the repository root. */
  promptsDir: z.string().default("prompts"),
  /** Base ref for task branches; the current branch when unset. */
  baseRef: z.string().optional(),
  worktreeDir: z.string().default(".worktrees"),
  branchPrefix: z.string().default("gadugi/"),
  /** Name of the default agent: a key of `agents` or a built-in kind. */
  agent: z.string().default("command"),
  agents: z.record(z.string(), AgentConfig).default({}),
  taskTimeoutSec: seconds.default(3600),
  idleTimeoutSec: seconds.optional(),
  retry: RetryConfig.prefault({}),
  circuitBreaker: CircuitBreakerConfig.prefault({}),
  analysis: z
    .strictObject({
      /** Import coupling: serialize coupled tasks, or only warn about them. */
      softEdges: z.enum(["serialize", "warn"]).default("serialize"),
      importDepth: z.number().int().min(1).max(10).default(1),
    })
    .prefault({}),
  setup: z
    .strictObject({
      /** Untracked files copied into each worktree (globs), in addition to `.worktreeinclude`. */
      copyFiles: z.array(z.string()).default([]),
      commands: z.array(z.string()).default([]),
      commandTimeoutSec: seconds.default(600),
      /** Missing uv for a uv project: fail (default) or skip the environment step. */
      skipMissingUv: z.boolean().default(false),
      /** Link the main checkout's node_modules instead of installing. */
      reuseNodeModules: z.boolean().default(false),
    })
    .prefault({}),
  workflow: z
    .strictObject({
      requiredPhases: z.array(WorkflowPhase).default([...WORKFLOW_PHASES]),
      /** Test command for the testing phase; detected from the project when unset. */
      testCommand: z.string().optional(),
      testRetries: z.number().int().min(0).default(1),
      /** Reviewer: an agent name run read-only, or `command` with reviewCommand. */
      reviewer: z.string().optional(),
      reviewCommand: z.string().optional(),
    })
    .prefault({}),
  integration: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Re-run a conflicting task's agent on top of the integration branch, then retry once. */
      resolveConflicts: z.boolean().default(true),
      testCommand: z.string().optional(),
      openPullRequest: z.boolean().default(false),
    })
    .prefault({}),
  resources: z
    .strictObject({
      /** Lower concurrency when free memory drops below this many MiB. */
      minFreeMemoryMb: z.number().nonnegative().default(1024),
      /** Lower concurrency when the 1-minute load per core exceeds this. */
      maxLoadPerCore: z.number().positive().default(2),
    })
    .prefault({}),
  github: z
    .strictObject({
      /** REST base URL; GITHUB_API_URL or https://api.github.com when unset. */
      apiUrl: z.url().optional(),
      owner: z.string().optional(),
      repo: z.string().optional(),
      labels: z.array(z.string()).default(["gadugi"]),
    })
    .prefault({}),
  keepWorktrees: z.boolean().default(false),
});
export type GadugiConfig = z.infer<typeof GadugiConfig>;
export type GadugiConfigInput = z.input<typeof GadugiConfig>;
