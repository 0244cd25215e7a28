import type { PhaseRecord, TaskData, TaskDataInput, WorkflowPhase, WorkflowState } from "@gadugi/interfaces";
import { type WorkflowDeps, workflowDeps } from "./deps.js";
import { validateWorkflowPlan } from "./governance.js";
import { applyRestart, restartTask } from "./interruptions.js";
import { runPhase } from "./run-phase.js";
import { skipViolation, skipViolationError } from "./skip-policy.js";
import { budgetTask, cancelTask, completeTask, failTask } from "./task-end.js";
import { openTaskRun, type TaskRun } from "./task-run.js";
import type { Phase, RunTaskOptions, WorkflowManagerOptions } from "./types.js";
import { abortReason, budgetStop, describeError } from "./util.js";

const DONE: ReadonlySet<PhaseRecord["status"]> = new Set(["completed", "skipped"]);

/**
 * Runs one task through its phases — setup, issue, branch, implementation, testing, documentation,
 * PR, review — each a {@link Phase} with a contract, timed and journaled (`phase.started`,
 * `phase.finished`, `task.updated`), so the task's WorkflowState is enough to resume it. The only
 * way Gadugi executes a task: the agent runner it is given is governed (see governAgentRunner).
 *
 * `runTask` is a list of named steps, one module each: `task-run.ts` opens the task's run (state
 * taken up from `resume`, its todo list, the `phase-context.ts` its phases get), `governance.ts`
 * checks the plan, `interruptions.ts` applies a restart, `run-phase.ts` runs each phase, and
 * `task-end.ts` ends the task completed, failed or cancelled.
 */
export class WorkflowManager {
  readonly repoRoot: string;
  readonly runId: string;
  readonly runDir: string;
  /** The plan every task runs. */
  readonly phases: readonly Phase[];
  readonly #deps: WorkflowDeps;

  constructor(options: WorkflowManagerOptions) {
    this.#deps = workflowDeps(options);
    this.repoRoot = this.#deps.repoRoot;
    this.runId = this.#deps.runId;
    this.runDir = this.#deps.runDir;
    this.phases = this.#deps.phases;
  }

  /**
   * Runs `task` through the plan and returns its final WorkflowState (completed, failed or
   * cancelled). Task failures — a governance violation, a failed phase, cancellation — are recorded
   * in the state and journal, not thrown; only a journal that cannot be written throws.
   */
  async runTask(taskInput: TaskData | TaskDataInput, options: RunTaskOptions): Promise<WorkflowState> {
    const deps = this.#deps;
    const run = await openTaskRun(deps, taskInput, options);
    try {
      validateWorkflowPlan(run.task, this.phases, deps.options.config.workflow.requiredPhases);
    } catch (error) {
      await run.ctx.log(`governance: ${describeError(error)}`);
      return failTask(deps, run, undefined, describeError(error), error);
    }
    await run.ctx.log(
      `workflow of task ${run.task.id} (${run.task.name}), attempt ${run.attempt}${options.resume ? ", resumed" : ""}: ${this.phases.map((p) => p.name).join(" → ")}`,
    );
    if (options.restart !== undefined) await restartTask(deps, run, options.restart);
    else if (options.resume?.restart !== undefined)
      await applyRestart(run.ctx, run.facts, options.resume.restart);
    return (await this.#runPhases(run)) ?? completeTask(deps, run);
  }

  /**
   * The plan, phase by phase: one done before (completed, or skipped for an allowed reason) is not
   * run again; an aborted signal or a cancelled phase cancels the task; a failed required phase
   * fails it, and so does a required phase skipped for a reason workflow.allowSkip does not allow
   * (GADUGI_GOVERNANCE); a failed optional one is warned about and the task goes on. Returns the
   * task's final state when it ended early, undefined when every phase is done.
   */
  async #runPhases(run: TaskRun): Promise<WorkflowState | undefined> {
    const deps = this.#deps;
    const required = new Set<WorkflowPhase>(deps.options.config.workflow.requiredPhases);
    for (const phase of this.phases) {
      const previous = run.records.get(phase.name);
      run.interrupted.calls.clear();
      if (previous?.status === "running" && previous.startedAt !== undefined)
        run.interrupted.since = previous.startedAt;
      else delete run.interrupted.since;
      // A skip that governance no longer allows (a tightened workflow.allowSkip) is run again.
      const redo = skipViolation(deps.options.config.workflow, previous);
      if (previous !== undefined && DONE.has(previous.status) && redo === undefined) {
        await run.ctx.log(`phase ${phase.name}: already ${previous.status}, not run again`);
        continue;
      }
      if (run.signal.aborted) return this.#stopped(run);
      const outcome = await runPhase(deps, run, phase);
      if (outcome.status === "skipped") {
        const violation = skipViolation(deps.options.config.workflow, run.records.get(phase.name));
        if (violation === undefined) continue;
        await run.ctx.log(`governance: ${violation}`);
        return failTask(
          deps,
          run,
          undefined,
          violation,
          skipViolationError(run.task.id, phase.name, violation),
        );
      }
      if (outcome.status !== "failed") continue;
      // A budget stop ends the task whichever phase it hit (an optional one too): nothing more may be spent.
      const budget = budgetStop(run.signal, run.records.get(phase.name)?.data);
      if (budget !== undefined) return budgetTask(deps, run, budget);
      if (outcome.cancelled) return cancelTask(deps, run, outcome.reason);
      if (!required.has(phase.name)) {
        await run.ctx.warn(
          `task ${run.task.id}: phase ${phase.name} failed (${outcome.reason}); it is not in workflow.requiredPhases, so the task goes on`,
        );
        continue;
      }
      return failTask(deps, run, phase.name, outcome.reason, outcome.error);
    }
    return undefined;
  }

  /** The signal was aborted between phases: cancelled, or stopped at the run's budget. */
  #stopped(run: TaskRun): Promise<WorkflowState> {
    const budget = budgetStop(run.signal);
    return budget === undefined
      ? cancelTask(this.#deps, run, abortReason(run.signal))
      : budgetTask(this.#deps, run, budget);
  }
}
