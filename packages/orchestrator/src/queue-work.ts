import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { type Env, GitClient } from "@gadugi/git";
import { type TaskStatus, WorkflowPhase, type WorkflowState } from "@gadugi/interfaces";
import type { BudgetStop, JobProgress, TaskQueue } from "@gadugi/queue";
import { writeJsonAtomic } from "@gadugi/state";
import { configForJob, inputForJob, type QueuedTaskResult, type QueuedTaskWork } from "./queue-payload.js";
import { dropRunRefs, fetchBranch, RemotePushes, workerRemoteUrl } from "./queue-remote.js";
import { recordOf, runFiles, type Session } from "./session.js";
import type { TaskAttemptOutcome, TaskWorker, TaskWorkInput, TaskWorkResult } from "./task-work.js";

/** How `gadugi run --queue` reaches its workers. */
export interface QueueRunOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://`. */
  url: string;
  /** The git remote workers fetch from and push to. Default `origin`. */
  remote?: string;
  /** Queue name. Default `tasks`. */
  name?: string;
  /** How long Redis may be away mid-run before the run fails (resumably). Default 300 s. */
  lostAfterSec?: number;
}

/** Where each task runs on which worker, for `gadugi status` (`.gadugi/runs/<id>/workers.json`). */
export interface TaskWorkers {
  queue: string;
  remote: string;
  tasks: Record<
    string,
    {
      jobId: string;
      worker: JobProgress["worker"];
      startedAt: string;
      /** The task branch's name on the workers, and here when that name was taken (`-2`). */
      branch?: string;
      localBranch?: string;
    }
  >;
}

export function workersFile(repoRoot: string, runId: string): string {
  return join(runFiles(repoRoot, runId).dir, "workers.json");
}

/** The run's `workers.json` (no tasks placed when the run never used a queue). */
export async function readTaskWorkers(
  repoRoot: string,
  runId: string,
): Promise<TaskWorkers | { tasks: TaskWorkers["tasks"] }> {
  try {
    return JSON.parse(await readFile(workersFile(repoRoot, runId), "utf8")) as TaskWorkers;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { tasks: {} };
    throw error;
  }
}

/** Writes the run's `workers.json` (atomically: `gadugi status` may read it meanwhile). */
function saveWorkers(session: Session, workers: TaskWorkers): Promise<void> {
  return writeJsonAtomic(workersFile(session.repoRoot, session.runId), workers);
}

type Queue = TaskQueue<QueuedTaskWork, QueuedTaskResult>;

/**
 * What a queued run needs before it is started (so a missing remote or an unreachable Redis
 * leaves no run behind): the remote workers use (GADUGI_QUEUE_NO_REMOTE) and Redis answering
 * (GADUGI_QUEUE_URL_INVALID, GADUGI_QUEUE_UNREACHABLE, the URL masked).
 */
export async function preflightQueue(repoRoot: string, options: QueueRunOptions, env: Env): Promise<void> {
  await workerRemoteUrl(new GitClient(repoRoot, { env }), repoRoot, options.remote ?? "origin");
  const { assertReachable, parseQueueUrl } = await import("@gadugi/queue");
  await assertReachable(parseQueueUrl(options.url));
}

/**
 * The queue's task worker for the coordinator: each task work becomes a job (`<run>:<task>:<attempt>`)
 * for a `gadugi worker` on any host. The commits a job starts from are pushed to the remote
 * first; a finished job's branch is fetched back, and the worker's record of the task (phases,
 * branch, agent runs) journaled here, so the integrate stage merges it exactly as a local one.
 */
