import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { parseJsonWith } from "@gadugi/error-handling";
import { type Env, GitClient } from "@gadugi/git";
import {
  ExecutionPlan,
  type GadugiConfig,
  type RunEvent,
  type RunState,
  type WorkflowState,
} from "@gadugi/interfaces";
import { EventJournal, openRunOrRecover, writeFileAtomic } from "@gadugi/state";
import { analyze } from "@gadugi/task-analyzer";
import { checkTaskStatusEvent } from "@gadugi/task-tracking";
import { chooseAgent } from "./agents.js";
import { stopLeftoverProcesses } from "./cleanup.js";
import { IntegrationBranch } from "./integration.js";
import type { ResumeRequest, RunRequest } from "./requests.js";
import { configForResume, type RunSettings, settingsForResume, settingsForRun } from "./run-settings.js";
import {
  BackgroundWrites,
  newRunId,
  ObservedStateManager,
  type PlannedRun,
  runFiles,
  type Session,
} from "./session.js";
import { validateRun } from "./validate-run.js";

/**
 * The plan stage: a new run's analysis, checks and journaled settings, or a resumed run's from
 * its journal — either way a PlannedRun (a Session and what a resume continues from) for the
 * same dispatch → integrate → report → cleanup stages.
 */
export interface PlanContext {
  repoRoot: string;
  env: Env;
  now: () => number;
  /** GitHub turned off by the caller (`github: false`). */
  githubOff: boolean;
  onEvent?: ((event: RunEvent) => void) | undefined;
  /** The config the Orchestrator was given (resume prefers it to the run's file), and its file. */
  given: { config?: GadugiConfig; file?: string };
  /** The config to use: the given one, else the repository's, with the file it came from. */
  loadConfig: () => Promise<{ config: GadugiConfig; file?: string }>;
}

/** The analysis of a request's prompts (`cache: false`: nothing written, for `plan`). */
export async function analyzePrompts(
  repoRoot: string,
  config: GadugiConfig,
  request: Pick<RunRequest, "promptFiles" | "cwd">,
  options: { cache?: false } = {},
): Promise<ExecutionPlan> {
  const { plan } = await analyze({
    repoRoot,
    cwd: request.cwd ?? repoRoot,
    promptFiles: request.promptFiles,
    config: config.analysis,
    mergeRules: config.integration.mergeRules,
    promptsDir: config.promptsDir,
    ...options,
  });
  return plan;
}

/**
 * A new run: analysis, every check (validateRun), the run's directory and journal, its settings
 * (`run.settings`), plan.json, the plan's warnings and the integration branch. The session's
 * state is open when this returns; the caller closes it.
 */
