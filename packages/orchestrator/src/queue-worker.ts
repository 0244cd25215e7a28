import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, sep } from "node:path";
import { ProcessRegistry, registeringRunner } from "@gadugi/execution-monitor";
import { createProcessRunner, type Env, GitClient, type ProcessRunner } from "@gadugi/git";
import type { GadugiConfig } from "@gadugi/interfaces";
import type { WorktreeManager } from "@gadugi/worktree-manager";
import { releaseTaskWorktree, worktreeManager } from "./cleanup.js";
import { type QueuedTaskResult, type QueuedTaskWork, taskRef } from "./queue-payload.js";
import { BackgroundWrites, ObservedStateManager, runFiles } from "./session.js";
import { localTaskWorker, type TaskWorkInput, type TaskWorkSession } from "./task-work.js";

/** The remote's name in a worker's clones (not `origin`: the PR phase is the orchestrator's). */
export const WORKER_REMOTE = "gadugi-remote";

export interface QueueTaskHandlerOptions {
  /** Where the worker keeps one clone per repository (`<workDir>/repos/<hash>`). */
  workDir: string;
  /** The worker's environment (agent credentials, PATH), laid over process.env. */
  env?: Env;
  onLog?: (message: string) => void;
  now?: () => number;
}

/** What a job's handler gets from @gadugi/queue's worker. */
export interface QueueTaskContext {
  jobId: string;
  signal: AbortSignal;
  /** Reports progress to the orchestrator (the phase running). */
  progress?: (detail: Record<string, unknown>) => Promise<void>;
}

/**
 * The worker's side of a queued task: the repository fetched into its own clone (one per remote,
 * reused), the task work run exactly as locally (environment setup, agent, workflow phases,
 * journaled in the clone's `.gadugi/`), the task branch force-pushed to the remote (a re-run
 * replaces a half-done branch), and the result with the pushed head.
 */
export function queueTaskHandler(
  options: QueueTaskHandlerOptions,
): (work: QueuedTaskWork, context: QueueTaskContext) => Promise<QueuedTaskResult> {
  const clones = new Clones(options.workDir, options.env ?? {});
  const runs = new WorkerRuns(options.env ?? {}, options.now ?? Date.now, options.onLog ?? (() => {}));
  return async (work, context) => {
    const repo = await clones.prepare(work);
    const run = await runs.open(repo, work);
    const input = await inputOnThisHost(repo, work.input, run.worktrees, clones.git(repo));
    const startedAt = new Date().toISOString();
    // The phase running, as the job's progress: the orchestrator's status shows it.
    const tell = context.progress;
    const onPhase =
      tell === undefined
        ? undefined
        : (phase: string) => {
            tell({ phase }).catch((error: unknown) =>
              options.onLog?.(`${context.jobId}: progress not sent: ${String(error)}`),
            );
          };
    const taskId = work.input.task.id;
    if (onPhase !== undefined) run.phaseListeners.set(taskId, onPhase);
    let result: Awaited<ReturnType<WorkerRun["work"]>>;
    try {
      result = await run.work(input, context.signal);
    } finally {
      run.phaseListeners.delete(taskId);
    }
    const branch = result.state.branch;
    let head: string | undefined;
    // Cancelled, or the job's lock was lost (it runs again elsewhere): nothing is pushed. Stopped
    // at the run's budget: the work so far is, so a resume with a higher budget goes on from it.
    const pushed = !context.signal.aborted || result.status === "budget-exceeded";
    if (pushed && branch !== undefined && (await clones.git(repo).branchExists(branch))) {
      head = await clones.push(repo, branch, taskRef(work.input.runId, work.input.task.id));
      options.onLog?.(`${context.jobId}: pushed ${branch} (${head.slice(0, 12)})`);
    }
    // Its work is on the remote: the worktree goes into this clone's pool, so the worker's next
    // job takes it up instead of making a new checkout (a conflict re-run here starts afresh).
    if (head !== undefined && result.status === "completed") {
      await releaseTaskWorktree(run.session, run.worktrees, taskId).catch((error: unknown) =>
        options.onLog?.(`${context.jobId}: worktree not pooled: ${String(error)}`),
      );
    }
    const state = await run.state.loadRun(work.input.runId);
    const agentRuns = (state.agentRuns[work.input.task.id] ?? []).filter((r) => r.at >= startedAt);
    await run.background.settle();
    return { version: 1, result, ...(head === undefined ? {} : { head }), agentRuns };
  };
}