export async function openQueueWorker(
  session: Session,
  options: QueueRunOptions,
  env: Env,
): Promise<{
  work: TaskWorker;
  /** The run's budget is reached: every job in flight is stopped on its worker (GADUGI_BUDGET_EXCEEDED). */
  stopAtBudget: (stop: BudgetStop) => Promise<void>;
  close: () => Promise<void>;
}> {
  const remote = options.remote ?? "origin";
  const git = new GitClient(session.repoRoot, { env });
  const remoteUrl = await workerRemoteUrl(git, session.repoRoot, remote);
  const { TaskQueue, jobId } = await import("@gadugi/queue");
  const record = recordOf(session);
  const queue: Queue = await TaskQueue.open<QueuedTaskWork, QueuedTaskResult>(options.url, {
    ...(options.name === undefined ? {} : { name: options.name }),
    onWarning: (message) => session.background.add(record({ type: "warning", message })),
  });
  // A cancel of an earlier life of the run (gadugi cancel) must not stop the jobs of this one.
  await queue.clearRunCancel(session.runId);
  // Kept from an earlier life of the run (a resume); says `resume` should use the queue again.
  const workers: TaskWorkers = {
    ...(await readTaskWorkers(session.repoRoot, session.runId)),
    queue: queue.url.masked,
    remote,
  };
  await saveWorkers(session, workers);
  const ctx: JobContext = { session, queue, git, remote, remoteUrl, workers, options, jobId };
  const pushes = new RemotePushes(session, git, remote);
  const inFlight = new Set<string>();
  let budgetStop: BudgetStop | undefined;
  const work: TaskWorker = async (input, signal, meta = { attempt: 1 }) => {
    const attempt = meta.rerun ? `${meta.attempt}r${meta.rerun}` : meta.attempt;
    const id = jobId(session.runId, input.task.id, attempt);
    const startCommit = input.restart?.startPoint ?? input.startPoint ?? session.baseCommit;
    await enqueue(ctx, id, {
      version: 1,
      input: inputForJob(workerNames(workers, input)),
      config: configForJob(session.config),
      remote: remoteUrl,
      fetch: await pushes.ensure(startCommit),
      startCommit,
    });
    inFlight.add(id);
    let end: Awaited<ReturnType<typeof awaitJob>>;
    try {
      end = await awaitJob(ctx, id, input.task.id, signal);
    } finally {
      inFlight.delete(id);
    }
    return taskFromJobEnd(ctx, input, id, end, signal.aborted ? undefined : budgetStop);
  };
  const close = async () => {
    try {
      await dropRunRefs(session, git, remote);
    } finally {
      await queue.close();
    }
  };
  const stopAtBudget = async (stop: BudgetStop) => {
    budgetStop = stop;
    for (const id of inFlight) await queue.cancel(id, { budget: stop });
  };
  return { work, stopAtBudget, close };
}

/**
 * What a job's end makes of its task: the worker's result fetched back and journaled here (the
 * branch, phases, agent runs), or why there is none. `budgetStop`: the run's budget took the job
 * off the queue (a job cancelled then was stopped at the budget, not by the user).
 */
async function taskFromJobEnd(
  ctx: JobContext,
  input: TaskWorkInput,
  id: string,
  end: Awaited<ReturnType<typeof awaitJob>>,
  budgetStop: BudgetStop | undefined,
): Promise<TaskWorkResult> {
  const { session, git, remote, workers } = ctx;
  if (end.status === "cancelled" && budgetStop !== undefined) {
    const reason = new GadugiError("GADUGI_BUDGET_EXCEEDED", { scope: "run", ...budgetStop }).message;
    return finish(session, input, { status: "budget-exceeded", reason });
  }
  if (end.status === "cancelled") return finish(session, input, { status: "cancelled", reason: end.reason });
  if (end.status === "failed") {
    // The worker could not do the work (clone, fetch, push, its journal): a transient failure,
    // retried as any other (config.retry) on whichever worker takes the next attempt.
    const reason = new GadugiError("GADUGI_QUEUE_JOB_FAILED", { jobId: id, reason: end.reason }).message;
    await running(session, input.task.id, "on a worker");
    return finish(session, input, { status: "failed", reason, transient: true });
  }
  const done = end.result.value;
  const branch = await fetchBranch(session, git, remote, done);
  const placed = workers.tasks[input.task.id];
  if (placed !== undefined && branch !== undefined && done.result.state.branch !== undefined) {
    placed.branch = done.result.state.branch;
    placed.localBranch = branch;
    await saveWorkers(session, workers);
  }
  await journalWork(session, done, branch);
  return finish(session, input, done.result, done.result.state.status);
}

/** A resumed task's branch under the name its workers know it by (see fetchBranch). */
function workerNames(workers: TaskWorkers, input: TaskWorkInput): TaskWorkInput {
  const placed = workers.tasks[input.task.id];
  const resume = input.resume;
  if (resume === undefined || placed?.branch === undefined || resume.branch !== placed.localBranch)
    return input;
  return { ...input, resume: { ...resume, branch: placed.branch } };
}

