import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { captureContext, GadugiError, parseWith, redactSecrets } from "@gadugi/error-handling";
import { createProcessRunner, type Env, GitClient, type ProcessRunner } from "@gadugi/git";
import {
  AgentRunRequest,
  type PhaseRecord,
  type RunEventInput,
  TaskData,
  type TaskDataInput,
  type WorkflowPhase,
  type WorkflowState,
  type WorkflowStatePatch,
} from "@gadugi/interfaces";
import type { WorkflowStateManager } from "@gadugi/state";
import { TodoWriteManager } from "@gadugi/task-tracking";
import { detectProject } from "@gadugi/worktree-manager";
import { governAgentRunner, runInWorkflowScope, validateWorkflowPlan } from "./governance.js";
import { applyRestart, endedBeforeInterruption, type Interruption } from "./interruptions.js";
import { type TaskPaths, taskPaths } from "./paths.js";
import { DEFAULT_PHASES } from "./phases/index.js";
import type {
  AgentRunner,
  Phase,
  PhaseAgentRun,
  PhaseContext,
  PhaseEvent,
  PhaseOutcome,
  RunTaskOptions,
  TaskFacts,
  WorkflowManagerOptions,
} from "./types.js";
import { describeError, tailText } from "./util.js";

const DONE: ReadonlySet<PhaseRecord["status"]> = new Set(["completed", "skipped"]);
const FAILURE_LOG_LINES = 60;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? [...value] : undefined;
}

function abortReason(signal: AbortSignal): string {
  const raw: unknown = signal.reason;
  if (typeof raw === "string" && raw !== "") return `cancelled: ${raw}`;
  if (raw instanceof Error && raw.name !== "AbortError" && raw.message) return `cancelled: ${raw.message}`;
  return "cancelled";
}

/** How a phase ended, as the loop of runTask needs it. */
type PhaseResult =
  | { status: "completed" | "skipped" }
  | { status: "failed"; reason: string; cancelled: boolean; error: unknown };

/** Per-task state of one runTask call. */
interface TaskRun {
  task: TaskData;
  paths: TaskPaths;
  signal: AbortSignal;
  records: Map<WorkflowPhase, PhaseRecord>;
  facts: TaskFacts;
  ctx: PhaseContext;
  attempt: number;
  /**
   * The phase running now was interrupted before (a crash): since when, and how many agent runs
   * of each purpose it has asked for so far — an agent run that ended before the crash is not
   * run again (see endedBeforeInterruption).
   */
  interrupted: Interruption;
}

/**
 * Runs one task through its phases — setup, issue, branch, implementation, testing, documentation,
 * PR, review — each a {@link Phase} with a contract, timed and journaled (`phase.started`,
 * `phase.finished`, `task.updated`), so the task's WorkflowState is enough to resume it. The only
 * way Gadugi executes a task: the agent runner it is given is governed (see governAgentRunner).
 */
export class WorkflowManager {
  readonly repoRoot: string;
  readonly runId: string;
  readonly runDir: string;
  /** The plan every task runs. */
  readonly phases: readonly Phase[];
  readonly #options: WorkflowManagerOptions;
  readonly #state: WorkflowStateManager;
  readonly #runner: ProcessRunner;
  readonly #agentRunner: AgentRunner;
  readonly #now: () => number;
  readonly #env: Env;

  constructor(options: WorkflowManagerOptions) {
    this.#options = options;
    this.repoRoot = path.resolve(options.repoRoot);
    this.runId = options.runId;
    this.runDir = path.resolve(options.runDir);
    this.phases = options.phases ?? DEFAULT_PHASES;
    this.#state = options.state;
    this.#runner = options.runner ?? createProcessRunner();
    this.#agentRunner = governAgentRunner(options.agentRunner);
    this.#now = options.now ?? Date.now;
    this.#env = options.env ?? {};
  }

