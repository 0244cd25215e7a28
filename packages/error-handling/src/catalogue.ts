/**
 * Every error Gadugi reports, as data (Astro's error catalogue shape): a stable `GADUGI_*` code
 * users can search for, a title, a message built from the error's arguments, a hint saying what
 * to do, and the CLI exit code. `docs/ERRORS.md` is generated from this table.
 *
 * Exit codes: 1 a task or step failed, 2 bad usage or input, 3 invalid config or data, 4 git,
 * 5 state or lock, 6 agent, 7 GitHub, 8 integration conflict, 130 interrupted.
 */
export interface CatalogueEntry<A> {
  title: string;
  message: (args: A) => string;
  hint: string | ((args: A) => string);
  exitCode: number;
}

function entry<A = Record<string, never>>(e: CatalogueEntry<A>): CatalogueEntry<A> {
  return e;
}

export const ERROR_CATALOGUE = {
  GADUGI_UNEXPECTED: entry<{ message: string }>({
    title: "Unexpected error",
    message: (a) => a.message,
    hint: "This is a bug in Gadugi. Please report it with the command you ran and the output above.",
    exitCode: 70,
  }),
  GADUGI_INVALID_ARGUMENT: entry<{ name: string; value: string; expected: string }>({
    title: "Invalid argument",
    message: (a) => `Invalid value "${a.value}" for ${a.name}: expected ${a.expected}.`,
    hint: "Run the command with --help to see the accepted values.",
    exitCode: 2,
  }),
  GADUGI_INVALID_DATA: entry<{ source: string; issues: string[] }>({
    title: "Invalid data",
    message: (a) => `${a.source} is not valid:\n${a.issues.join("\n")}`,
    hint: (a) => `Fix the listed keys in ${a.source}.`,
    exitCode: 3,
  }),
  GADUGI_CONFIG_INVALID: entry<{ file: string; issues: string[] }>({
    title: "Invalid configuration",
    message: (a) => `${a.file} is not a valid Gadugi config:\n${a.issues.join("\n")}`,
    hint: "Fix the listed keys, or run `gadugi init --force` to write a fresh config.",
    exitCode: 3,
  }),
  GADUGI_FILE_NOT_FOUND: entry<{ path: string }>({
    title: "File not found",
    message: (a) => `${a.path} does not exist.`,
    hint: "Check the path; relative paths are resolved from --cwd (the current directory by default).",
    exitCode: 2,
  }),
  GADUGI_FILE_UNREADABLE: entry<{ path: string; reason: string }>({
    title: "File cannot be read",
    message: (a) => `${a.path} cannot be read: ${a.reason}.`,
    hint: "Check that the path names a readable text file and not a directory.",
    exitCode: 2,
  }),
  GADUGI_FILE_UNWRITABLE: entry<{ path: string; reason: string }>({
    title: "File cannot be written",
    message: (a) => `${a.path} cannot be written: ${a.reason}.`,
    hint: "Check free disk space and the permissions of the directory; nothing else was changed.",
    exitCode: 1,
  }),
  GADUGI_NOT_A_GIT_REPO: entry<{ path: string }>({
    title: "Not a git repository",
    message: (a) => `${a.path} is not inside a git repository.`,
    hint: "Run gadugi from inside a git repository, or pass --cwd <repo>.",
    exitCode: 4,
  }),
  GADUGI_GIT_TOO_OLD: entry<{ version: string; required: string }>({
    title: "git is too old",
    message: (a) =>
      `git ${a.version} is installed; Gadugi needs git ${a.required} or newer (merges use \`git merge-tree --write-tree\`).`,
    hint: "Install a newer git (Ubuntu 22.04: `sudo add-apt-repository ppa:git-core/ppa && sudo apt install git`; macOS: `brew install git`), or put one first on PATH. Nothing was started.",
    exitCode: 4,
  }),
  GADUGI_GIT_FAILED: entry<{ command: string; exitCode: number | null; stderr: string }>({
    title: "git command failed",
    message: (a) =>
      `\`${a.command}\` exited with ${a.exitCode ?? "a signal"}: ${a.stderr.trim() || "(no output)"}`,
    hint: "Read git's message above; run the same git command yourself to investigate.",
    exitCode: 4,
  }),
  GADUGI_COMMAND_FAILED: entry<{ command: string; exitCode: number | null; stderr: string }>({
    title: "Command failed",
    message: (a) =>
      `\`${a.command}\` exited with ${a.exitCode ?? "a signal"}: ${a.stderr.trim() || "(no output)"}`,
    hint: "Run the command yourself in the same directory to see its full output.",
    exitCode: 1,
  }),
  GADUGI_COMMAND_NOT_FOUND: entry<{ command: string }>({
    title: "Program not found",
    message: (a) => `\`${a.command}\` is not installed or not on PATH.`,
    hint: (a) => `Install ${a.command} or put it on PATH, then retry.`,
    exitCode: 2,
  }),
  GADUGI_COMMAND_SYNTAX: entry<{ command: string; reason: string; where?: string }>({
    title: "Command needs a shell",
    message: (a) =>
      `${a.where ? `${a.where}: ` : ""}cannot run \`${a.command}\` without a shell: ${a.reason}.`,
    hint: 'Gadugi runs commands without a shell. Write the command as an argument array, e.g. ["npm", "run", "build"], or as ["sh", "-c", "..."] if you really want a shell.',
    exitCode: 3,
  }),
  GADUGI_TIMEOUT: entry<{ operation: string; seconds: number }>({
    title: "Timed out",
    message: (a) => `${a.operation} did not finish within ${a.seconds}s.`,
    hint: "Raise the timeout in gadugi.config.json or with --timeout, or make the step faster.",
    exitCode: 1,
  }),
  GADUGI_ABORTED: entry<{ operation: string; reason?: string }>({
    title: "Cancelled",
    message: (a) => `${a.operation} was cancelled${a.reason ? `: ${a.reason}` : ""}.`,
    hint: "Run `gadugi resume <run>` to continue where it stopped.",
    exitCode: 130,
  }),
  GADUGI_BUDGET_EXCEEDED: entry<{ scope: "run" | "task"; limit: string; spent: string }>({
    title: "Budget reached",
    message: (a) =>
      a.scope === "run"
        ? `The run reached its budget of ${a.limit} (spent ${a.spent}): no new task starts and running agents are stopped.`
        : `The task reached its budget of ${a.limit} (spent ${a.spent}): its agent was stopped.`,
    hint: "Work so far is committed on the task branches. Continue with a higher budget: `gadugi resume <run> --max-budget-usd <usd>` (a task's own cap: `max_budget_usd` in its prompt, or `budget.perTaskUsd`).",
    exitCode: 1,
  }),
  GADUGI_RETRY_EXHAUSTED: entry<{ operation: string; attempts: number; lastError: string }>({
    title: "Retries exhausted",
    message: (a) => `${a.operation} failed ${a.attempts} times; last error: ${a.lastError}`,
    hint: "The failure persisted across retries; fix its cause (see the last error) and resume.",
    exitCode: 1,
  }),
  GADUGI_CIRCUIT_OPEN: entry<{ name: string; retryInSec: number }>({
    title: "Circuit breaker open",
    message: (a) =>
      `Circuit "${a.name}" is open after repeated failures; calls are refused for ${a.retryInSec}s.`,
    hint: "Too many consecutive failures. Check the errors logged before this one, then resume.",
    exitCode: 1,
  }),
  GADUGI_STATE_NOT_FOUND: entry<{ path: string }>({
    title: "State not found",
    message: (a) => `No saved state at ${a.path}.`,
    hint: "Run `gadugi runs` to list the runs that have state.",
    exitCode: 5,
  }),
  GADUGI_STATE_CORRUPT: entry<{ path: string; reason: string; movedTo?: string }>({
    title: "State file is corrupt",
    message: (a) =>
      `${a.path} is corrupt (${a.reason})${a.movedTo ? `; it was moved aside to ${a.movedTo}` : ""}.`,
    hint: "Gadugi rebuilds state from the run's event journal; if that fails too, restore a backup with `gadugi state restore <backup>` (`gadugi state backups` lists them).",
    exitCode: 5,
  }),
  GADUGI_LOCK_HELD: entry<{ resource: string; pid: number; host: string; since: string }>({
    title: "Already in use",
    message: (a) => `${a.resource} is locked by process ${a.pid} on ${a.host} since ${a.since}.`,
    hint: "Another gadugi process owns it. Wait for it to finish, or stop it; a lock left by a dead process on this host is taken over automatically.",
    exitCode: 5,
  }),
  GADUGI_RUN_NOT_FOUND: entry<{ runId: string }>({
    title: "Run not found",
    message: (a) => `There is no run "${a.runId}".`,
    hint: "Run `gadugi runs` to list the known runs.",
    exitCode: 5,
  }),
  GADUGI_CHECKPOINT_NOT_FOUND: entry<{ runId: string; checkpointId?: string }>({
    title: "No checkpoint",
    message: (a) =>
      a.checkpointId
        ? `Run ${a.runId} has no checkpoint "${a.checkpointId}".`
        : `Run ${a.runId} has no usable checkpoint.`,
    hint: "List them with `gadugi state checkpoints <run>`; state can also be rebuilt from the journal.",
    exitCode: 5,
  }),
  GADUGI_ILLEGAL_TRANSITION: entry<{ taskId: string; from: string; to: string }>({
    title: "Illegal task status change",
    message: (a) => `Task ${a.taskId} cannot go from ${a.from} to ${a.to}.`,
    hint: "This is a bug in the caller; a finished task must be reset before it runs again.",
    exitCode: 70,
  }),
  GADUGI_NO_TASKS: entry<{ reason: string }>({
    title: "Nothing to run",
    message: (a) => `No tasks to run: ${a.reason}.`,
    hint: "Pass one or more prompt files (markdown), or --all-prompts to use the prompts directory.",
    exitCode: 2,
  }),
  GADUGI_PROMPT_INVALID: entry<{ file: string; line?: number; reason: string }>({
    title: "Invalid prompt file",
    message: (a) => `${a.file}${a.line ? `:${a.line}` : ""}: ${a.reason}`,
    hint: "A prompt is a markdown file (< 1 MiB) with optional YAML frontmatter between --- lines.",
    exitCode: 2,
  }),
  GADUGI_DUPLICATE_TASK_ID: entry<{ id: string; files: string[] }>({
    title: "Duplicate task id",
    message: (a) => `Task id "${a.id}" is used by more than one prompt: ${a.files.join(", ")}.`,
    hint: "Give each prompt a unique `id` in its frontmatter.",
    exitCode: 2,
  }),
  GADUGI_UNKNOWN_DEPENDENCY: entry<{ file: string; dependency: string }>({
    title: "Unknown dependency",
    message: (a) => `${a.file} depends on "${a.dependency}", which is not a task in this run.`,
    hint: "depends_on takes a task id, slug or prompt file name of another prompt passed in the same run.",
    exitCode: 2,
  }),
  GADUGI_DEPENDENCY_CYCLE: entry<{ cycle: string[] }>({
    title: "Dependency cycle",
    message: (a) => `Tasks depend on each other in a cycle: ${a.cycle.join(" → ")}.`,
    hint: "Remove one of the depends_on entries in the cycle.",
    exitCode: 2,
  }),
  GADUGI_WORKTREE_EXISTS: entry<{ path: string }>({
    title: "Worktree exists",
    message: (a) => `A worktree already exists at ${a.path}.`,
    hint: "Run `gadugi worktrees list` and `gadugi worktrees clean`, or resume the run that owns it.",
    exitCode: 4,
  }),
  GADUGI_BRANCH_EXISTS: entry<{ branch: string }>({
    title: "Branch exists",
    message: (a) => `Branch ${a.branch} already exists.`,
    hint: "Delete or rename it (`git branch -m`), set another branchPrefix in gadugi.config.json, or resume the run that made it.",
    exitCode: 4,
  }),
  GADUGI_WORKTREE_FOREIGN: entry<{ path: string }>({
    title: "Not a Gadugi worktree",
    message: (a) => `${a.path} was not created by Gadugi; it is left untouched.`,
    hint: "Remove it yourself with `git worktree remove` if you no longer need it.",
    exitCode: 4,
  }),
  GADUGI_DISK_SPACE: entry<{ path: string; neededMb: number; freeMb: number }>({
    title: "Not enough disk space",
    message: (a) =>
      `Creating worktrees needs about ${a.neededMb} MiB at ${a.path}, but only ${a.freeMb} MiB are free.`,
    hint: "Free some space, lower --max-parallel, or clean old worktrees with `gadugi worktrees clean`.",
    exitCode: 4,
  }),
  GADUGI_SETUP_FAILED: entry<{ taskId: string; step: string; log: string }>({
    title: "Environment setup failed",
    message: (a) => `Setting up task ${a.taskId} failed at "${a.step}". Log: ${a.log}`,
    hint: "Read the log, fix the setup command or dependencies, then resume the run.",
    exitCode: 1,
  }),
  GADUGI_AGENT_NOT_FOUND: entry<{ agent: string }>({
    title: "Agent not available",
    message: (a) => `The agent "${a.agent}" is not installed or not configured.`,
    hint: "Run `gadugi agents` to see installed agents, or use --agent command for the built-in one.",
    exitCode: 6,
  }),
  GADUGI_NO_AGENT: entry<{ task: string }>({
    title: "No agent chosen",
    message: (a) => `No agent is set for ${a.task}.`,
    hint: 'Set "agent" in gadugi.config.json (a built-in agent such as "claude", or one you define under "agents"), pass --agent <name>, or give the prompt an `agent:` or `run:` line. `gadugi agents` lists the agent CLIs installed here; `gadugi init` writes a config that uses one.',
    exitCode: 3,
  }),
  GADUGI_AGENT_FAILED: entry<{ taskId: string; agent: string; reason: string }>({
    title: "Agent failed",
    message: (a) => `Agent ${a.agent} failed on task ${a.taskId}: ${a.reason}`,
    hint: (a) => `See the task's log with \`gadugi logs ${a.taskId}\`.`,
    exitCode: 6,
  }),
  GADUGI_GITHUB_AUTH: entry<{ reason: string }>({
    title: "GitHub authentication",
    message: (a) => `Cannot authenticate to GitHub: ${a.reason}.`,
    hint: "Set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`.",
    exitCode: 7,
  }),
  GADUGI_GITHUB_UNAVAILABLE: entry<{ operation: string; reason: string }>({
    title: "GitHub not available",
    message: (a) => `Cannot run GitHub ${a.operation}: ${a.reason}.`,
    hint: "Add a GitHub `origin` remote, or set github.owner and github.repo in gadugi.config.json.",
    exitCode: 7,
  }),
  GADUGI_GITHUB_API: entry<{ operation: string; status: number; message: string }>({
    title: "GitHub API error",
    message: (a) => `GitHub ${a.operation} failed with HTTP ${a.status}: ${a.message}`,
    hint: "Check the token's permissions and the repository name; GitHub's message is above.",
    exitCode: 7,
  }),
  GADUGI_GOVERNANCE: entry<{ taskId: string; reason: string }>({
    title: "Workflow governance violation",
    message: (a) => `Task ${a.taskId} violates the workflow rules: ${a.reason}`,
    hint: "Every task must run through the WorkflowManager with all required phases (workflow.requiredPhases).",
    exitCode: 1,
  }),
  GADUGI_MERGE_CONFLICT: entry<{ branch: string; files: string[] }>({
    title: "Merge conflict",
    message: (a) => `Merging ${a.branch} conflicts in: ${a.files.join(", ")}.`,
    hint: "Resolve it on the integration branch, or let Gadugi re-run the task on top of it (integration.resolveConflicts).",
    exitCode: 8,
  }),
  GADUGI_QUEUE_URL_INVALID: entry<{ url: string; reason: string }>({
    title: "Invalid queue URL",
    message: (a) => `${a.url} is not a queue URL: ${a.reason}.`,
    hint: "Write it as redis://[:password@]host:port[/db] (rediss:// for TLS), in --queue, queue.url or GADUGI_QUEUE_URL.",
    exitCode: 2,
  }),
  GADUGI_QUEUE_UNREACHABLE: entry<{ url: string; reason: string }>({
    title: "Queue not reachable",
    message: (a) => `Cannot reach the queue's Redis at ${a.url}: ${a.reason}.`,
    hint: "Start Redis (`redis-server`, Debian/Ubuntu: `apt-get install redis-server`), check host, port, password and TLS (rediss://), and that this machine may connect to it. Nothing was started.",
    exitCode: 1,
  }),
  GADUGI_QUEUE_LOST: entry<{ url: string; seconds: number }>({
    title: "Queue connection lost",
    message: (a) => `The queue's Redis at ${a.url} was unreachable for ${a.seconds} s.`,
    hint: "Bring Redis back, then `gadugi resume <run>`: jobs that finished meanwhile are collected, jobs in flight re-attached.",
    exitCode: 1,
  }),
  GADUGI_QUEUE_NO_REMOTE: entry<{ remote: string; reason: string }>({
    title: "No git remote for the workers",
    message: (a) =>
      `A queued run needs the git remote ${a.remote}, which workers fetch from and push to: ${a.reason}.`,
    hint: "Add one (`git remote add origin <url>`) that every worker host can reach, or name another with --remote.",
    exitCode: 4,
  }),
  GADUGI_QUEUE_JOB_FAILED: entry<{ jobId: string; reason: string }>({
    title: "Queued task work failed",
    message: (a) => `Job ${a.jobId} failed on its worker: ${a.reason}`,
    hint: "See the worker's output (`gadugi workers` names the host); the task can be retried with `gadugi resume <run>`.",
    exitCode: 1,
  }),
} as const;

export type GadugiErrorCode = keyof typeof ERROR_CATALOGUE;
export type ErrorArgs<C extends GadugiErrorCode> = Parameters<(typeof ERROR_CATALOGUE)[C]["message"]>[0];