interface JobContext {
  session: Session;
  queue: Queue;
  git: GitClient;
  remote: string;
  remoteUrl: string;
  workers: TaskWorkers;
  options: QueueRunOptions;
  jobId: (runId: string, taskId: string, attempt: number | string) => string;
}

/** Enqueues job `id` unless it exists (see TaskQueue.submit); says so when it was found. */
async function enqueue(ctx: JobContext, id: string, payload: QueuedTaskWork): Promise<void> {
  const taskId = payload.input.task.id;
  const how = await ctx.queue.submit(
    id,
    { runId: ctx.session.runId, taskId, label: payload.input.task.slug, payload },
    (done) => done.value.result.status === "completed",
  );
  if (how === "added") return;
  await recordOf(ctx.session)({
    type: "warning",
    taskId,
    message: `job ${id} was ${how === "attached" ? "still in flight: re-attached to it" : "already done: its result is collected"}`,
  });
}

/** Waits for job `id`; journals `running` (and workers.json) when a worker takes it up. */
async function awaitJob(ctx: JobContext, id: string, taskId: string, signal: AbortSignal) {
  const { session, workers } = ctx;
  let started: Promise<unknown> = Promise.resolve();
  let shownPhase: WorkflowPhase | undefined;
  const end = await ctx.queue.wait(id, {
    signal,
    lostAfterMs: (ctx.options.lostAfterSec ?? 300) * 1000,
    onStart: (progress) => {
      const at = new Date(progress.startedAt).toISOString();
      workers.tasks[taskId] = { ...workers.tasks[taskId], jobId: id, worker: progress.worker, startedAt: at };
      const reason = `on worker ${progress.worker.host} (pid ${progress.worker.pid})`;
      // Chained: a stalled job taken over by another worker is said after the first.
      started = started
        .then(() => running(session, taskId, reason))
        .then(() => saveWorkers(session, workers));
    },
    // The phase the worker runs, so `gadugi status` shows it while the job is in flight.
    onProgress: (progress) => {
      const phase = WorkflowPhase.safeParse(progress.phase);
      if (!phase.success || phase.data === shownPhase) return;
      shownPhase = phase.data;
      started = started.then(() =>
        recordOf(session)({ type: "task.updated", taskId, patch: { currentPhase: phase.data } }),
      );
    },
  });
  await started;
  return end;
}

/** Journals `running` unless the task is running already (a worker took it up). */
async function running(session: Session, taskId: string, reason: string): Promise<void> {
  const current = (await session.state.loadTask(session.runId, taskId)).status;
  if (current !== "running")
    await recordOf(session)({ type: "task.status", taskId, status: "running", reason });
}

/** The worker's record of the task (phases, branch, base) and its agent runs, in this journal. */
async function journalWork(
  session: Session,
  done: QueuedTaskResult,
  branch: string | undefined,
): Promise<void> {
  const record = recordOf(session);
  const {
    runId: _runId,
    taskId,
    status: _status,
    attempts: _attempts,
    startedAt: _startedAt,
    endedAt: _endedAt,
    updatedAt: _updatedAt,
    error: _error,
    ...patch
  } = done.result.state;
  await running(session, taskId, "on a worker");
  await record({
    type: "task.updated",
    taskId,
    patch: { ...patch, ...(branch === undefined ? {} : { branch }) },
  });
  for (const { at: _at, ...run } of done.agentRuns) await record({ type: "agent.run", taskId, ...run });
}

/** Journals the task's end as the worker classified it; the result carries this journal's state. */
async function finish(
  session: Session,
  input: TaskWorkInput,
  outcome: TaskAttemptOutcome,
  workerStatus?: TaskStatus,
): Promise<TaskWorkResult> {
  const taskId = input.task.id;
  // The worker's own word where it is an end (changes-requested is a failed outcome).
  const ends: TaskStatus[] = ["completed", "failed", "cancelled", "changes-requested", "budget-exceeded"];
  const status: TaskStatus =
    workerStatus !== undefined && ends.includes(workerStatus) ? workerStatus : outcome.status;
  const current = (await session.state.loadTask(session.runId, taskId)).status;
  if (current !== status) {
    await recordOf(session)({
      type: "task.status",
      taskId,
      status,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    });
  }
  const state: WorkflowState = await session.state.loadTask(session.runId, taskId);
  return {
    version: 1,
    taskId,
    state,
    status: outcome.status,
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.transient === undefined ? {} : { transient: outcome.transient }),
  };
}
