import type { Env, GitClient, ProcessRunner } from "@gadugi/git";
import type { GitHubOperations } from "@gadugi/github-ops";
import type {
  AgentConfig,
  AgentRunRequest,
  AgentRunResult,
  GadugiConfig,
  PhaseRecord,
  SkipReason,
  TaskData,
  WorkflowPhase,
  WorkflowState,
  WorkflowStatePatch,
} from "@gadugi/interfaces";
import type { WorkflowStateManager } from "@gadugi/state";
import type { TodoWriteManager } from "@gadugi/task-tracking";
import type { WorktreeManager } from "@gadugi/worktree-manager";
import type { TaskPaths } from "./paths.js";

/**
 * Runs one agent to its end. The orchestrator passes execution-monitor's `runAgentTask` (process
 * registry, timeouts); tests pass @gadugi/agents' `runAgent`. Must not throw for what the agent
 * does: failures come back as the result's outcome.
 */
export type AgentRunner = (
  request: AgentRunRequest,
  options: { signal: AbortSignal },
) => Promise<AgentRunResult>;

/** What the workflow needs of GitHub; @gadugi/github-ops' GitHubOperations fits. */
export type WorkflowGitHub = Pick<
  GitHubOperations,
  "isAvailable" | "ensureIssue" | "ensurePr" | "addComment" | "createFailureIssue" | "createPrReview"
>;

/** What the workflow needs of worktrees; @gadugi/worktree-manager's WorktreeManager fits. */
export type WorkflowWorktrees = Pick<WorktreeManager, "create">;

/**
 * What a phase returns: completed, or skipped / failed with the reason (never empty). A skip says
 * why as a stable `code` too (kept as `data.skipCode`; `unspecified` when it does not), which
 * `workflow.allowSkip` decides on for a required phase.
 */
export type PhaseOutcome =
  | { status: "completed"; data?: Record<string, unknown> }
  | { status: "skipped"; reason: string; code?: SkipReason; data?: Record<string, unknown> }
  | { status: "failed"; reason: string; data?: Record<string, unknown> };

/** One step of the pipeline. */
export interface Phase {
  readonly name: WorkflowPhase;
  /** What the phase guarantees when it completes (one sentence, shown in docs and the prompt). */
  readonly contract: string;
  run(ctx: PhaseContext): Promise<PhaseOutcome>;
}

/** Facts gathered by the phases of one task; filled again from the WorkflowState on resume. */
export interface TaskFacts {
  worktreePath?: string;
  branch?: string;
  baseRef?: string;
  baseCommit?: string;
  issueNumber?: number;
  issueUrl?: string;
  prNumber?: number;
  prUrl?: string;
  /** `["uv", "run"]` for uv projects whose environment was set up, else empty. */
  commandPrefix: string[];
  /** `pyproject.toml` and `uv.lock` at the worktree root. */
  uvProject: boolean;
  /** Files setup put into the worktree (copied untracked files, `.venv`, shared `node_modules`): never committed. */
  setupArtifacts: string[];
  /** Set when the task is redone on top of merged work (see RunTaskOptions.restart). */
  restartNote?: string;
  /** The branch was reset by a restart, so pushing it must replace the remote branch. */
  forcePush?: boolean;
}

export type AgentPurpose = AgentRunRequest["purpose"];

export interface PhaseAgentRun {
  purpose: AgentPurpose;
  prompt: string;
  /** Default: the task's agent. */
  agent?: AgentConfig;
  /** The name `agent` goes by (a key of the config's agents, or a built-in kind), for the journal. */
  agentName?: string;
  /** Distinguishes prompt files of repeated runs (`testing-fix-2`). Default: the purpose. */
  label?: string;
}