export async function planRun(ctx: PlanContext, request: RunRequest): Promise<PlannedRun> {
  const { repoRoot } = ctx;
  const { config, file: configFile } = await ctx.loadConfig();
  const startedAt = ctx.now();
  const plan = await analyzePrompts(repoRoot, config, request);
  // Everything that can be checked is, before anything starts (the dry run checks the same).
  const git = new GitClient(repoRoot, { env: ctx.env });
  const { baseRef, baseCommit, maxParallel } = await validateRun({
    plan,
    config,
    settings: request,
    git,
    env: ctx.env,
  });
  const runId = request.runId ?? newRunId(startedAt);
  const integrate = request.integrate ?? config.integration.enabled;
  const integrationBranch = integrate ? `${config.branchPrefix}integration-${runId}` : undefined;
  const state = observedState(ctx);
  await state.createRun({
    runId,
    baseRef,
    baseCommit,
    promptFiles: plan.tasks.map((t) => t.promptFile),
    tasks: plan.tasks,
    ...(integrationBranch ? { integrationBranch } : {}),
  });
  try {
    await replayStart(ctx, runId);
    // Every option that shapes the run, so that a resume finishes it the same way.
    const settings = await settingsForRun(
      {
        ...(request.agent === undefined ? {} : { agent: request.agent }),
        maxParallel,
        ...(request.timeoutSec === undefined ? {} : { timeoutSec: request.timeoutSec }),
        integrate,
        keepWorktrees: request.keepWorktrees ?? config.keepWorktrees,
        githubOff: ctx.githubOff,
        ...(configFile === undefined ? {} : { configFile }),
        ...(request.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: request.maxBudgetUsd }),
        ...(request.maxBudgetTokens === undefined ? {} : { maxBudgetTokens: request.maxBudgetTokens }),
      },
      config,
    );
    await state.record(runId, { type: "run.settings", settings });
    await journalPlan(state, runFiles(repoRoot, runId).plan, runId, plan);
    const integration = integrationBranch ? new IntegrationBranch(git, integrationBranch) : undefined;
    await integration?.ensure(baseCommit);
    const session: Session = {
      runId,
      repoRoot,
      config,
      state,
      plan,
      baseRef,
      baseCommit,
      integration,
      ...sessionSettings(settings),
      signal: request.signal ?? new AbortController().signal,
      startedAt,
      warnings: [
        ...plan.skipped.map((s) => `skipped ${s.file}: ${s.reason}`),
        ...plan.warnings.map(planWarningText),
      ],
      extras: {},
      background: new BackgroundWrites(),
    };
    return { session, resumeStates: new Map() };
  } catch (error) {
    await state.close();
    throw error;
  }
}

