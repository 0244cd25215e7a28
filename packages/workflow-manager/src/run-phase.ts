import { redactSecrets } from "@gadugi/error-handling";
import type { PhaseRecord } from "@gadugi/interfaces";
import type { WorkflowDeps } from "./deps.js";
import { fileFailureIssue } from "./failure-issue.js";
import { runInWorkflowScope } from "./governance.js";
import { flushTodo, type TaskRun } from "./task-run.js";
import type { Phase, PhaseOutcome } from "./types.js";
import { abortReason, describeError, iso } from "./util.js";

/** How a phase ended, as the loop of runTask needs it. */
export type PhaseResult =
  | { status: "completed" | "skipped" }
  | { status: "failed"; reason: string; cancelled: boolean; error: unknown };

/** What the phase itself came to: its outcome (a thrown error made a failure) and whether it was cancelled. */
interface Settled {
  outcome: PhaseOutcome;
  error: unknown;
  cancelled: boolean;
}

/**
 * Runs one phase of the task: journaled `phase.started`, run in the task's workflow scope (the
 * only place agents may start), then its outcome journaled as `phase.finished`, kept in the
 * task's records and todo list, logged and told to the phase listener.
 */
export async function runPhase(deps: WorkflowDeps, run: TaskRun, phase: Phase): Promise<PhaseResult> {
  const started = await startPhase(deps, run, phase);
  const settled = await settlePhase(deps, run, phase);
  const reason = await finishPhase(deps, run, phase, started, settled);
  const { outcome, error, cancelled } = settled;
  if (outcome.status !== "failed") return { status: outcome.status };
  return { status: "failed", reason: reason ?? outcome.reason, cancelled, error };
}

/** `phase.started` journaled, recorded, told and logged; returns when it started (epoch ms). */
async function startPhase(deps: WorkflowDeps, run: TaskRun, phase: Phase): Promise<number> {
  const { task, ctx } = run;
  const started = deps.now();
  await deps.record({ type: "phase.started", taskId: task.id, phase: phase.name });
  run.records.set(phase.name, { phase: phase.name, status: "running", startedAt: iso(started), data: {} });
  deps.emit({ runId: deps.runId, taskId: task.id, phase: phase.name, status: "running" });
  ctx.todo.update(phase.name, { status: "running", note: undefined });
  await ctx.log(`phase ${phase.name} started`);
  return started;
}

/**
 * The phase run in the workflow scope. A thrown error is a failure with its description; an
 * outcome other than completed without a reason gets one; a failure while the signal is aborted
 * is the cancellation.
 */
async function settlePhase(deps: WorkflowDeps, run: TaskRun, phase: Phase): Promise<Settled> {
  const { task, signal, ctx } = run;
  let outcome: PhaseOutcome;
  let error: unknown;
  try {
    outcome = await runInWorkflowScope({ runId: deps.runId, taskId: task.id, phase: phase.name }, () =>
      phase.run(ctx),
    );
    if (outcome.status !== "completed" && (outcome.reason ?? "").trim() === "") {
      outcome = { ...outcome, reason: `phase ${phase.name} gave no reason for ${outcome.status}` };
    }
  } catch (caught) {
    error = caught;
    outcome = { status: "failed", reason: describeError(caught) };
  }
  if (outcome.status === "failed" && signal.aborted) {
    const data = outcome.data ? { data: outcome.data } : {};
    return { outcome: { status: "failed", reason: abortReason(signal), ...data }, error, cancelled: true };
  }
  return { outcome, error, cancelled: false };
}

/**
 * `phase.finished` journaled (a required phase's failure first filed as the failure issue), the
 * record and todo item updated, logged and told. Returns the redacted reason.
 */
async function finishPhase(
  deps: WorkflowDeps,
  run: TaskRun,
  phase: Phase,
  started: number,
  { outcome, error, cancelled }: Settled,
): Promise<string | undefined> {
  const { task, ctx } = run;
  const durationMs = Math.max(0, deps.now() - started);
  const data: Record<string, unknown> = { ...outcome.data };
  if (outcome.status === "skipped") data.skipCode = outcome.code ?? "unspecified";
  const required = deps.options.config.workflow.requiredPhases.includes(phase.name);
  if (outcome.status === "failed" && !cancelled && required) {
    const issue = await fileFailureIssue(deps, run, phase.name, error ?? outcome.reason);
    if (issue !== undefined) data.failureIssue = issue;
  }
  const reason = outcome.status === "completed" ? undefined : redactSecrets(outcome.reason);
  const because = reason === undefined ? {} : { reason };
  await deps.record({
    type: "phase.finished",
    taskId: task.id,
    phase: phase.name,
    status: outcome.status,
    durationMs,
    ...because,
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
  await flushTodo(deps, run, ctx.todo);
  await ctx.log(
    `phase ${phase.name} ${outcome.status} in ${durationMs} ms${reason === undefined ? "" : `: ${reason}`}`,
  );
  deps.emit({
    runId: deps.runId,
    taskId: task.id,
    phase: phase.name,
    status: outcome.status,
    durationMs,
    data,
    ...because,
  });
  return reason;
}