/** Everything a phase may use. Phases never spawn anything but through `runner` and `runAgent`. */
export interface PhaseContext {
  readonly task: TaskData;
  readonly runId: string;
  readonly repoRoot: string;
  readonly runDir: string;
  readonly config: GadugiConfig;
  /** The task's agent (implementation, test fixes, documentation). */
  readonly agent: AgentConfig;
  /** The branch the task's work is for: the pull request's base. */
  readonly baseRef: string;
  /**
   * Where the task branch starts: `baseRef`, a commit holding the merged work it waits for, or a
   * restart's start point (what branch_creation verifies).
   */
  readonly startPoint: string;
  readonly signal: AbortSignal;
  readonly paths: TaskPaths;
  readonly facts: TaskFacts;
  readonly github: WorkflowGitHub | undefined;
  readonly worktrees: WorkflowWorktrees;
  readonly runner: ProcessRunner;
  /** Laid over process.env for commands the workflow runs. */
  readonly env: Env;
  /** Time limit of one test or review command, in ms. */
  readonly commandTimeoutMs: number;
  /** The task is being resumed from an earlier WorkflowState. */
  readonly resumed: boolean;
  /** The implementation phase fails when the branch has no changes (default). */
  readonly failOnNoChanges: boolean;
  /** The phases of this task's plan, in order. */
  readonly plan: readonly Phase[];
  /** The task's todo list (one item per phase) in `paths.taskDir`. */
  readonly todo: TodoWriteManager;
  /** The latest record of a phase of this task (from the resumed state or this run). */
  record(phase: WorkflowPhase): PhaseRecord | undefined;
  /** A git client in the task's worktree (GADUGI_UNEXPECTED before setup gave one). */
  git(): GitClient;
  /** Writes the prompt file and runs the agent in the worktree through the injected runner. */
  runAgent(run: PhaseAgentRun): Promise<AgentRunResult>;
  /** Journals a `task.updated` patch and applies it to `facts`. */
  update(patch: WorkflowStatePatch): Promise<void>;
  /** Appends a `[gadugi]` line to the task log. */
  log(message: string): Promise<void>;
  /** Journals a warning for the task. */
  warn(message: string): Promise<void>;
  now(): number;
}

/** A phase starting or finishing, for progress displays. */
export interface PhaseEvent {
  runId: string;
  taskId: string;
  phase: WorkflowPhase;
  status: PhaseRecord["status"];
  reason?: string;
  durationMs?: number;
  data?: Record<string, unknown>;
}

export interface WorkflowManagerOptions {
  /** The main checkout; `.gadugi/` lives here. */
  repoRoot: string;
  runId: string;
  config: GadugiConfig;
  /** The run must exist (createRun / openRun); every phase is journaled through it. */
  state: WorkflowStateManager;
  worktrees: WorkflowWorktrees;
  /** Without it, GitHub phases are skipped ("GitHub operations are not configured"). */
  github?: WorkflowGitHub;
  agentRunner: AgentRunner;
  /** `<repoRoot>/.gadugi/runs/<runId>`: prompts/, logs/ and tasks/ are written below it. */
  runDir: string;
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
  /** Runs test and review commands and environment setup. Default: @gadugi/git's execa runner. */
  runner?: ProcessRunner;
  /** Laid over process.env for commands (tests, review, setup). */
  env?: Env;
  /** The plan: default {@link createDefaultPhases}. Validated against `workflow.requiredPhases`. */
  phases?: readonly Phase[];
  /** Time limit of one test or review command. Default `config.taskTimeoutSec`. */
  commandTimeoutSec?: number;
  /** What the implementation phase does when the branch has no changes. Default "fail". */
  onNoChanges?: "fail" | "complete";
  /** Told about each phase starting and finishing. */
  onPhase?: (event: PhaseEvent) => void;
  /** Told about warnings (also journaled). */
  onWarning?: (message: string) => void;
}

export interface RunTaskOptions {
  /** The branch the task's work is for (a branch name, for the pull request's base). */
  baseRef: string;
  /**
   * What the task branch starts from, when not `baseRef`: the orchestrator passes the integration
   * branch's tip to a task that waits for others, so it builds on their merged results.
   */
  startPoint?: string;
  agent: AgentConfig;
  /** The name the run chose `agent` by (a key of the config's agents, a built-in kind, or `run`). */
  agentName?: string;
  signal?: AbortSignal;
  /** The task's state from an earlier attempt: completed and skipped phases are not run again. */
  resume?: WorkflowState;
  /**
   * Redo the task's work on top of `startPoint` (the integration tip after a merge conflict):
   * needs `resume` with a worktree. The branch's old head is kept as `<branch>-attempt-<n>`, the
   * branch is reset to `startPoint`, branch_creation verifies it starts there, and every phase
   * from implementation on runs again, with `reason` told to the agent.
   */
  restart?: { startPoint: string; reason: string };
  /**
   * A fresh attempt that redoes a task whose earlier attempt could not be merged, where that
   * attempt's worktree is not at hand (a queue worker on another host): the agent is told
   * `redoReason`, as a restart's agent is.
   */
  redoReason?: string;
}
