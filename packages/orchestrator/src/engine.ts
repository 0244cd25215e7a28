import { createProcessRunner, GitClient, type ProcessRunner } from "@gadugi/git";
import type { ExecutionPlan, GadugiConfig, RunReport } from "@gadugi/interfaces";
import type { CleanupResult } from "@gadugi/worktree-manager";
import { RunBudgetGuard } from "./budget.js";
import { type CancelResult, cancelRun } from "./cancel.js";
import { cleanupWorktrees, worktreeManager } from "./cleanup.js";
import { loadConfig } from "./config.js";
import { dispatch, finishedTasks, openRunProcesses } from "./dispatch.js";
import { expectedCosts } from "./estimates.js";
import { integrateRun } from "./integrate.js";
import { ruleMergerFor } from "./lockfile-regen.js";
import { analyzePrompts, type PlanContext, planResume, planRun } from "./plan-run.js";
import { openQueueWorker, preflightQueue } from "./queue-work.js";
import type { OrchestratorOptions, ResumeRequest, RunRequest, RunResult } from "./requests.js";
import { runEnv, runGitHub } from "./run-env.js";
import { finishRun, readRunReport, writeRunReport } from "./run-report.js";
import type { PlannedRun } from "./session.js";
import { taskAttempt } from "./task-attempt.js";
import { localTaskWorker } from "./task-work.js";
import { validateRun } from "./validate-run.js";

export type { LiveEvent, OrchestratorOptions, ResumeRequest, RunRequest, RunResult } from "./requests.js";
export { runFiles } from "./session.js";

/**
 * The engine: a run is a list of stages, each a module (see docs/ARCHITECTURE.md, "Stages"):
 * plan (plan-run.ts) → dispatch (dispatch.ts) running each task's work (task-work.ts) and
 * merging it (integrate.ts) → integrate the run (integrate.ts) → report (run-report.ts) → clean
 * up (cleanup.ts). `run` and `resume` differ only in the plan stage: a resume's session, task
 * states and finished tasks come from the journal. Every step is journaled under
 * `.gadugi/runs/<id>/`, so `resume` continues a run after a crash.
 */
export class Orchestrator {
  readonly #options: OrchestratorOptions;
  readonly #now: () => number;
  readonly #runner: ProcessRunner;
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
    return analyzePrompts(repoRoot, await this.config(), request, { cache: false });
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
    await this.#preflightQueue();
    return this.#execute(await planRun(await this.#planContext(), request));
  }

  /**
   * Continues a run after a crash, `kill -9` or cancellation: completed tasks are not run again,
   * the others continue from their last completed phase, and nothing is merged twice.
   */
  async resume(request: ResumeRequest): Promise<RunResult> {
    await GitClient.assertVersion();
    await this.#preflightQueue();
    return this.#execute(await planResume(await this.#planContext(), request));
  }

  /** `queue`: the remote and Redis are there, before a run is made. */
  async #preflightQueue(): Promise<void> {
    if (this.#options.queue)
      await preflightQueue(await this.repoRoot(), this.#options.queue, this.#options.env ?? {});
  }

  async #planContext(): Promise<PlanContext> {
    const { config, configFile } = this.#options;
    return {
      repoRoot: await this.repoRoot(),
      env: this.#options.env ?? {},
      now: this.#now,
      githubOff: this.#options.github === false,
      onEvent: this.#options.onEvent,
      given: {
        ...(config === undefined ? {} : { config }),
        ...(configFile === undefined ? {} : { file: configFile }),
      },
      loadConfig: () => this.#loadedConfig(),
    };
  }

  /** The stages after planning, the same for a run and a resume; closes the run's state. */
  async #execute(planned: PlannedRun): Promise<RunResult> {
    const { session, resumeStates, previous } = planned;
    let closeQueue: (() => Promise<void>) | undefined;
    try {
      const callerEnv = this.#options.env ?? {};
      const env = await runEnv(session, callerEnv);
      const worktrees = worktreeManager(session.repoRoot, session.config, env);
      const github = session.githubOff
        ? undefined
        : await runGitHub(this.#options.github, session.repoRoot, session.config, env);
      const { registry, runner } = await openRunProcesses(session, this.#runner);
      const budget = await RunBudgetGuard.open(session, await expectedCosts(session));
      const local = localTaskWorker(session, {
        budget,
        env,
        worktrees,
        github,
        registry,
        runner,
        onEvent: this.#options.onEvent,
        now: this.#now,
      });
      // `--queue`: every task's work is a job for `gadugi worker`s (queue-work.ts); merges stay here.
      const queued = this.#options.queue
        ? await openQueueWorker(session, this.#options.queue, env)
        : undefined;
      closeQueue = queued?.close;
      // A worker's spend is known when its job ends; at the budget its other jobs are stopped too.
      if (queued) budget.onReached((stop) => session.background.add(queued.stopAtBudget(stop)));
      const work = queued?.work ?? local;
      const rules = ruleMergerFor(session, { worktrees, runner, env });
      const attempt = taskAttempt(session, { work, worktrees, rules, resumeStates, budget });
      const outcome = await dispatch(session, finishedTasks(session, previous), attempt, {
        remoteWork: queued !== undefined,
        budget,
      });
      await registry.close();
      const integration = await integrateRun(session, {
        env,
        callerEnv,
        github,
        runner,
        worktrees,
        now: this.#now,
      });
      const { status, report, aborted } = await finishRun(session, outcome, integration, {
        callerEnv,
        now: this.#now,
      });
      if (!session.keepWorktrees && !aborted) await cleanupWorktrees(session, worktrees);
      const reportFiles = await writeRunReport(report);
      return { runId: session.runId, status, plan: session.plan, report, reportFiles };
    } finally {
      await closeQueue?.();
      await session.state.close();
    }
  }

  /** The stored report of a run (written at its end). */
  async report(runId: string): Promise<RunReport> {
    return readRunReport(await this.repoRoot(), runId);
  }

  /**
   * Stops a run: its live orchestrator gets SIGTERM (it cancels every task, kills their process
   * groups and records the run); a run whose orchestrator is gone is marked cancelled here. Either
   * way every registered process of the run still running afterwards (agents, setup, tests,
   * review, integration tests) has its group killed (`killed`: their pids). The orchestrator and
   * every process are signalled only if their pid still is the recorded process (same start
   * time, where `/proc` tells it): a pid reused by another process is left alone.
   */
  async cancel(runId: string, options: { waitMs?: number } = {}): Promise<CancelResult> {
    return cancelRun(await this.repoRoot(), runId, { ...options, now: this.#now });
  }

  /** Removes a run's worktrees, saving uncommitted work first; branches with commits are kept. */
  async cleanup(
    runId: string,
    options: { force?: boolean; deleteBranches?: boolean } = {},
  ): Promise<CleanupResult> {
    const worktrees = worktreeManager(await this.repoRoot(), await this.config(), this.#options.env ?? {});
    return worktrees.cleanup({ runId, ...options });
  }
}
