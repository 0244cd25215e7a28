import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { GadugiError, parseWith } from "@gadugi/error-handling";
import {
  type PhaseRecord,
  TaskData,
  type TaskDataInput,
  type WorkflowPhase,
  type WorkflowState,
} from "@gadugi/interfaces";
import { TodoWriteManager } from "@gadugi/task-tracking";
import { detectProject, readWorktreeMarker, removeStaleIndexLock } from "@gadugi/worktree-manager";
import type { WorkflowDeps } from "./deps.js";
import type { Interruption } from "./interruptions.js";
import { type TaskPaths, taskPaths } from "./paths.js";
import { phaseContext } from "./phase-context.js";
import type { PhaseContext, RunTaskOptions, TaskFacts } from "./types.js";
import { describeError } from "./util.js";

/** Per-task state of one runTask call. */
export interface TaskRun {
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
 * The first steps of runTask: the task parsed and `resume` checked to be its own, the log
 * directory made, what the earlier attempt recorded taken up (see `restoreRecords`), the task
 * journaled `running`, and its todo list and phase context made.
 */
export async function openTaskRun(
  deps: WorkflowDeps,
  taskInput: TaskData | TaskDataInput,
  options: RunTaskOptions,
): Promise<TaskRun> {
  const task = parseWith(TaskData, taskInput, `task ${String(taskInput.id)}`);
  const resume = options.resume;
  if (resume !== undefined && (resume.taskId !== task.id || resume.runId !== deps.runId)) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "resume",
      value: `${resume.runId}/${resume.taskId}`,
      expected: `the state of task ${task.id} of run ${deps.runId}`,
    });
  }
  const signal = options.signal ?? new AbortController().signal;
  const paths = taskPaths(deps.runDir, task.id);
  await mkdir(path.dirname(paths.log), { recursive: true });
  const { records, facts, removedLock } = await restoreRecords(resume);
  if (options.redoReason !== undefined) facts.restartNote ??= options.redoReason;

  await deps.record({ type: "task.status", taskId: task.id, status: "running" });
  if (removedLock !== undefined) {
    await deps.record({
      type: "warning",
      taskId: task.id,
      message: `removed ${removedLock}: a git command killed with the run left it, and it would stop the task's next commit`,
    });
  }
  const attempt = Math.max(1, (await deps.state.loadTask(deps.runId, task.id)).attempts);
  const todo = todoFor(deps, task, paths, records);
  const base = {
    task,
    paths,
    signal,
    records,
    facts,
    attempt,
    interrupted: { calls: new Map<string, number>() },
  };
  return { ...base, ctx: phaseContext(deps, base, options, todo) };
}

/**
 * The phase records and facts of an earlier attempt (none without `resume`). When its worktree
 * is gone or no longer its own (cleaned up, or put into the worktree pool at the end of the run,
 * where another task may have taken it up), setup's record is dropped: setup runs again and
 * takes up the branch. A worktree taken up again loses the `index.lock` a git killed with the
 * earlier attempt left (no process has it open), which would stop every git command in it.
 */
async function restoreRecords(resume: WorkflowState | undefined): Promise<{
  records: Map<WorkflowPhase, PhaseRecord>;
  facts: TaskFacts;
  removedLock: string | undefined;
}> {
  const records = new Map<WorkflowPhase, PhaseRecord>();
  for (const record of resume?.phases ?? []) records.set(record.phase, structuredClone(record));
  const facts = factsFrom(resume);
  let removedLock: string | undefined;
  if (facts.worktreePath !== undefined && resume && (await stillItsWorktree(facts.worktreePath, resume))) {
    facts.uvProject = (await detectProject(facts.worktreePath)).uv;
    removedLock = await removeStaleIndexLock(facts.worktreePath);
  } else if (records.get("setup")?.status === "completed") {
    records.delete("setup");
  }
  return { records, facts, removedLock };
}

/** Whether `dir` is still the task's own active worktree (its marker names the run and task). */
async function stillItsWorktree(
  dir: string,
  task: Pick<WorkflowState, "runId" | "taskId">,
): Promise<boolean> {
  if (!existsSync(dir)) return false;
  const marker = await readWorktreeMarker(dir);
  return marker?.status === "active" && marker.runId === task.runId && marker.taskId === task.taskId;
}

/** The task's todo list: one item per phase of the plan, with what the records say of it. */
function todoFor(
  deps: WorkflowDeps,
  task: TaskData,
  paths: TaskPaths,
  records: ReadonlyMap<WorkflowPhase, PhaseRecord>,
): TodoWriteManager {
  const todo = new TodoWriteManager({
    dir: paths.taskDir,
    title: `${task.name} (${task.id})`,
    now: deps.now,
    autoWrite: false,
  });
  for (const phase of deps.phases) {
    const record = records.get(phase.name);
    todo.set({
      id: phase.name,
      name: phase.name,
      status: record?.status ?? "pending",
      note: record?.reason,
    });
  }
  return todo;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? [...value] : undefined;
}

/** Facts known from an earlier attempt's state: its fields and the data of its phases. */
export function factsFrom(resume: WorkflowState | undefined): TaskFacts {
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

/**
 * Writes the task's todo list; not before setup made the task directory. A failure to write it
 * is a warning, never the task's failure.
 */
export async function flushTodo(deps: WorkflowDeps, run: TaskRun, todo: TodoWriteManager): Promise<void> {
  if (!existsSync(todo.dir) && run.records.get("setup")?.status !== "completed") return;
  try {
    await todo.write();
  } catch (error) {
    await deps.warn(
      run.task.id,
      `the todo list of task ${run.task.id} cannot be written: ${describeError(error)}`,
    );
  }
}