/** plan.json (resume schedules from it) and the plan's warnings, journaled. */
async function journalPlan(
  state: ObservedStateManager,
  file: string,
  runId: string,
  plan: ExecutionPlan,
): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(plan, null, 2)}\n`);
  for (const skipped of plan.skipped) {
    await state.record(runId, { type: "warning", message: `skipped ${skipped.file}: ${skipped.reason}` });
  }
  for (const warning of plan.warnings) {
    await state.record(runId, {
      type: "warning",
      message: planWarningText(warning),
      taskId: warning.taskId,
    });
  }
}

/**
 * A resumed run, fed from its journal: the journaled settings (overridden by the request), the
 * stored plan.json, leftover processes stopped, and each task's state to continue from. The
 * session's state is open when this returns; the caller closes it.
 */
export async function planResume(ctx: PlanContext, request: ResumeRequest): Promise<PlannedRun> {
  const { repoRoot } = ctx;
  const state = observedState(ctx);
  const run = await openRunOrRecover(state, request.runId);
  try {
    const { config, settings, overrides, warnings } = await resumeSettings(ctx, run, request);
    await replayStart(ctx, run.runId);
    const files = runFiles(repoRoot, run.runId);
    const plan = parseJsonWith(ExecutionPlan, await readFile(files.plan, "utf8"), files.plan);
    // A resume's agent (its own or the run's) must be known before anything starts again.
    for (const task of plan.tasks) chooseAgent(task, config, sessionSettings(settings));
    await state.record(run.runId, { type: "run.settings", settings, overrides });
    for (const message of warnings) await state.record(run.runId, { type: "warning", message });
    // Agents of the crashed orchestrator may still run (they lead their own process groups):
    // stop them; their tasks restart from their last completed phase.
    const stale = await stopLeftoverProcesses(files.dir, run.runId);
    await state.record(run.runId, {
      type: "run.status",
      status: "running",
      reason: `resumed by pid ${process.pid} on ${hostname()}${stale.length ? `; stopped leftover process groups ${stale.join(", ")}` : ""}`,
      // The journal's last event before this resume: the time since is nobody's work.
      pausedSince: run.updatedAt,
    });
    const git = new GitClient(repoRoot, { env: ctx.env });
    const integration = run.integrationBranch ? new IntegrationBranch(git, run.integrationBranch) : undefined;
    const baseCommit = run.baseCommit ?? (await git.headCommit());
    await integration?.ensure(baseCommit);
    const resumeStates = new Map<string, WorkflowState>();
    for (const [id, task] of Object.entries(run.tasks)) {
      if (task.phases.length > 0) resumeStates.set(id, task);
    }
    const session: Session = {
      runId: run.runId,
      repoRoot,
      config,
      state,
      plan,
      baseRef: run.baseRef ?? baseCommit,
      baseCommit,
      integration,
      ...sessionSettings(settings),
      signal: request.signal ?? new AbortController().signal,
      startedAt: Date.parse(run.startedAt),
      warnings,
      extras: {},
      background: new BackgroundWrites(),
    };
    return { session, resumeStates, previous: run };
  } catch (error) {
    await state.close();
    throw error;
  }
}

/**
 * The settings and config a resume continues with: the run's journaled settings (a run from
 * before they were journaled: the config's), each option of `request` overriding one.
 */
async function resumeSettings(
  ctx: PlanContext,
  run: RunState,
  request: ResumeRequest,
): Promise<{ config: GadugiConfig; settings: RunSettings; overrides: string[]; warnings: string[] }> {
  let journaled = run.settings;
  if (journaled === undefined) {
    const current = await ctx.loadConfig();
    journaled = await settingsForRun(
      {
        maxParallel: current.config.maxParallel,
        integrate: run.integrationBranch !== undefined,
        keepWorktrees: current.config.keepWorktrees,
        githubOff: ctx.githubOff,
        ...(current.file === undefined ? {} : { configFile: current.file }),
      },
      current.config,
    );
  }
  const resumed = await settingsForResume(journaled, {
    ...(request.agent === undefined ? {} : { agent: request.agent }),
    ...(request.maxParallel === undefined ? {} : { maxParallel: request.maxParallel }),
    ...(request.timeoutSec === undefined ? {} : { timeoutSec: request.timeoutSec }),
    ...(request.keepWorktrees === undefined ? {} : { keepWorktrees: request.keepWorktrees }),
    ...(request.maxBudgetUsd === undefined ? {} : { maxBudgetUsd: request.maxBudgetUsd }),
    ...(request.maxBudgetTokens === undefined ? {} : { maxBudgetTokens: request.maxBudgetTokens }),
    ...(ctx.given.file === undefined ? {} : { configFile: ctx.given.file }),
  });
  const { config, warning } = await configForResume(
    run.repoRoot,
    resumed,
    journaled.configHash,
    ctx.given.config,
  );
  return {
    config,
    settings: resumed.settings,
    overrides: resumed.overrides,
    warnings: warning === undefined ? [] : [warning],
  };
}

function observedState(ctx: PlanContext): ObservedStateManager {
  const state = new ObservedStateManager(ctx.repoRoot, {
    now: () => new Date(ctx.now()),
    // Every task status change of the run goes through the status machine.
    checkEvent: checkTaskStatusEvent,
  });
  state.listener = ctx.onEvent;
  return state;
}

/** Tells the listener about the run's start and tasks, which createRun journals directly. */
async function replayStart(ctx: PlanContext, runId: string): Promise<void> {
  const listener = ctx.onEvent;
  if (listener === undefined) return;
  const { events } = await EventJournal.forRun(ctx.repoRoot, runId).read();
  for (const event of events)
    if (event.type === "run.started" || event.type === "task.added") listener(event);
}

/** The session fields that come from the run's settings. */
function sessionSettings(settings: RunSettings) {
  return {
    maxParallel: settings.maxParallel,
    ...(settings.agent === undefined ? {} : { agent: settings.agent }),
    ...(settings.timeoutSec === undefined ? {} : { timeoutSec: settings.timeoutSec }),
    ...(settings.budget === undefined ? {} : { budget: settings.budget }),
    keepWorktrees: settings.keepWorktrees,
    githubOff: settings.github === "off",
  };
}

/** A plan warning with the prompt file and line it is about, as `gadugi analyze` prints it. */
function planWarningText(warning: ExecutionPlan["warnings"][number]): string {
  const where = warning.file ? `${warning.file}${warning.line ? `:${warning.line}` : ""}: ` : "";
  return `${where}${warning.message}`;
}