/**
 * A resumed or restarted task's earlier worktree may be on another host (or be another worker's
 * on this one, or have gone into this clone's pool when its work was pushed): only the task's own
 * active worktree inside this clone counts. A restart without one here is the same work from
 * scratch on the restart's start point, its agent told why (`redo`); a resume without one sets up
 * again (setup takes up the branch, fetched from the remote by `prepare`).
 */
async function inputOnThisHost(
  repo: string,
  input: TaskWorkInput,
  worktrees: WorktreeManager,
  git: GitClient,
): Promise<TaskWorkInput> {
  const path = input.resume?.worktreePath;
  const own = await worktrees.get(input.runId, input.task.id);
  const here =
    path !== undefined && own?.status === "active" && own.path === path && existsInside(repo, path);
  if (input.restart !== undefined && !here) {
    const { resume: _resume, restart, ...rest } = input;
    // The earlier attempt ran here (its worktree since pooled): setup would take its branch up
    // again and refuse its commits as not on the new start point. They are on the remote and
    // fetched by the orchestrator already; this clone's copy goes.
    const branch = own?.branch;
    if (branch !== undefined && (await git.branchExists(branch)) && !(await checkedOut(git, branch)))
      await git.raw(["branch", "--delete", "--force", branch]);
    return { ...rest, startPoint: restart.startPoint, redo: { reason: restart.reason } };
  }
  if (input.resume !== undefined && path !== undefined && !here) {
    const { worktreePath: _path, ...resume } = input.resume;
    return { ...input, resume };
  }
  return input;
}

/** Some worktree of the clone has `branch` checked out. */
async function checkedOut(git: GitClient, branch: string): Promise<boolean> {
  return (await git.worktreeList()).some((w) => w.branch === branch || w.branch === `refs/heads/${branch}`);
}

/** `path` is inside `dir` and exists. */
function existsInside(dir: string, path: string): boolean {
  return path.startsWith(`${dir}${sep}`) && existsSync(path);
}

/** Where a clone keeps the remote's `refs/gadugi/<run>/tasks/<task>`. */
function remoteTaskRef(runId: string, taskId: string): string {
  return `refs/remotes/${WORKER_REMOTE}-run/gadugi/${runId}/tasks/${taskId}`;
}

/** One clone per remote under the work dir; git calls on one clone run one at a time. */
class Clones {
  readonly #workDir: string;
  readonly #env: Env;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(workDir: string, env: Env) {
    this.#workDir = workDir;
    this.#env = env;
  }

  git(repo: string): GitClient {
    return new GitClient(repo, { env: this.#env });
  }

  /** Clones (first time) or fetches the remote, with the job's refs and the task's branch. */
  async prepare(work: QueuedTaskWork): Promise<string> {
    const repo = join(
      this.#workDir,
      "repos",
      createHash("sha256").update(work.remote).digest("hex").slice(0, 16),
    );
    return this.#serial(repo, async () => {
      if (!existsSync(join(repo, ".git"))) {
        await mkdir(join(this.#workDir, "repos"), { recursive: true });
        await new GitClient(this.#workDir, { env: this.#env }).raw([
          "clone",
          "--quiet",
          "--origin",
          WORKER_REMOTE,
          work.remote,
          repo,
        ]);
      }
      const git = this.git(repo);
      const refspecs = work.fetch.map(
        (ref) => `+${ref}:refs/remotes/${WORKER_REMOTE}-run/${ref.replace(/^refs\//, "")}`,
      );
      const runId = work.input.runId;
      // The run's task branches (a resumed task's earlier work); a glob, so none is no error.
      const tasks = `+refs/gadugi/${runId}/tasks/*:${remoteTaskRef(runId, "*")}`;
      await git.raw([
        "fetch",
        "--quiet",
        WORKER_REMOTE,
        `+refs/heads/*:refs/remotes/${WORKER_REMOTE}/*`,
        tasks,
        ...refspecs,
      ]);
      await git.raw(["cat-file", "-e", `${work.startCommit}^{commit}`]);
      // A resumed task's earlier work (a conflict re-run starts afresh unless its worktree is here).
      const branch = work.input.restart === undefined ? work.input.resume?.branch : undefined;
      if (branch !== undefined) await this.#takeBranch(git, branch, remoteTaskRef(runId, work.input.task.id));
      return repo;
    });
  }

  /** The remote's copy of a resumed task's branch, unless a worktree here has it checked out. */
  async #takeBranch(git: GitClient, branch: string, fetched: string): Promise<void> {
    const remote = await git.resolveCommit(fetched);
    if (remote === undefined) return;
    if (!(await checkedOut(git, branch))) await git.raw(["branch", "--force", branch, remote]);
  }

  /**
   * Force-pushes the task branch to the run's ref for the task (a re-run replaces a half-done
   * one); returns its head.
   */
  async push(repo: string, branch: string, ref: string): Promise<string> {
    return this.#serial(repo, async () => {
      const git = this.git(repo);
      const head = await git.revParse(`refs/heads/${branch}`);
      await git.raw(["push", "--quiet", "--force", WORKER_REMOTE, `refs/heads/${branch}:${ref}`]);
      return head;
    });
  }

  async #serial<T>(key: string, step: () => Promise<T>): Promise<T> {
    const before = this.#locks.get(key) ?? Promise.resolve();
    const next = before.then(step, step);
    this.#locks.set(
      key,
      next.then(
        () => undefined,
        () => undefined,
      ),
    );
    return next;
  }
}