  /**
   * Runs `task` through the plan and returns its final WorkflowState (completed, failed or
   * cancelled). Task failures — a governance violation, a failed phase, cancellation — are recorded
   * in the state and journal, not thrown; only a journal that cannot be written throws.
   */
  async runTask(taskInput: TaskData | TaskDataInput, options: RunTaskOptions): Promise<WorkflowState> {
    const task = parseWith(TaskData, taskInput, `task ${String(taskInput.id)}`);
    const resume = options.resume;
    if (resume !== undefined && (resume.taskId !== task.id || resume.runId !== this.runId)) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "resume",
        value: `${resume.runId}/${resume.taskId}`,
        expected: `the state of task ${task.id} of run ${this.runId}`,
      });
    }
    const signal = options.signal ?? new AbortController().signal;
    const paths = taskPaths(this.runDir, task.id);
    await mkdir(path.dirname(paths.log), { recursive: true });

    const records = new Map<WorkflowPhase, PhaseRecord>();
    for (const record of resume?.phases ?? []) records.set(record.phase, structuredClone(record));
    const facts = this.#factsFrom(resume);
    if (facts.worktreePath !== undefined && existsSync(facts.worktreePath)) {
      facts.uvProject = (await detectProject(facts.worktreePath)).uv;
    } else if (records.get("setup")?.status === "completed") {
      // The worktree is gone (cleaned up after the crash): setup runs again and takes up the branch.
      records.delete("setup");
    }

    await this.#record({ type: "task.status", taskId: task.id, status: "running" });
    const attempt = Math.max(1, (await this.#state.loadTask(this.runId, task.id)).attempts);
    const todo = new TodoWriteManager({
      dir: paths.taskDir,
      title: `${task.name} (${task.id})`,
      now: this.#now,
      autoWrite: false,
    });
    for (const phase of this.phases) {
      const record = records.get(phase.name);
      todo.set({
        id: phase.name,
        name: phase.name,
        status: record?.status ?? "pending",
        note: record?.reason,
      });
    }
    const base = {
      task,
      paths,
      signal,
      records,
      facts,
      attempt,
      interrupted: { calls: new Map<string, number>() },
    };
    const run: TaskRun = { ...base, ctx: this.#context(base, options, todo) };

    try {
      validateWorkflowPlan(task, this.phases, this.#options.config.workflow.requiredPhases);
    } catch (error) {
      await run.ctx.log(`governance: ${describeError(error)}`);
      return this.#failTask(run, undefined, describeError(error), error);
    }
    await run.ctx.log(
      `workflow of task ${task.id} (${task.name}), attempt ${attempt}${resume ? ", resumed" : ""}: ${this.phases.map((p) => p.name).join(" → ")}`,
    );
    if (options.restart !== undefined) await this.#restart(run, options.restart);
    else if (resume?.restart !== undefined) await applyRestart(run.ctx, run.facts, resume.restart);

    const required = new Set<WorkflowPhase>(this.#options.config.workflow.requiredPhases);
    for (const phase of this.phases) {
      const previous = records.get(phase.name);
      run.interrupted.calls.clear();
      if (previous?.status === "running" && previous.startedAt !== undefined)
        run.interrupted.since = previous.startedAt;
      else delete run.interrupted.since;
      if (previous !== undefined && DONE.has(previous.status)) {
        await run.ctx.log(`phase ${phase.name}: already ${previous.status}, not run again`);
        continue;
      }
      if (signal.aborted) return this.#cancelTask(run, abortReason(signal));
      const outcome = await this.#runPhase(run, phase);
      if (outcome.status !== "failed") continue;
      if (outcome.cancelled) return this.#cancelTask(run, outcome.reason);
      if (!required.has(phase.name)) {
        await run.ctx.warn(
          `task ${task.id}: phase ${phase.name} failed (${outcome.reason}); it is not in workflow.requiredPhases, so the task goes on`,
        );
        continue;
      }
      return this.#failTask(run, phase.name, outcome.reason, outcome.error);
    }
    await this.#flushTodo(run, todo);
    await this.#record({ type: "task.status", taskId: task.id, status: "completed" });
    await run.ctx.log(`workflow of task ${task.id} completed`);
    return this.#state.loadTask(this.runId, task.id);
  }

  // ---- phases -------------------------------------------------------------------------------------

  async #runPhase(run: TaskRun, phase: Phase): Promise<PhaseResult> {
    const { task, signal, ctx } = run;
    const started = this.#now();
    await this.#record({ type: "phase.started", taskId: task.id, phase: phase.name });
    run.records.set(phase.name, { phase: phase.name, status: "running", startedAt: iso(started), data: {} });
    this.#emit({ runId: this.runId, taskId: task.id, phase: phase.name, status: "running" });
    ctx.todo.update(phase.name, { status: "running", note: undefined });
    await ctx.log(`phase ${phase.name} started`);

    let outcome: PhaseOutcome;
    let error: unknown;
    try {
      outcome = await runInWorkflowScope({ runId: this.runId, taskId: task.id, phase: phase.name }, () =>
        phase.run(ctx),
      );
      if (outcome.status !== "completed" && (outcome.reason ?? "").trim() === "") {
        outcome = { ...outcome, reason: `phase ${phase.name} gave no reason for ${outcome.status}` };
      }
    } catch (caught) {
      error = caught;
      outcome = { status: "failed", reason: describeError(caught) };
    }
    let cancelled = false;
    if (outcome.status === "failed" && signal.aborted) {
      cancelled = true;
      outcome = {
        status: "failed",
        reason: abortReason(signal),
        ...(outcome.data ? { data: outcome.data } : {}),
      };
    }
    const durationMs = Math.max(0, this.#now() - started);
    const data: Record<string, unknown> = { ...outcome.data };
    const required = this.#options.config.workflow.requiredPhases.includes(phase.name);
    if (outcome.status === "failed" && !cancelled && required) {
      const issue = await this.#fileFailureIssue(run, phase.name, error ?? outcome.reason);
      if (issue !== undefined) data.failureIssue = issue;
    }
    const reason = outcome.status === "completed" ? undefined : redactSecrets(outcome.reason);
    await this.#record({
      type: "phase.finished",
      taskId: task.id,
      phase: phase.name,
      status: outcome.status,
      durationMs,
      ...(reason === undefined ? {} : { reason }),
      data,
    });
    const record: PhaseRecord = {
      phase: phase.name,
      status: outcome.status,
      startedAt: iso(started),
      endedAt: iso(started + durationMs),
      durationMs,
      data,
    };
    if (reason !== undefined) record.reason = reason;
    run.records.set(phase.name, record);
    ctx.todo.update(phase.name, { status: outcome.status, note: reason });
    await this.#flushTodo(run, ctx.todo);
    await ctx.log(
      `phase ${phase.name} ${outcome.status} in ${durationMs} ms${reason === undefined ? "" : `: ${reason}`}`,
    );
    this.#emit({
      runId: this.runId,
      taskId: task.id,
      phase: phase.name,
      status: outcome.status,
      durationMs,
      data,
      ...(reason === undefined ? {} : { reason }),
    });
    if (outcome.status !== "failed") return { status: outcome.status };
    return { status: "failed", reason: reason ?? outcome.reason, cancelled, error };
  }

  #context(run: Omit<TaskRun, "ctx">, options: RunTaskOptions, todo: TodoWriteManager): PhaseContext {
    const { task, paths, signal, facts, records } = run;
    const config = this.#options.config;
    let git: GitClient | undefined;
    const log = async (message: string): Promise<void> => {
      await appendFile(paths.log, `[gadugi] ${iso(this.#now())} ${redactSecrets(message)}\n`);
    };
    const runAgent = async (agentRun: PhaseAgentRun) => {
      const worktree = facts.worktreePath;
      if (worktree === undefined) {
        throw new GadugiError("GADUGI_UNEXPECTED", {
          message: `task ${task.id} has no worktree to run an agent in`,
        });
      }
      const promptFile = paths.promptFor(agentRun.label ?? agentRun.purpose);
      await mkdir(path.dirname(promptFile), { recursive: true });
      await writeFile(promptFile, agentRun.prompt);
      const agent = agentRun.agent ?? options.agent;
      const request = parseWith(
        AgentRunRequest,
        {
          runId: this.runId,
          taskId: task.id,
          worktree,
          prompt: agentRun.prompt,
          promptFile,
          agent,
          logFile: paths.log,
          eventsFile: paths.events,
          purpose: agentRun.purpose,
        },
        `agent run request of task ${task.id}`,
      );
      const ended = await endedBeforeInterruption(
        this.#state,
        this.runId,
        task.id,
        run.interrupted,
        agentRun.purpose,
      );
      if (ended !== undefined) {
        await log(
          `${agentRun.purpose} agent ended ${ended.outcome} before the run was interrupted: not run again`,
        );
        return ended;
      }
      await log(`${agentRun.purpose} agent (${agent.kind}) started; prompt ${promptFile}`);
      const result = await this.#agentRunner(request, { signal });
      await this.#record({
        type: "agent.run",
        taskId: task.id,
        attempt: run.attempt,
        purpose: agentRun.purpose,
        agent:
          agentRun.agentName ?? (agentRun.agent === undefined ? options.agentName : undefined) ?? agent.kind,
        outcome: result.outcome,
        ...(result.usage === undefined ? {} : { usage: result.usage }),
      });
      await log(
        `${agentRun.purpose} agent ended ${result.outcome}${result.reason ? `: ${result.reason}` : ""} in ${result.durationMs} ms`,
      );
      return result;
    };
    const ctx: PhaseContext = {
      task,
      runId: this.runId,
      repoRoot: this.repoRoot,
      runDir: this.runDir,
      config,
      agent: options.agent,
      baseRef: options.baseRef,
      startPoint: options.startPoint ?? options.baseRef,
      signal,
      paths,
      facts,
      github: this.#options.github,
      worktrees: this.#options.worktrees,
      runner: this.#runner,
      env: this.#env,
      commandTimeoutMs: (this.#options.commandTimeoutSec ?? config.taskTimeoutSec) * 1000,
      resumed: options.resume !== undefined,
      failOnNoChanges: (this.#options.onNoChanges ?? "fail") === "fail",
      plan: this.phases,
      todo,
      record: (phase) => {
        const record = records.get(phase);
        return record === undefined ? undefined : structuredClone(record);
      },
      git: () => {
        if (facts.worktreePath === undefined) {
          throw new GadugiError("GADUGI_UNEXPECTED", { message: `task ${task.id} has no worktree yet` });
        }
        if (git?.cwd !== path.resolve(facts.worktreePath)) {
          git = new GitClient(facts.worktreePath, { runner: this.#runner, env: this.#env });
        }
        return git;
      },
      runAgent,
      update: async (patch: WorkflowStatePatch) => {
        await this.#record({ type: "task.updated", taskId: task.id, patch });
        for (const key of ["worktreePath", "branch", "baseRef", "baseCommit", "prUrl"] as const) {
          if (patch[key] !== undefined) facts[key] = patch[key];
        }
        if (patch.issueNumber !== undefined) facts.issueNumber = patch.issueNumber;
        if (patch.prNumber !== undefined) facts.prNumber = patch.prNumber;
      },
      log,
      warn: (message: string) => this.#warn(task.id, message),
      now: this.#now,
    };
    return ctx;
  }

  /**
   * Redoes the task on top of `startPoint`: journaled first (`task.restarted`, which also forgets
   * the phases from implementation on), then applied, so a crash at any point resumes into the
   * restart and never into the old attempt's tested, pushed phases.
   */
  async #restart(run: TaskRun, restart: NonNullable<RunTaskOptions["restart"]>): Promise<void> {
    const { task, facts } = run;
    if (facts.worktreePath === undefined || facts.branch === undefined || !existsSync(facts.worktreePath)) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "restart",
        value: task.id,
        expected: "a resumed task whose worktree still exists",
      });
    }
    const backupBranch = `${facts.branch}-attempt-${Math.max(1, run.attempt - 1)}`;
    await this.#record({ type: "task.restarted", taskId: task.id, ...restart, backupBranch });
    // As the journal now says: every phase from implementation on runs again.
    const from = this.phases.findIndex((p) => p.name === "implementation");
    for (const phase of this.phases.slice(Math.max(0, from))) run.records.delete(phase.name);
    await applyRestart(run.ctx, run.facts, { ...restart, backupBranch });
  }

  /** Facts known from an earlier attempt's state: its fields and the data of its phases. */
  #factsFrom(resume: WorkflowState | undefined): TaskFacts {
    const facts: TaskFacts = { commandPrefix: [], uvProject: false, setupArtifacts: [] };
    if (resume === undefined) return facts;
    for (const key of ["worktreePath", "branch", "baseRef", "baseCommit", "prUrl"] as const) {
      if (resume[key] !== undefined) facts[key] = resume[key];
    }
    if (resume.issueNumber !== undefined) facts.issueNumber = resume.issueNumber;
    if (resume.prNumber !== undefined) facts.prNumber = resume.prNumber;
    const setup = resume.phases.find((p) => p.phase === "setup")?.data ?? {};
    facts.commandPrefix = stringArray(setup.commandPrefix) ?? [];
    facts.setupArtifacts = stringArray(setup.setupArtifacts) ?? [];
    const issueUrl = resume.phases.find((p) => p.phase === "issue_creation")?.data.issueUrl;
    if (typeof issueUrl === "string") facts.issueUrl = issueUrl;
    if (resume.restart !== undefined) {
      // A journaled restart: the redo is told why, and its branch replaces the pushed one.
      facts.restartNote = resume.restart.reason;
      facts.forcePush = true;
    }
    return facts;
  }

  // ---- endings ------------------------------------------------------------------------------------

  async #failTask(
    run: TaskRun,
    phase: WorkflowPhase | undefined,
    reason: string,
    error: unknown,
  ): Promise<WorkflowState> {
    const { task } = run;
    const message = phase === undefined ? reason : `${phase} failed: ${reason}`;
    if (error !== undefined) {
      const context = captureContext(
        error,
        {
          operation: phase === undefined ? "workflow governance check" : `workflow phase ${phase}`,
          runId: this.runId,
          taskId: task.id,
          attempt: run.attempt,
          ...(phase === undefined ? {} : { phase }),
        },
        { now: this.#now },
      );
      await this.#record({ type: "error", context });
      if (phase === undefined) {
        const issue = await this.#fileFailureIssue(run, undefined, error);
        if (issue !== undefined) await run.ctx.log(`failure reported in issue #${issue.number}`);
      }
    }
    await this.#flushTodo(run, run.ctx.todo);
    await this.#record({ type: "task.status", taskId: task.id, status: "failed", reason: message });
    await run.ctx.log(`workflow of task ${task.id} failed: ${message}`);
    return this.#state.loadTask(this.runId, task.id);
  }

  async #cancelTask(run: TaskRun, reason: string): Promise<WorkflowState> {
    await this.#flushTodo(run, run.ctx.todo);
    await this.#record({ type: "task.status", taskId: run.task.id, status: "cancelled", reason });
    await run.ctx.log(`workflow of task ${run.task.id} ${reason}`);
    return this.#state.loadTask(this.runId, run.task.id);
  }

  /** The seed's automatic failure report, when GitHub is available. Best effort: its own failure is a warning. */
  async #fileFailureIssue(
    run: TaskRun,
    phase: WorkflowPhase | undefined,
    error: unknown,
  ): Promise<{ number: number; url: string } | undefined> {
    const github = this.#options.github;
    if (github === undefined) return undefined;
    try {
      const available = await github.isAvailable();
      if (!available.ok) return undefined;
      let logTail: string | undefined;
      if (existsSync(run.paths.log))
        logTail = tailText(await readFile(run.paths.log, "utf8"), FAILURE_LOG_LINES);
      const issue = await github.createFailureIssue({
        taskId: run.task.id,
        taskName: run.task.name,
        runId: this.runId,
        attempt: run.attempt,
        error: error instanceof Error || typeof error === "string" ? error : describeError(error),
        logFile: run.paths.log,
        ...(phase === undefined ? {} : { phase }),
        ...(run.facts.branch === undefined ? {} : { branch: run.facts.branch }),
        ...(logTail === undefined ? {} : { logTail }),
      });
      return { number: issue.number, url: issue.url };
    } catch (failure) {
      await this.#warn(
        run.task.id,
        `filing the failure issue of task ${run.task.id} failed: ${describeError(failure)}`,
      );
      return undefined;
    }
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  async #record(event: RunEventInput): Promise<void> {
    await this.#state.record(this.runId, event);
  }

  async #warn(taskId: string, message: string): Promise<void> {
    const text = redactSecrets(message);
    this.#options.onWarning?.(text);
    await this.#record({ type: "warning", message: text, taskId });
  }

  async #flushTodo(run: TaskRun, todo: TodoWriteManager): Promise<void> {
    if (!existsSync(todo.dir) && run.records.get("setup")?.status !== "completed") return;
    try {
      await todo.write();
    } catch (error) {
      await this.#warn(
        run.task.id,
        `the todo list of task ${run.task.id} cannot be written: ${describeError(error)}`,
      );
    }
  }

  #emit(event: PhaseEvent): void {
    try {
      this.#options.onPhase?.(event);
    } catch {
      // A listener's failure never stops the workflow.
    }
  }
}
