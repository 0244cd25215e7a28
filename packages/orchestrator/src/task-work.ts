import { effectivePricing, formatUsd, priceUsage } from "@gadugi/cost";
import { type ProcessRegistry, runAgentTask } from "@gadugi/execution-monitor";
import type { Env, ProcessRunner } from "@gadugi/git";
import type {
  AgentConfig,
  AgentEvent,
  AgentRunRequestInput,
  AgentRunResult,
  Pricing,
  TaskData,
  TokenUsage,
  WorkflowPhase,
  WorkflowState,
} from "@gadugi/interfaces";
import { type WorkflowGitHub, WorkflowManager } from "@gadugi/workflow-manager";
import type { WorktreeManager } from "@gadugi/worktree-manager";
import { chooseAgent } from "./agents.js";
import type { RunBudgetGuard } from "./budget.js";
import type { LiveEvent } from "./requests.js";
import { definedEnv } from "./run-env.js";
import { extrasOf, recordOf, runFiles, type Session } from "./session.js";

/**
 * The task-work stage: one task's worktree, environment and workflow phases. Its input and
 * result are plain JSON data (versioned), the unit a remote worker will run unchanged; the
 * coordinator alone prepares the input (agent, start point, earlier state) and owns merges.
 */
export interface TaskWorkInput {
  version: 1;
  runId: string;
  task: TaskData;
  agent: { name: string; config: AgentConfig };
  /** The branch the task's work is for. */
  baseRef: string;
  /** What the task branch starts from (the run's base commit, or the integration tip). */
  startPoint?: string;
  /** The task's state from an earlier attempt or run: completed phases are not run again. */
  resume?: WorkflowState;
  /** Redo the work on top of `startPoint` (a conflict re-run); needs `resume`. */
  restart?: { startPoint: string; reason: string };
  /**
   * The same redo started afresh on `startPoint`, where the earlier attempt's worktree is not at
   * hand (a queue worker): the agent is told `reason`.
   */
  redo?: { reason: string };
}

export type TaskWorkResult = { version: 1; taskId: string; state: WorkflowState } & TaskAttemptOutcome;

/** How one attempt of a task ended, as the scheduler takes it. */
export interface TaskAttemptOutcome {
  status: "completed" | "failed" | "cancelled" | "budget-exceeded";
  reason?: string;
  transient?: boolean;
}

/** Which attempt a task work is (a queue's job id); `rerun` counts conflict re-runs within it. */
export interface TaskWorkMeta {
  attempt: number;
  rerun?: number;
}

export type TaskWorker = (
  input: TaskWorkInput,
  signal: AbortSignal,
  meta?: TaskWorkMeta,
) => Promise<TaskWorkResult>;

/** What task work needs of a run: a coordinator's Session, or a queue worker's own run. */
export type TaskWorkSession = Pick<Session, "runId" | "repoRoot" | "config" | "state" | "background">;

/**
 * The input of a task's attempt: its agent, where it starts and the state it continues from (a
 * resumed run's, else an earlier attempt's).
 */
export async function taskWorkInput(
  session: Session,
  input: { taskId: string; attempt: number },
  resumeStates: Map<string, WorkflowState>,
): Promise<TaskWorkInput> {
  const task = session.plan.tasks.find((t) => t.id === input.taskId) as TaskData;
  const agent = chooseAgent(task, session.config, session);
  extrasOf(session, task.id).agent = agent.name;
  // A task that waits for others builds on their merged work; the others start from the
  // commit the run started from, even if the user's branch moves meanwhile.
  const startPoint =
    task.dependencies.length > 0 && session.integration
      ? await session.integration.tip()
      : session.baseCommit;
  const prior =
    resumeStates.get(task.id) ??
    (input.attempt > 1 ? await session.state.loadTask(session.runId, task.id) : undefined);
  return {
    version: 1,
    runId: session.runId,
    task,
    agent,
    baseRef: session.baseRef,
    startPoint,
    ...(prior === undefined ? {} : { resume: prior }),
  };
}

