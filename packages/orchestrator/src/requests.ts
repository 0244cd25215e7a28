import type { Env } from "@gadugi/git";
import type {
  AgentEvent,
  ExecutionPlan,
  GadugiConfig,
  RunEvent,
  RunReport,
  RunStatus,
} from "@gadugi/interfaces";
import type { WorkflowGitHub } from "@gadugi/workflow-manager";
import type { QueueRunOptions } from "./queue-work.js";

// The Orchestrator's public request and result shapes (re-exported by engine.ts and index.ts).

export interface OrchestratorOptions {
  /** Any directory of the repository; its top level is used. */
  repoRoot: string;
  /** The loaded config; read from the repository (gadugi.config.json/.yaml) when omitted. */
  config?: GadugiConfig;
  /** The file `config` was read from: journaled with its content hash, read again by `resume`. */
  configFile?: string;
  /** Laid over process.env for agents, setup, test commands and git. */
  env?: Env;
  /**
   * GitHub for the issue, PR and review phases: `false` turns it off, undefined discovers it
   * (token + GitHub `origin`); tests pass a client pointed at a local server.
   */
  github?: WorkflowGitHub | false;
  /** Every event the run journals (and agent text), for progress displays. */
  onEvent?: (event: RunEvent | LiveEvent) => void;
  now?: () => number;
  /** Run each task's work on `gadugi worker`s through this queue instead of in this process. */
  queue?: QueueRunOptions;
}

/** An agent's text output: shown live, not journaled (it is in the task's log). */
export interface LiveEvent {
  type: "agent.event";
  runId: string;
  taskId: string;
  at: string;
  event: AgentEvent;
  live: true;
}

export interface RunRequest {
  promptFiles: string[];
  /** Base of relative prompt paths. Default: the repository root. */
  cwd?: string;
  maxParallel?: number;
  /** The run's default agent (a prompt's own `agent` still wins). */
  agent?: string;
  /** What task branches start from; default config.baseRef, else the current branch. */
  baseRef?: string;
  /**
   * Wall-clock limit of each agent run of a task (implementation, test fixes, documentation), in
   * seconds; a prompt's own `timeout` wins, and this wins over the agent's and taskTimeoutSec.
   */
  timeoutSec?: number;
  /** Merge results onto the integration branch (default config.integration.enabled). */
  integrate?: boolean;
  keepWorktrees?: boolean;
  /** The whole run's budget in USD (`--max-budget-usd`); default config.budget.maxUsd. */
  maxBudgetUsd?: number;
  /** The whole run's budget in tokens; default config.budget.maxTokens. */
  maxBudgetTokens?: number;
  signal?: AbortSignal;
  runId?: string;
}

/** Resume continues with the run's journaled settings; each option given here overrides one. */
export interface ResumeRequest {
  runId: string;
  maxParallel?: number;
  /** Another default agent for the tasks that still have to run. */
  agent?: string;
  timeoutSec?: number;
  signal?: AbortSignal;
  keepWorktrees?: boolean;
  /** A new run budget in USD (a resume after the budget stopped the run raises it). */
  maxBudgetUsd?: number;
  maxBudgetTokens?: number;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  plan: ExecutionPlan;
  report: RunReport;
  reportFiles: { json: string; markdown: string; html: string };
}
