import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import {
  describeErrorWithHint,
  GadugiError,
  parseJsonWith,
  parseWith,
  RecoveryManager,
  redactSecrets,
  toGadugiError,
} from "@gadugi/error-handling";
import {
  LocalExecutor,
  ProcessRegistry,
  ResourceGovernor,
  registeringRunner,
  runAgentTask,
  Scheduler,
  type SchedulerEvent,
} from "@gadugi/execution-monitor";
import {
  createProcessRunner,
  type Env,
  GADUGI_GIT_IDENTITY,
  GitClient,
  labelledRunner,
  type ProcessRunner,
} from "@gadugi/git";
import { createGitHubOperations } from "@gadugi/github-ops";
import {
  type AgentEvent,
  type AgentRunResult,
  ExecutionPlan,
  type GadugiConfig,
  type RunEvent,
  type RunEventInput,
  RunReport,
  type RunState,
  type RunStatus,
  type TaskData,
  type WorkflowState,
} from "@gadugi/interfaces";
import {
  CheckpointManager,
  EventJournal,
  isLockHolderAlive,
  moveAside,
  readLock,
  statePaths,
  WorkflowStateManager,
  writeFileAtomic,
} from "@gadugi/state";
import { analyze } from "@gadugi/task-analyzer";
import { computeMetrics, ProductivityAnalyzer } from "@gadugi/task-tracking";
import { detectTestCommand, type WorkflowGitHub, WorkflowManager } from "@gadugi/workflow-manager";
import { type CleanupResult, setupEnvironment, WorktreeManager } from "@gadugi/worktree-manager";
import { chooseAgent } from "./agents.js";
import { loadConfig } from "./config.js";
import { estimateDurations } from "./estimates.js";
import { IntegrationBranch, type MergeOutcome } from "./integration.js";
import { prBaseBranch } from "./pr-base.js";
import {
  buildTaskReports,
  type IntegrationPullRequest,
  type IntegrationTestReport,
  renderReportHtml,
  renderReportMarkdown,
  type TaskExtras,
} from "./report.js";
import { configForResume, type RunSettings, settingsForResume, settingsForRun } from "./run-settings.js";
import { validateRun } from "./validate-run.js";

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
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  plan: ExecutionPlan;
  report: RunReport;
  reportFiles: { json: string; markdown: string; html: string };
}

/** The files of a run under `.gadugi/runs/<id>/`. */
export function runFiles(repoRoot: string, runId: string) {
  const dir = join(repoRoot, ".gadugi", "runs", runId);
  return {
    dir,
    plan: join(dir, "plan.json"),
    reportJson: join(dir, "report.json"),
    reportMarkdown: join(dir, "report.md"),
    reportHtml: join(dir, "report.html"),
    integrationLog: join(dir, "logs", "integration-tests.log"),
  };
}

function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** A state manager that also tells the run's listener about every event journaled. */
class ObservedStateManager extends WorkflowStateManager {
  listener: ((event: RunEvent) => void) | undefined;

  override async record(runId: string, input: RunEventInput): Promise<RunEvent> {
    const event = await super.record(runId, input);
    this.listener?.(event);
    return event;
  }
}

interface Session {
  runId: string;
  repoRoot: string;
  config: GadugiConfig;
  state: ObservedStateManager;
  plan: ExecutionPlan;
  baseRef: string;
  baseCommit: string;
  integration: IntegrationBranch | undefined;
  maxParallel: number;
  agent?: string;
  timeoutSec?: number;
  keepWorktrees: boolean;
  /** GitHub turned off for the run (journaled, so a resume keeps it off). */
  githubOff: boolean;
  signal: AbortSignal;
  startedAt: number;
  warnings: string[];
  extras: Record<string, TaskExtras>;
  integrationPullRequest?: IntegrationPullRequest;
  /** Journal writes made outside the awaited flow (progress events); awaited before the report. */
  background: BackgroundWrites;
}

/**
 * The engine: analyze → set up → execute (every task through a WorkflowManager, in parallel as
 * the plan allows) → integrate (each finished branch merged onto `gadugi/integration-<run>` as
 * soon as it finishes, so dependents start from merged work) → test the integration → report →
 * clean up. Every step is journaled under `.gadugi/runs/<id>/`, so `resume` continues a run after
 * a crash.
 */
export class Orchestrator {
  readonly #options: OrchestratorOptions;
  readonly #now: () => number;
  readonly #runner: ProcessRunner;
  /** Per run being executed: the runner that registers what it starts in the run's registry. */
  readonly #registeringRunners = new WeakMap<Session, ProcessRunner>();
  #root: string | undefined;

  constructor(options: OrchestratorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#runner = createProcessRunner();
  }

  async repoRoot(): Promise<string> {
    this.#root ??= await GitClient.findRoot(this.#options.repoRoot);
    return this.#root;
  }