/** The input of a conflict re-run of `input`'s task on top of `restart.startPoint`. */
export function restartInput(
  input: TaskWorkInput,
  state: WorkflowState,
  restart: { startPoint: string; reason: string },
): TaskWorkInput {
  const { startPoint: _startPoint, resume: _resume, ...rest } = input;
  return { ...rest, resume: state, restart };
}

/** The scheduler's view of a task-work result. */
export function workOutcome(result: TaskWorkResult): TaskAttemptOutcome {
  return {
    status: result.status,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.transient === undefined ? {} : { transient: result.transient }),
  };
}

export interface LocalWorkerOptions {
  env: Env;
  worktrees: WorktreeManager;
  github: WorkflowGitHub | undefined;
  /** The run's process registry: agents are registered in it. */
  registry: ProcessRegistry;
  /** Starts (and registers) setup commands, installs, tests and review. */
  runner: ProcessRunner;
  onEvent: ((event: LiveEvent) => void) | undefined;
  now: () => number;
  /** Told when each phase of a task starts (a queue worker reports it to the orchestrator). */
  onPhase?: (taskId: string, phase: WorkflowPhase) => void;
  /** The run's budget: stops agent runs at it, and a task's cap counts its earlier runs' spend. */
  budget?: Pick<RunBudgetGuard, "taskSpentUsd" | "reachedReason" | "agentSignal">;
}

/** A worker that runs task work in this process: a WorkflowManager with the run's agent runner. */
export function localTaskWorker(session: TaskWorkSession, options: LocalWorkerOptions): TaskWorker {
  const { env, registry } = options;
  const record = recordOf(session);
  const pricing = effectivePricing(session.config.pricing);
  const agentRunner = async (
    request: Parameters<typeof runAgentTask>[0],
    run: { signal: AbortSignal },
  ): Promise<AgentRunResult> => {
    const { budget } = options;
    // The run's budget is reached: no agent starts any more (the phase ends the task budget-exceeded).
    const reached = budget?.reachedReason;
    if (reached !== undefined) return notStarted(request, reached);
    const capped = capToWhatIsLeft(request, budget);
    if ("spent" in capped) return capped.spent;
    const guarded = budget?.agentSignal(request.taskId, run.signal);
    let ran: AgentRunResult;
    try {
      ran = await runAgentTask(
        {
          ...capped.request,
          pricing,
          agent: { ...capped.request.agent, env: { ...definedEnv(env), ...request.agent.env } },
        },
        {
          registry,
          signal: guarded?.signal ?? run.signal,
          onEvent: (event) => agentEvent(session, options.onEvent, request.taskId, event, pricing),
          onProcessEvent: (event) => session.background.add(record(event)),
        },
      );
    } finally {
      guarded?.done();
    }
    // Usage is journaled by the workflow (`agent.run`), priced, so it survives a crash and resume.
    return ran.usage === undefined ? ran : { ...ran, usage: withCost(ran.usage, pricing) };
  };
  const workflow = new WorkflowManager({
    repoRoot: session.repoRoot,
    runId: session.runId,
    config: session.config,
    state: session.state,
    worktrees: options.worktrees,
    ...(options.github ? { github: options.github } : {}),
    agentRunner,
    runner: options.runner,
    runDir: runFiles(session.repoRoot, session.runId).dir,
    env,
    now: options.now,
    ...(options.onPhase === undefined
      ? {}
      : {
          onPhase: (event: { taskId: string; phase: WorkflowPhase; status: string }) => {
            if (event.status === "running") options.onPhase?.(event.taskId, event.phase);
          },
        }),
  });
  return async (input, signal) => {
    const state = await workflow.runTask(input.task, {
      baseRef: input.baseRef,
      ...(input.startPoint === undefined ? {} : { startPoint: input.startPoint }),
      agent: input.agent.config,
      agentName: input.agent.name,
      signal,
      ...(input.resume === undefined ? {} : { resume: input.resume }),
      ...(input.restart === undefined ? {} : { restart: input.restart }),
      ...(input.redo === undefined ? {} : { redoReason: input.redo.reason }),
    });
    return { version: 1, taskId: input.task.id, state, ...classify(state) };
  };
}

