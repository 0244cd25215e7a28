import { z } from "zod";
import { AgentSetting } from "./agent.js";
import { BudgetSetting, Pricing } from "./budget.js";
import { MergeRulesSetting } from "./merge-rules.js";
import { CommandSetting, Duration } from "./settings.js";
import { AllowSkipSetting } from "./skip.js";
import { WORKFLOW_PHASES, WorkflowPhase } from "./workflow.js";

/** Every `*Sec` key: seconds, or a duration such as "90s", "30m", "1h30m". */
const seconds = Duration;

/** The most tasks that may run at once (`maxParallel`, `--max-parallel`). */
export const MAX_PARALLEL = 64;

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
  maxParallel: z.number().int().min(1).max(MAX_PARALLEL).default(4),
  /** Where `--all-prompts` looks, relative to the repository root. */
  promptsDir: z.string().default("prompts"),
  /** Base ref for task branches; the current branch when unset. */
  baseRef: z.string().optional(),
  worktreeDir: z.string().default(".worktrees"),
  /**
   * Finished tasks' worktrees are kept (detached, cleaned) and taken up by the next tasks instead
   * of a new checkout each: at most `size` of them; `keep` are the ignored folders they keep, so
   * installs in them stay incremental. `size: 0` turns the pool off.
   */
  worktreePool: z
    .strictObject({
      size: z.number().int().min(0).max(64).default(4),
      keep: z.array(z.string().min(1)).default(["node_modules", ".venv", "venv"]),
    })
    .prefault({}),
  branchPrefix: z.string().default("gadugi/"),
  /**
   * Name of the default agent: a key of `agents` or a built-in kind. Unset: every task needs its
   * own (`agent:` or `run:` in its frontmatter) or the run's `--agent`.
   */
  agent: z.string().min(1).optional(),
  agents: z.record(z.string(), AgentSetting).default({}),
  /** Wall-clock limit of each agent run of a task, unless the agent or the prompt sets its own. */
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
      /** Run in each new worktree, in order: command lines or argument arrays, never a shell. */
      commands: z.array(CommandSetting).default([]),
      commandTimeoutSec: seconds.default(600),
      /** Missing uv for a uv project: fail (default) or skip the environment step. */
      skipMissingUv: z.boolean().default(false),
      /** Share the main checkout's node_modules instead of installing (true means "symlink"). */
      reuseNodeModules: z.union([z.boolean(), z.enum(["symlink", "hardlink"])]).default(false),
      /** Install dependencies in each worktree (uv sync, frozen Node installs). */
      installDependencies: z.boolean().default(true),
    })
    .prefault({}),
  workflow: z
    .strictObject({
      requiredPhases: z.array(WorkflowPhase).default([...WORKFLOW_PHASES]),
      /**
       * Per phase, the skip reason codes that satisfy requiredPhases (`{ testing: [] }` makes
       * testing mandatory); phases it does not name keep DEFAULT_ALLOW_SKIP.
       */
      allowSkip: AllowSkipSetting.optional(),
      /** Test command for the testing phase; detected from the project when unset. */
      testCommand: CommandSetting.optional(),
      testRetries: z.number().int().min(0).default(1),
      /** Reviewer: an agent name run read-only, or `command` with reviewCommand. */
      reviewer: z.string().optional(),
      reviewCommand: CommandSetting.optional(),
      /**
       * Merge a task whose reviewer still requests changes after the fix round (default: it ends
       * `changes-requested`, unmerged, and its dependents are skipped).
       */
      mergeOnRequestChanges: z.boolean().default(false),
    })
    .prefault({}),
  integration: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Re-run a conflicting task's agent on top of the integration branch, then retry once. */
      resolveConflicts: z.boolean().default(true),
      /** Tests of the merged result; workflow.testCommand when unset. */
      testCommand: CommandSetting.optional(),
      openPullRequest: z.boolean().default(false),
      /**
       * Merge rules for hotspot files (CHANGELOG, version fields, keyed maps, lockfiles): glob →
       * rule over the built-in defaults, `off` for a glob without one; `false` turns them all off.
       */
      mergeRules: MergeRulesSetting.default({}),
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
  /**
   * `gadugi run`'s queue: with a URL, each task runs on `gadugi worker`s through this Redis
   * (`--queue` and GADUGI_QUEUE_URL win). A password belongs in GADUGI_QUEUE_URL, not in a
   * committed file.
   */
  queue: z
    .strictObject({
      /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS). */
      url: z.string().min(1).optional(),
      /** The git remote workers fetch from and push to (default origin). */
      remote: z.string().min(1).optional(),
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
  /** Caps on spend: the whole run's (USD, tokens) and each task's. */
  budget: BudgetSetting.default({}),
  /** Model → USD per million tokens, over the built-in defaults (see @gadugi/cost). */
  pricing: Pricing.default({}),
});
export type GadugiConfig = z.infer<typeof GadugiConfig>;
export type GadugiConfigInput = z.input<typeof GadugiConfig>;