  async config(): Promise<GadugiConfig> {
    return (await this.#loadedConfig()).config;
  }

  /** The config and the file it came from (the given one, else the repository's). */
  async #loadedConfig(): Promise<{ config: GadugiConfig; file?: string }> {
    if (this.#options.config !== undefined) {
      return {
        config: this.#options.config,
        ...(this.#options.configFile === undefined ? {} : { file: this.#options.configFile }),
      };
    }
    return loadConfig(await this.repoRoot());
  }

  /** The plan for `request` without changing anything (no state, no cache writes). */
  async plan(request: Pick<RunRequest, "promptFiles" | "cwd">): Promise<ExecutionPlan> {
    await GitClient.assertVersion();
    const repoRoot = await this.repoRoot();
    const config = await this.config();
    const { plan } = await analyze({
      repoRoot,
      cwd: request.cwd ?? repoRoot,
      promptFiles: request.promptFiles,
      config: config.analysis,
      promptsDir: config.promptsDir,
      cache: false,
    });
    return plan;
  }

  /**
   * What `run` would do, changing nothing: the plan, after every check `run` makes before it
   * starts (validateRun), so a dry run fails exactly where the run would.
   */
  async dryRun(request: RunRequest): Promise<ExecutionPlan> {
    const repoRoot = await this.repoRoot();
    const config = await this.config();
    const plan = await this.plan(request);
    const git = new GitClient(repoRoot, { env: this.#options.env ?? {} });
    await validateRun({ plan, config, settings: request, git, env: this.#options.env ?? {} });
    return plan;
  }

  async run(request: RunRequest): Promise<RunResult> {
    // Before anything runs: merges need git >= 2.38, and would otherwise fail after all agent work.
    await GitClient.assertVersion();
    const repoRoot = await this.repoRoot();
    const { config, file: configFile } = await this.#loadedConfig();
    const startedAt = this.#now();
    const { plan } = await analyze({
      repoRoot,
      cwd: request.cwd ?? repoRoot,
      promptFiles: request.promptFiles,
      config: config.analysis,
      promptsDir: config.promptsDir,
    });
    // Everything that can be checked is, before anything starts (the dry run checks the same).
    const git = new GitClient(repoRoot, { env: this.#options.env ?? {} });
    const { baseRef, baseCommit, maxParallel } = await validateRun({
      plan,
      config,
      settings: request,
      git,
      env: this.#options.env ?? {},
    });
    const runId = request.runId ?? newRunId(startedAt);
    const integrate = request.integrate ?? config.integration.enabled;
    const integrationBranch = integrate ? `${config.branchPrefix}integration-${runId}` : undefined;
    const state = new ObservedStateManager(repoRoot, { now: () => new Date(this.#now()) });
    state.listener = this.#options.onEvent;
    await state.createRun({
      runId,
      baseRef,
      baseCommit,
      promptFiles: plan.tasks.map((t) => t.promptFile),
      tasks: plan.tasks,
      ...(integrationBranch ? { integrationBranch } : {}),
    });
    try {
      await this.#replayStart(repoRoot, runId);
      // Every option that shapes the run, so that a resume finishes it the same way.
      const settings = await settingsForRun(
        {
          ...(request.agent === undefined ? {} : { agent: request.agent }),
          maxParallel,
          ...(request.timeoutSec === undefined ? {} : { timeoutSec: request.timeoutSec }),
          integrate,
          keepWorktrees: request.keepWorktrees ?? config.keepWorktrees,
          githubOff: this.#options.github === false,
          ...(configFile === undefined ? {} : { configFile }),
        },
        config,
      );
      await state.record(runId, { type: "run.settings", settings });
      const files = runFiles(repoRoot, runId);
      await writeFileAtomic(files.plan, `${JSON.stringify(plan, null, 2)}\n`);
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
      const integration = integrationBranch ? new IntegrationBranch(git, integrationBranch) : undefined;
      await integration?.ensure(baseCommit);
      return await this.#execute(
        {
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
        },
        new Map(),
      );
    } finally {
      await state.close();
    }
  }

  /**
   * Continues a run after a crash, `kill -9` or cancellation: completed tasks are not run again,
   * the others continue from their last completed phase, and nothing is merged twice.
   */
  async resume(request: ResumeRequest): Promise<RunResult> {
    await GitClient.assertVersion();
    const repoRoot = await this.repoRoot();
    const state = new ObservedStateManager(repoRoot, { now: () => new Date(this.#now()) });
    state.listener = this.#options.onEvent;
    const run = await this.#openForResume(state, repoRoot, request.runId);
    try {
      const { config, settings, overrides, warnings } = await this.#resumeSettings(run, request);
      await this.#replayStart(repoRoot, run.runId);
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
      });
      const git = new GitClient(repoRoot, { env: this.#options.env ?? {} });
      const integration = run.integrationBranch
        ? new IntegrationBranch(git, run.integrationBranch)
        : undefined;
      const baseCommit = run.baseCommit ?? (await git.headCommit());
      await integration?.ensure(baseCommit);
      const resumeStates = new Map<string, WorkflowState>();
      for (const [id, task] of Object.entries(run.tasks)) {
        if (task.phases.length > 0) resumeStates.set(id, task);
      }
      return await this.#execute(
        {
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
        },
        resumeStates,
        run,
      );
    } finally {
      await state.close();
    }
  }

  /**
   * The settings and config a resume continues with: the run's journaled settings (a run from
   * before they were journaled: the config's), each option of `request` overriding one.
   */
  async #resumeSettings(
    run: RunState,
    request: ResumeRequest,
  ): Promise<{ config: GadugiConfig; settings: RunSettings; overrides: string[]; warnings: string[] }> {
    let journaled = run.settings;
    if (journaled === undefined) {
      const current = await this.#loadedConfig();
      journaled = await settingsForRun(
        {
          maxParallel: current.config.maxParallel,
          integrate: run.integrationBranch !== undefined,
          keepWorktrees: current.config.keepWorktrees,
          githubOff: this.#options.github === false,
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
      ...(this.#options.configFile === undefined ? {} : { configFile: this.#options.configFile }),
    });
    const { config, warning } = await configForResume(
      run.repoRoot,
      resumed,
      journaled.configHash,
      this.#options.config,
    );
    return {
      config,
      settings: resumed.settings,
      overrides: resumed.overrides,
      warnings: warning === undefined ? [] : [warning],
    };
  }

  /**
   * Opens a run for writing; when neither state.json nor the journal can be read, the newest
   * checkpoint that restores cleanly becomes the state.
   */
  async #openForResume(state: ObservedStateManager, repoRoot: string, runId: string): Promise<RunState> {
    try {
      return await state.openRun(runId);
    } catch (error) {
      if (!GadugiError.is(error, "GADUGI_STATE_CORRUPT")) throw error;
    }
    const recovered = await new RecoveryManager(new CheckpointManager(repoRoot)).recoverLatest(runId);
    // The damaged journal is moved aside and a fresh one is seeded from the checkpoint, so the
    // journal alone can rebuild the run again.
    const paths = statePaths(repoRoot);
    if (existsSync(paths.journal(runId))) await moveAside(paths.journal(runId));
    await writeFileAtomic(
      paths.state(runId),
      `${JSON.stringify({ ...recovered.value, journalSeq: 0 }, null, 2)}\n`,
    );
    const run = await state.openRun(runId);
    await state.record(runId, {
      type: "run.started",
      repoRoot: run.repoRoot,
      promptFiles: run.promptFiles,
      owner: { pid: process.pid, host: hostname() },
      ...(run.baseRef ? { baseRef: run.baseRef } : {}),
      ...(run.baseCommit ? { baseCommit: run.baseCommit } : {}),
      ...(run.integrationBranch ? { integrationBranch: run.integrationBranch } : {}),
    });
    if (run.settings) await state.record(runId, { type: "run.settings", settings: run.settings });
    for (const id of run.taskIds) {
      const definition = run.definitions[id];
      if (definition) await state.record(runId, { type: "task.added", task: definition });
      const task = run.tasks[id];
      if (task) {
        const { runId: _r, taskId: _t, updatedAt: _u, ...patch } = task;
        await state.record(runId, { type: "task.updated", taskId: id, patch });
      }
      for (const { at: _at, ...agentRun } of run.agentRuns[id] ?? []) {
        await state.record(runId, { type: "agent.run", taskId: id, ...agentRun });
      }
      const merge = run.merges[id];
      if (merge) {
        const { at: _at, ...result } = merge;
        await state.record(runId, { type: "merge.result", taskId: id, ...result });
      }
    }
    await state.record(runId, {
      type: "warning",
      message: `state and journal were unreadable; recovered from checkpoint ${recovered.checkpoint.id}${recovered.skipped.length ? ` (${recovered.skipped.length} newer checkpoints unusable)` : ""}`,
    });
    return state.loadRun(runId);
  }

  async #execute(
    session: Session,
    resumeStates: Map<string, WorkflowState>,
    previous?: RunState,
  ): Promise<RunResult> {
    const { runId, repoRoot, config, state, plan } = session;
    const files = runFiles(repoRoot, runId);
    const record = (input: RunEventInput) => state.record(runId, input);
    const env = await this.#runEnv(session);
    const worktrees = new WorktreeManager({
      repoRoot,
      dir: config.worktreeDir,
      branchPrefix: config.branchPrefix,
      env,
    });
    const github = session.githubOff ? undefined : await this.#github(repoRoot, config, env);
    const registryWarning = (error: unknown) => {
      const message = `process registry (${join(files.dir, "processes.json")}) not updated: ${describeErrorWithHint(error)}`;
      if (!session.warnings.includes(message)) session.warnings.push(message);
    };
    const registry = await ProcessRegistry.open(files.dir, { runId, onWriteError: registryWarning });
    // Setup commands, installs, tests, review and integration tests go into the registry too, so
    // cancel and resume find them after a kill -9 of this process (git calls are not registered).
    const runner = registeringRunner(registry, { runner: this.#runner, onError: registryWarning });
    this.#registeringRunners.set(session, runner);

    const agentRunner = async (
      request: Parameters<typeof runAgentTask>[0],
      options: { signal: AbortSignal },
    ): Promise<AgentRunResult> => {
      const result = await runAgentTask(
        { ...request, agent: { ...request.agent, env: { ...definedEnv(env), ...request.agent.env } } },
        {
          registry,
          signal: options.signal,
          onEvent: (event) => this.#agentEvent(session, request.taskId, event),
          onProcessEvent: (event) => session.background.add(record(event)),
        },
      );
      // Usage is journaled by the workflow (`agent.run`), so it survives a crash and resume.
      return result;
    };
    const workflow = new WorkflowManager({
      repoRoot,
      runId,
      config,
      state,
      worktrees,
      ...(github ? { github } : {}),
      agentRunner,
      runner,
      runDir: files.dir,
      env,
      now: this.#now,
    });

    const definitions = new Map(plan.tasks.map((t) => [t.id, t]));
    const done = new Set<string>();
    for (const task of plan.tasks) {
      const merged = previous?.merges[task.id];
      const finished = previous?.tasks[task.id]?.status === "completed";
      if (
        finished &&
        (session.integration === undefined || merged?.status === "merged" || merged?.status === "skipped")
      ) {
        done.add(task.id);
      }
    }

    // A snapshot after every finished task: the last line of defence if state and journal are lost.
    const checkpoints = new CheckpointManager(repoRoot, { keep: 10 });
    const checkpoint = async (taskId: string) => {
      try {
        const info = await checkpoints.create(runId, `after ${taskId}`, await state.loadRun(runId));
        await record({ type: "checkpoint.created", checkpointId: info.id, label: info.label });
      } catch (error) {
        await record({
          type: "warning",
          taskId,
          message: `checkpoint not written: ${toGadugiError(error).message}`,
        });
      }
    };

    const runOne = async (
      input: { taskId: string; attempt: number },
      signal: AbortSignal,
    ): Promise<{ status: "completed" | "failed" | "cancelled"; reason?: string; transient?: boolean }> => {
      const task = definitions.get(input.taskId) as TaskData;
      const agent = chooseAgent(task, config, session);
      extrasOf(session, task.id).agent = agent.name;
      // A task that waits for others builds on their merged work; the others start from the
      // commit the run started from, even if the user's branch moves meanwhile.
      const startPoint =
        task.dependencies.length > 0 && session.integration
          ? await session.integration.tip()
          : session.baseCommit;
      const prior =
        resumeStates.get(task.id) ?? (input.attempt > 1 ? await state.loadTask(runId, task.id) : undefined);
      let final = await workflow.runTask(task, {
        baseRef: session.baseRef,
        startPoint,
        agent: agent.config,
        agentName: agent.name,
        signal,
        ...(prior === undefined ? {} : { resume: prior }),
      });
      resumeStates.delete(task.id);
      if (final.status === "cancelled") return { status: "cancelled", reason: final.error ?? "cancelled" };
      if (final.status !== "completed") {
        const implementation = final.phases.find((p) => p.phase === "implementation");
        return {
          status: "failed",
          reason: final.error ?? "the workflow failed",
          transient: implementation?.status === "failed" && implementation.data.transient === true,
        };
      }
      if (session.integration === undefined) return { status: "completed" };
      let merge = await this.#merge(session, task, final);
      if (merge.status === "conflict" && config.integration.resolveConflicts && !signal.aborted) {
        const reason = `merging ${final.branch} onto ${session.integration.branch} conflicted in ${merge.conflictFiles.join(", ")}`;
        await record({
          type: "warning",
          taskId: task.id,
          message: `${reason}; re-running the task on top of the integration branch`,
        });
        final = await workflow.runTask(task, {
          baseRef: session.baseRef,
          agent: agent.config,
          agentName: agent.name,
          signal,
          resume: final,
          restart: { startPoint: await session.integration.tip(), reason },
        });
        if (final.status === "completed") merge = await this.#merge(session, task, final);
        else
          merge = {
            status: "failed",
            conflictFiles: merge.conflictFiles,
            reason: final.error ?? "the re-run failed",
          };
      }
      if (merge.status === "merged" || merge.status === "skipped") return { status: "completed" };
      const why = `not merged (${merge.status}${merge.conflictFiles.length ? ` in ${merge.conflictFiles.join(", ")}` : ""}${merge.reason ? `: ${merge.reason}` : ""})`;
      await record({ type: "task.status", taskId: task.id, status: "failed", reason: why });
      return { status: "failed", reason: why };
    };
    const executor = new LocalExecutor(async (input, { signal }) => {
      let outcome: Awaited<ReturnType<typeof runOne>>;
      try {
        outcome = await runOne(input, signal);
      } catch (error) {
        // Something outside the workflow failed (git, a merge, the journal): the task fails
        // with the reason, so its state does not stay "running".
        const reason = describeErrorWithHint(error);
        // When the journal itself is what failed, this write fails too: counted, said in the report.
        session.background.add(
          record({ type: "task.status", taskId: input.taskId, status: "failed", reason }),
        );
        outcome = { status: "failed", reason };
      }
      await checkpoint(input.taskId);
      return outcome;
    });

    const governor = new ResourceGovernor({
      max: session.maxParallel,
      minFreeMemoryMb: config.resources.minFreeMemoryMb,
      maxLoadPerCore: config.resources.maxLoadPerCore,
    });
    const scheduler = new Scheduler({
      runId,
      executor,
      maxParallel: session.maxParallel,
      retry: config.retry,
      breaker: { failureThreshold: config.circuitBreaker.failureThreshold, name: "task execution" },
      governor,
      signal: session.signal,
      onEvent: (event) => this.#schedulerEvent(session, event),
    });
    const pending = plan.tasks.filter((t) => !done.has(t.id));
    const estimates = await estimateDurations(join(repoRoot, ".gadugi", "history.json"), pending);
    const outcome = await scheduler.run(
      pending.map((t) => ({
        id: t.id,
        dependencies: t.dependencies.filter((d) => !done.has(d)),
        ...(estimates
          ? { estimatedMs: estimates.get(t.id) as number }
          : { weight: t.complexity === "high" ? 3 : t.complexity === "medium" ? 2 : 1 }),
      })),
    );
    await registry.close();

    // The integration branch, tested as a whole.
    let integrationTests: IntegrationTestReport | undefined;
    let integrationCommit: string | undefined;
    let integrationBroken = false;
    if (session.integration && !session.signal.aborted) {
      try {
        integrationCommit = await session.integration.tip();
      } catch (error) {
        integrationBroken = true;
        session.warnings.push(`integration branch unusable: ${describeErrorWithHint(error)}`);
      }
      if (integrationCommit !== undefined && integrationCommit !== session.baseCommit) {
        integrationTests = await this.#testIntegration(session, integrationCommit, env);
        if (config.integration.openPullRequest) {
          session.integrationPullRequest = await this.#integrationPullRequest(
            session,
            github,
            integrationTests,
          );
        }
      }
    } else if (!session.integration && !session.signal.aborted) {
      // Nothing was merged: say which finished branches would conflict when merged together.
      const current = await state.loadRun(runId);
      const branches = current.taskIds
        .filter((id) => current.tasks[id]?.status === "completed" && current.tasks[id]?.branch)
        .map((id) => current.tasks[id]?.branch as string);
      const git = new GitClient(repoRoot, { env });
      const probe = new IntegrationBranch(git, `${config.branchPrefix}integration-${runId}`);
      for (const c of await probe.predictPairwise(branches)) {
        const message = `${c.a} and ${c.b} would conflict when merged (${c.files.join(", ")})`;
        session.warnings.push(message);
        await record({ type: "warning", message });
      }
    }

    const aborted = session.signal.aborted || outcome.status === "cancelled";
    // Progress events were journaled on the side: every one is in before the report is built.
    const lost = await session.background.settle();
    if (lost)
      session.warnings.push(`journal writes failed (${lost.count}): ${describeErrorWithHint(lost.first)}`);
    const finalState = await state.loadRun(runId);
    const allCompleted = finalState.taskIds.every((id) => finalState.tasks[id]?.status === "completed");
    const status: RunStatus = aborted
      ? "cancelled"
      : allCompleted && !integrationBroken && (integrationTests === undefined || integrationTests.ok)
        ? "completed"
        : "failed";
    if (outcome.stoppedReason) session.warnings.push(outcome.stoppedReason);

    const report = await this.#report(session, finalState, status, integrationCommit, integrationTests);
    await record({ type: "run.finished", status, metrics: report.metrics });

    if (!session.keepWorktrees && !aborted) {
      const cleanup = await worktrees.cleanup({ runId });
      for (const entry of cleanup.entries) {
        if (entry.savedWork) {
          await record({
            type: "warning",
            taskId: entry.taskId,
            message: `uncommitted work of ${entry.taskId} saved (${entry.savedWork.mode}) before its worktree was removed`,
          });
        }
      }
    }
    const reportFiles = await this.#writeReport(report);
    return { runId, status, plan, report, reportFiles };
  }

  /**
   * The environment of every process of the run. On a machine without a git identity, agents
   * would fail late at their own `git commit`: they get the same fallback identity Gadugi commits
   * with (only the parts git has nowhere, so a user's own identity always wins), and the run says so.
   */
  async #runEnv(session: Session): Promise<Env> {
    const env = this.#options.env ?? {};
    const fallback = await new GitClient(session.repoRoot, { env }).identityFallback();
    if (Object.keys(fallback).length === 0) return env;
    const message = `git has no user.name/user.email here: commits of this run (agents' too) are made as ${GADUGI_GIT_IDENTITY.name} <${GADUGI_GIT_IDENTITY.email}>; set yours with \`git config --global user.name ...\` and \`git config --global user.email ...\``;
    session.warnings.push(message);
    await session.state.record(session.runId, { type: "warning", message });
    return { ...fallback, ...env };
  }

  async #merge(session: Session, task: TaskData, final: WorkflowState): Promise<MergeOutcome> {
    const integration = session.integration as IntegrationBranch;
    const branch = final.branch;
    let outcome: MergeOutcome;
    if (branch === undefined) {
      outcome = { status: "failed", conflictFiles: [], reason: "the task recorded no branch" };
    } else {
      outcome = await integration.merge(branch, `Merge ${branch}: ${task.name} (${task.id})`);
    }
    await session.state.record(session.runId, {
      type: "merge.result",
      taskId: task.id,
      branch: branch ?? "",
      status: outcome.status,
      conflictFiles: outcome.conflictFiles,
      ...(outcome.commit ? { commit: outcome.commit } : {}),
      ...(outcome.reason ? { reason: outcome.reason } : {}),
    });
    return outcome;
  }

  /**
   * `integration.openPullRequest`: pushes the integration branch and opens (or finds) one pull
   * request for it against the base branch. Returns what happened, for the report.
   */
  async #integrationPullRequest(
    session: Session,
    github: WorkflowGitHub | undefined,
    tests: IntegrationTestReport,
  ): Promise<IntegrationPullRequest> {
    const branch = (session.integration as IntegrationBranch).branch;
    const available = github
      ? await github.isAvailable()
      : { ok: false as const, reason: "GitHub is turned off" };
    if (!github || !available.ok) {
      return { note: `not opened: ${available.ok ? "GitHub is not configured" : available.reason}` };
    }
    const git = new GitClient(session.repoRoot, { env: this.#options.env ?? {} });
    try {
      // GitHub takes a branch as base: `origin/main` → `main`, a detached commit → origin's HEAD.
      const base = await prBaseBranch(git, session.baseRef);
      if ("note" in base) return { note: base.note };
      await git.push("origin", branch, { forceWithLease: true });
      const body = [
        `Integration of run \`${session.runId}\`: every task branch merged in dependency order.`,
        "",
        `Tests on the integration branch: ${tests.command.length ? `\`${tests.command.join(" ")}\` ${tests.ok ? "passed" : "failed"}` : (tests.reason ?? "not run")}.`,
      ].join("\n");
      const { pr, created } = await github.ensurePr({
        title: `Gadugi integration ${session.runId}`,
        head: branch,
        base: base.branch,
        body,
      });
      return { number: pr.number, url: pr.url, note: created ? "opened" : "already open" };
    } catch (error) {
      return { note: `not opened: ${describeErrorWithHint(error)}` };
    }
  }

  /** Runs the test command on a throwaway checkout of the integration branch's tip. */
  async #testIntegration(session: Session, commit: string, env: Env): Promise<IntegrationTestReport> {
    const { repoRoot, config } = session;
    const files = runFiles(repoRoot, session.runId);
    const dir = join(repoRoot, config.worktreeDir, `integration-${session.runId}`);
    const git = new GitClient(repoRoot, { env });
    const started = this.#now();
    await mkdir(join(files.dir, "logs"), { recursive: true });
    const log = (line: string) => appendFile(files.integrationLog, `[gadugi] ${line}\n`);
    const taskId = `integration-${session.runId}`;
    const runner = labelledRunner(this.#registeringRunners.get(session) ?? this.#runner, {
      taskId,
      logFile: files.integrationLog,
    });
    try {
      if (!existsSync(dir)) await git.raw(["worktree", "add", "--detach", "--quiet", dir, commit]);
      else await new GitClient(dir, { env }).raw(["checkout", "--quiet", "--detach", commit]);
      const setup = await setupEnvironment(
        { path: dir, taskId, runId: session.runId },
        {
          ...config.setup,
          repoRoot,
          logFile: files.integrationLog,
          env,
          runner: labelledRunner(runner, { purpose: "integration-setup" }),
        },
      );
      const configured = config.integration.testCommand ?? config.workflow.testCommand;
      const found = await detectTestCommand(dir, configured, [...setup.commandPrefix]);
      if (!found.argv) {
        await log(`no test command: ${found.reason ?? "none found"}`);
        return {
          command: [],
          ok: true,
          exitCode: null,
          durationMs: this.#now() - started,
          logFile: files.integrationLog,
          reason: `not tested: ${found.reason ?? "no test command found"}`,
        };
      }
      const [file, ...args] = found.argv as [string, ...string[]];
      await log(`testing ${commit} with ${found.argv.join(" ")}`);
      const result = await runner.run(file, args, {
        cwd: dir,
        env,
        reject: false,
        timeoutMs: config.taskTimeoutSec * 1000,
        logFile: files.integrationLog,
        signal: session.signal,
        label: { purpose: "integration-test" },
      });
      await log(`exit ${result.exitCode ?? result.signal}`);
      return {
        command: found.argv,
        ok: result.exitCode === 0,
        exitCode: result.exitCode,
        durationMs: this.#now() - started,
        logFile: files.integrationLog,
        ...(result.exitCode === 0 ? {} : { reason: redactSecrets(tail(result.stderr || result.stdout)) }),
      };
    } catch (error) {
      const e = toGadugiError(error);
      await log(`failed: ${describeErrorWithHint(e)}`);
      return {
        command: [],
        ok: false,
        exitCode: null,
        durationMs: this.#now() - started,
        logFile: files.integrationLog,
        reason: describeErrorWithHint(e),
      };
    } finally {
      await git.tryRaw(["worktree", "remove", "--force", dir]).catch(() => undefined);
    }
  }

  async #report(
    session: Session,
    state: RunState,
    status: RunStatus,
    integrationCommit: string | undefined,
    integrationTests: IntegrationTestReport | undefined,
  ): Promise<RunReport> {
    const git = new GitClient(session.repoRoot, { env: this.#options.env ?? {} });
    for (const id of state.taskIds) {
      const task = state.tasks[id];
      const extra = extrasOf(session, id);
      extra.agent ??= state.definitions[id]?.agent ?? session.agent ?? session.config.agent;
      if (task?.branch && task.baseCommit && (await git.branchExists(task.branch))) {
        extra.filesChanged = await git.diffNameOnly(task.baseCommit, task.branch);
      }
    }
    const endedAt = this.#now();
    const summary = {
      runId: session.runId,
      startedAt: session.startedAt,
      endedAt,
      maxParallel: session.maxParallel,
      tasks: state.taskIds.map((id) => {
        const def = state.definitions[id];
        const task = state.tasks[id];
        const extra = session.extras[id] ?? {};
        return {
          id,
          type: def?.type ?? "feature",
          complexity: def?.complexity ?? "medium",
          status: task?.status ?? "pending",
          ...(task?.startedAt ? { startedAt: task.startedAt } : {}),
          ...(task?.endedAt ? { endedAt: task.endedAt } : {}),
          dependencies: def?.dependencies ?? [],
          ...(extra.tokens === undefined ? {} : { tokens: extra.tokens }),
          ...(extra.costUsd === undefined ? {} : { costUsd: extra.costUsd }),
        };
      }),
    };
    const metrics = computeMetrics(summary);
    // Durations per task type, kept across runs for predictions (completed tasks only).
    try {
      await new ProductivityAnalyzer({ history: join(session.repoRoot, ".gadugi", "history.json") }).record(
        summary,
      );
    } catch (error) {
      session.warnings.push(`duration history not updated: ${toGadugiError(error).message}`);
    }
    return {
      runId: session.runId,
      status,
      repoRoot: session.repoRoot,
      baseRef: session.baseRef,
      baseCommit: session.baseCommit,
      ...(session.integration ? { integrationBranch: session.integration.branch } : {}),
      ...(integrationCommit ? { integrationCommit } : {}),
      startedAt: new Date(session.startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      metrics,
      tasks: buildTaskReports(state, session.extras),
      ...(integrationTests ? { integrationTests } : {}),
      ...(session.integrationPullRequest ? { integrationPullRequest: session.integrationPullRequest } : {}),
      warnings: session.warnings,
    };
  }

  async #writeReport(input: RunReport): Promise<RunResult["reportFiles"]> {
    // Validated on the way out too, so every stored report can be read back.
    const report = parseWith(RunReport, input, `report of run ${input.runId}`);
    const files = runFiles(report.repoRoot, report.runId);
    await writeFileAtomic(files.reportJson, `${JSON.stringify(report, null, 2)}\n`);
    await writeFileAtomic(files.reportMarkdown, renderReportMarkdown(report));
    await writeFileAtomic(files.reportHtml, renderReportHtml(report));
    return { json: files.reportJson, markdown: files.reportMarkdown, html: files.reportHtml };
  }

  /** The stored report of a run (written at its end). */
  async report(runId: string): Promise<RunReport> {
    const files = runFiles(await this.repoRoot(), runId);
    let text: string;
    try {
      text = await readFile(files.reportJson, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new GadugiError(
          "GADUGI_STATE_NOT_FOUND",
          { path: files.reportJson },
          {
            hint: `The run has not finished; see \`gadugi status ${runId}\`, or \`gadugi resume ${runId}\` to finish it.`,
          },
        );
      }
      throw new GadugiError(
        "GADUGI_FILE_UNREADABLE",
        { path: files.reportJson, reason: (error as Error).message },
        { cause: error },
      );
    }
    return parseJsonWith(RunReport, text, files.reportJson);
  }

  /**
   * Stops a run: its live orchestrator gets SIGTERM (it cancels every task, kills their process
   * groups and records the run); a run whose orchestrator is gone is marked cancelled here. Either
   * way every registered process of the run still running afterwards (agents, setup, tests,
   * review, integration tests) has its group killed (`killed`: their pids). The orchestrator and
   * every process are signalled only if their pid still is the recorded process (same start
   * time, where `/proc` tells it): a pid reused by another process is left alone.
   */
  async cancel(
    runId: string,
    options: { waitMs?: number } = {},
  ): Promise<{ signalled?: number; killed?: number[]; status: RunStatus }> {
    const repoRoot = await this.repoRoot();
    const runDir = runFiles(repoRoot, runId).dir;
    const lockPath = join(runDir, "lock");
    const lock = await readLock(lockPath);
    if (lock && lock.host === hostname() && isLockHolderAlive(lock) && lock.pid !== process.pid) {
      process.kill(lock.pid, "SIGTERM");
      const deadline = this.#now() + (options.waitMs ?? 30_000);
      while (
        this.#now() < deadline &&
        isLockHolderAlive(lock) &&
        (await readLock(lockPath))?.pid === lock.pid
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      // What its shutdown did not stop (it hung, or died before reaching its children).
      const killed = await stopLeftoverProcesses(runDir, runId);
      const after = await new WorkflowStateManager(repoRoot).loadRun(runId);
      return { signalled: lock.pid, ...(killed.length ? { killed } : {}), status: after.status };
    }
    const state = new WorkflowStateManager(repoRoot);
    const run = await state.openRun(runId);
    try {
      // The lock is ours now, so nothing the run started should still run, whatever its status.
      const killed = await stopLeftoverProcesses(runDir, runId);
      if (run.status !== "running") return { ...(killed.length ? { killed } : {}), status: run.status };
      for (const id of run.taskIds) {
        const status = run.tasks[id]?.status;
        if (status === "pending" || status === "queued" || status === "running") {
          await state.record(runId, {
            type: "task.status",
            taskId: id,
            status: "cancelled",
            reason: "run cancelled",
          });
        }
      }
      await state.record(runId, { type: "run.finished", status: "cancelled" });
      return { ...(killed.length ? { killed } : {}), status: "cancelled" };
    } finally {
      await state.close();
    }
  }

  /** Removes a run's worktrees, saving uncommitted work first; branches with commits are kept. */
  async cleanup(
    runId: string,
    options: { force?: boolean; deleteBranches?: boolean } = {},
  ): Promise<CleanupResult> {
    const repoRoot = await this.repoRoot();
    const config = await this.config();
    const worktrees = new WorktreeManager({
      repoRoot,
      dir: config.worktreeDir,
      branchPrefix: config.branchPrefix,
      env: this.#options.env ?? {},
    });
    return worktrees.cleanup({ runId, ...options });
  }

  async #github(repoRoot: string, config: GadugiConfig, env: Env): Promise<WorkflowGitHub | undefined> {
    if (this.#options.github === false) return undefined;
    if (this.#options.github !== undefined) return this.#options.github;
    return createGitHubOperations({ repoRoot, config, env: { ...process.env, ...env } });
  }

  /** Tells the listener about the run's start and tasks, which createRun journals directly. */
  async #replayStart(repoRoot: string, runId: string): Promise<void> {
    const listener = this.#options.onEvent;
    if (listener === undefined) return;
    const { events } = await EventJournal.forRun(repoRoot, runId).read();
    for (const event of events)
      if (event.type === "run.started" || event.type === "task.added") listener(event);
  }

  #schedulerEvent(session: Session, event: SchedulerEvent): void {
    // The WorkflowManager journals running/completed/failed/cancelled of the tasks it runs;
    // the scheduler's own word is journaled for what it alone decides.
    if (event.type === "task.status" && (event.status === "running" || event.status === "completed")) return;
    if (event.type === "task.status" && event.status === "failed") return;
    session.background.add(session.state.record(session.runId, event));
  }

  #agentEvent(session: Session, taskId: string, event: AgentEvent): void {
    if (event.type === "text") {
      this.#options.onEvent?.({
        type: "agent.event",
        runId: session.runId,
        taskId,
        at: event.at,
        event,
        live: true,
      });
      return;
    }
    session.background.add(session.state.record(session.runId, { type: "agent.event", taskId, event }));
  }
}

/**
 * Kills the process groups of a run's registered processes (agents, setup commands and installs,
 * tests, review, integration tests) that still run although their orchestrator is gone: they lead
 * their own groups, so they outlive it, and only its in-process exit hook (which a kill -9 never
 * runs) would have killed them. A pid that now belongs to another process (its start time differs)
 * is left alone and marked lost; see ProcessRegistry.stop. Returns the pids killed.
 */
async function stopLeftoverProcesses(runDir: string, runId: string): Promise<number[]> {
  const registry = await ProcessRegistry.open(runDir, { runId });
  try {
    return (await registry.stop()).killed.map((r) => r.pid);
  } finally {
    await registry.close();
  }
}

/**
 * Journal writes started where nothing awaits them (progress events from callbacks): each is
 * kept until it settles, `settle` waits for all of them, and a failure is counted, never dropped.
 */
class BackgroundWrites {
  readonly #pending = new Set<Promise<unknown>>();
  #failed: { count: number; first: unknown } | undefined;

  add(write: Promise<unknown>): void {
    const tracked = write.then(
      () => undefined,
      (error: unknown) => {
        this.#failed = { count: (this.#failed?.count ?? 0) + 1, first: this.#failed?.first ?? error };
      },
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Waits for every write started so far; what failed, if anything. */
  async settle(): Promise<{ count: number; first: unknown } | undefined> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    return this.#failed;
  }
}

/** The session fields that come from the run's settings. */
function sessionSettings(settings: RunSettings) {
  return {
    maxParallel: settings.maxParallel,
    ...(settings.agent === undefined ? {} : { agent: settings.agent }),
    ...(settings.timeoutSec === undefined ? {} : { timeoutSec: settings.timeoutSec }),
    keepWorktrees: settings.keepWorktrees,
    githubOff: settings.github === "off",
  };
}

/** The engine's own measurements of a task, created on first use. */
function extrasOf(session: Session, taskId: string): TaskExtras {
  let extra = session.extras[taskId];
  if (extra === undefined) {
    extra = {};
    session.extras[taskId] = extra;
  }
  return extra;
}

/** A plan warning with the prompt file and line it is about, as `gadugi analyze` prints it. */
function planWarningText(warning: ExecutionPlan["warnings"][number]): string {
  const where = warning.file ? `${warning.file}${warning.line ? `:${warning.line}` : ""}: ` : "";
  return `${where}${warning.message}`;
}

function definedEnv(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

function tail(text: string, lines = 20): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}
