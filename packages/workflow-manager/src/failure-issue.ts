import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { WorkflowPhase } from "@gadugi/interfaces";
import type { WorkflowDeps } from "./deps.js";
import type { TaskRun } from "./task-run.js";
import { describeError, tailText } from "./util.js";

/** Lines of the task log put into a failure issue. */
const FAILURE_LOG_LINES = 60;

/**
 * The seed's automatic failure report of a task (a failed required phase, or a governance
 * violation when `phase` is undefined), when GitHub is available. Best effort: its own failure
 * is a warning.
 */
export async function fileFailureIssue(
  deps: WorkflowDeps,
  run: TaskRun,
  phase: WorkflowPhase | undefined,
  error: unknown,
): Promise<{ number: number; url: string } | undefined> {
  const github = deps.options.github;
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
      runId: deps.runId,
      attempt: run.attempt,
      error: error instanceof Error || typeof error === "string" ? error : describeError(error),
      logFile: run.paths.log,
      ...(phase === undefined ? {} : { phase }),
      ...(run.facts.branch === undefined ? {} : { branch: run.facts.branch }),
      ...(logTail === undefined ? {} : { logTail }),
    });
    return { number: issue.number, url: issue.url };
  } catch (failure) {
    await deps.warn(
      run.task.id,
      `filing the failure issue of task ${run.task.id} failed: ${describeError(failure)}`,
    );
    return undefined;
  }
}