interface WorkerRun {
  session: TaskWorkSession;
  worktrees: WorktreeManager;
  state: ObservedStateManager;
  background: BackgroundWrites;
  work: ReturnType<typeof localTaskWorker>;
  /** Per task running: told when each of its phases starts. */
  phaseListeners: Map<string, (phase: string) => void>;
}

/** The runs a worker takes part in, one per clone and run id: journal, registry, task worker. */
class WorkerRuns {
  readonly #env: Env;
  readonly #now: () => number;
  readonly #states = new Map<string, ObservedStateManager>();
  readonly #runs = new Map<string, Promise<WorkerRun>>();
  readonly #runner: ProcessRunner = createProcessRunner();

  readonly #onLog: (message: string) => void;

  constructor(env: Env, now: () => number, onLog: (message: string) => void) {
    this.#env = env;
    this.#now = now;
    this.#onLog = onLog;
  }

  open(repo: string, work: QueuedTaskWork): Promise<WorkerRun> {
    const key = `${repo}\0${work.input.runId}`;
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = this.#open(repo, work.input.runId, work.config, work.startCommit);
      this.#runs.set(key, run);
      run.catch(() => this.#runs.delete(key));
    }
    return run;
  }

  async #open(repo: string, runId: string, config: GadugiConfig, baseCommit: string): Promise<WorkerRun> {
    let state = this.#states.get(repo);
    if (state === undefined) {
      state = new ObservedStateManager(repo, { now: () => new Date(this.#now()) });
      this.#states.set(repo, state);
    }
    if (existsSync(join(runFiles(repo, runId).dir, "events.jsonl"))) await state.openRun(runId);
    else await state.createRun({ runId, baseCommit });
    const background = new BackgroundWrites();
    const registryWarning = (error: unknown) => this.#onLog(`process registry of ${runId}: ${String(error)}`);
    const registry = await ProcessRegistry.open(runFiles(repo, runId).dir, {
      runId,
      onWriteError: registryWarning,
    });
    const runner = registeringRunner(registry, { runner: this.#runner, onError: registryWarning });
    const env = this.#env;
    const session = { runId, repoRoot: repo, config, state, background };
    const phaseListeners = new Map<string, (phase: string) => void>();
    const worktrees = worktreeManager(repo, config, env);
    const work = localTaskWorker(session, {
      env,
      worktrees,
      github: undefined,
      registry,
      runner,
      onEvent: undefined,
      now: this.#now,
      onPhase: (taskId, phase) => phaseListeners.get(taskId)?.(phase),
    });
    return { session, worktrees, state, background, work, phaseListeners };
  }
}