/**
 * A task's cap (`agent.maxBudgetUsd`, from its prompt or budget.perTaskUsd) is for the whole task:
 * each agent run gets what its earlier runs left. Nothing left: the run is not started and ends
 * `budget_exceeded` at once.
 */
function capToWhatIsLeft(
  request: AgentRunRequestInput,
  budget: Pick<RunBudgetGuard, "taskSpentUsd"> | undefined,
): { request: AgentRunRequestInput } | { spent: AgentRunResult } {
  const cap = request.agent.maxBudgetUsd;
  if (cap === undefined || budget === undefined) return { request };
  const spent = budget.taskSpentUsd(request.taskId);
  const left = cap - spent;
  if (left > 0) return { request: { ...request, agent: { ...request.agent, maxBudgetUsd: left } } };
  return {
    spent: notStarted(
      request,
      `not started: the task has spent ${formatUsd(spent)} of its budget of ${formatUsd(cap)}`,
    ),
  };
}

/** An agent run refused at a budget before it started: it spent nothing (a known zero, not unknown). */
function notStarted(request: AgentRunRequestInput, reason: string): AgentRunResult {
  const at = new Date().toISOString();
  return {
    runId: request.runId,
    taskId: request.taskId,
    outcome: "budget_exceeded",
    exitCode: null,
    reason,
    usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
    permissionDenials: 0,
    startedAt: at,
    endedAt: at,
    durationMs: 0,
    transient: false,
  };
}

export function classify(final: WorkflowState): TaskAttemptOutcome {
  if (final.status === "cancelled") return { status: "cancelled", reason: final.error ?? "cancelled" };
  if (final.status === "budget-exceeded")
    return { status: "budget-exceeded", reason: final.error ?? "stopped at its budget" };
  // Not merged, and never retried: the scheduler skips its dependents with the review's reason.
  if (final.status === "changes-requested")
    return { status: "failed", reason: final.error ?? "the reviewer requested changes", transient: false };
  if (final.status !== "completed") {
    const implementation = final.phases.find((p) => p.phase === "implementation");
    return {
      status: "failed",
      reason: final.error ?? "the workflow failed",
      transient: implementation?.status === "failed" && implementation.data.transient === true,
    };
  }
  return { status: "completed" };
}

function agentEvent(
  session: TaskWorkSession,
  onEvent: ((event: LiveEvent) => void) | undefined,
  taskId: string,
  event: AgentEvent,
  pricing: Pricing,
): void {
  if (event.type === "text") {
    onEvent?.({ type: "agent.event", runId: session.runId, taskId, at: event.at, event, live: true });
    return;
  }
  const priced =
    (event.type === "usage" || event.type === "finished") && event.usage
      ? { ...event, usage: withCost(event.usage, pricing) }
      : event;
  session.background.add(session.state.record(session.runId, { type: "agent.event", taskId, event: priced }));
}

/**
 * The usage with its cost: the CLI's own, else priced from the config's `pricing` by model
 * (marked `pricing`), else left unknown. Done once, when it is journaled, so the report, the live
 * view, `gadugi status` and a resume all read the same figure.
 */
export function withCost(usage: TokenUsage, pricing: Pricing): TokenUsage {
  if (usage.costUsd !== undefined) return usage.costSource ? usage : { ...usage, costSource: "cli" };
  const priced = priceUsage(usage, pricing);
  return priced.costUsd === undefined ? usage : { ...usage, costUsd: priced.costUsd, costSource: "pricing" };
}
