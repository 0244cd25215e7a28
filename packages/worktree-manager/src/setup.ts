import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import {
  type CommandSetting,
  createProcessRunner,
  type Env,
  GitClient,
  type ProcessRunner,
} from "@gadugi/git";
import { mayCopyUntracked } from "./copy-files.js";
import { detectProject, type NodePackageManager } from "./detect-project.js";
import {
  copyUntrackedStep,
  nodeDependenciesStep,
  type SetupRun,
  setupCommandsStep,
  uvEnvironmentStep,
} from "./setup-steps.js";
import {
  artifactsBetween,
  type DirtySnapshot,
  type SetupArtifacts,
  saveSetupArtifacts,
  snapshotDirty,
} from "./work.js";

export {
  type DetectedProject,
  detectProject,
  findExecutable,
  type NodePackageManager,
} from "./detect-project.js";

/** How the main checkout's node_modules is shared: a symlink (instant) or a tree of hard links. */
export type ReuseNodeModules = boolean | "symlink" | "hardlink";

/** Mirrors GadugiConfig.setup, so `{ ...config.setup }` can be passed as is. */
export interface SetupOptions {
  /** The main checkout: the source of copied files and reused node_modules. */
  repoRoot: string;
  /** Untracked files to copy (gitignore-style globs), besides `.worktreeinclude`. */
  copyFiles?: readonly string[];
  /** Setup commands, command lines or argument arrays (`toArgv`, never a shell), run in order. */
  commands?: readonly CommandSetting[];
  /** Per command, and per dependency install. Default 600. */
  commandTimeoutSec?: number;
  /** No uv on PATH for a uv project: skip the step (true) or fail with GADUGI_COMMAND_NOT_FOUND (default). */
  skipMissingUv?: boolean;
  /** Share the main checkout's node_modules instead of installing (true means "symlink"). */
  reuseNodeModules?: ReuseNodeModules;
  /** Install dependencies (uv sync, frozen Node installs). Default true. */
  installDependencies?: boolean;
  /** Where output goes; default `<repoRoot>/.gadugi/runs/<runId>/logs/<taskId>.log`. */
  logFile?: string;
  /** Laid over process.env for every command. */
  env?: Env;
  runner?: ProcessRunner;
  signal?: AbortSignal;
}

export interface SetupTarget {
  /** Absolute path of the worktree. */
  path: string;
  taskId: string;
  runId?: string;
}

export interface SetupStepRecord {
  step: string;
  durationMs: number;
}

export interface SetupResult {
  taskId: string;
  worktree: string;
  logFile: string;
  /** Prefix for every command run in this worktree: `["uv", "run"]` for uv projects, else `[]`. */
  commandPrefix: string[];
  python?: { manager: "uv"; venv: string };
  node?: { manager: NodePackageManager; lockfile: string; mode: "installed" | "symlink" | "hardlink" };
  /** Repository-relative paths copied from the main checkout. */
  copiedFiles: string[];
  /**
   * Everything setup put into the worktree (copied files, venv, shared node_modules, what installs
   * and setup commands made or changed); also stored in the worktree's git dir for `commitWork`.
   */
  artifacts: SetupArtifacts;
  steps: SetupStepRecord[];
  skipped: { step: string; reason: string }[];
  durationMs: number;
}

/** The default task log: `.gadugi/runs/<runId>/logs/<taskId>.log` (`.gadugi/logs/` without a run). */
export function defaultLogFile(repoRoot: string, taskId: string, runId?: string): string {
  return runId
    ? path.join(repoRoot, ".gadugi", "runs", runId, "logs", `${taskId}.log`)
    : path.join(repoRoot, ".gadugi", "logs", `${taskId}.log`);
}

/**
 * Prepares a worktree for an agent, in order: copy untracked files (configured globs and
 * `.worktreeinclude`), `uv sync --all-extras` for uv projects (then verify `.venv`), a frozen-lockfile
 * install or shared node_modules for Node projects, then the configured setup commands. Output of
 * every step is appended to the task's log file. Nothing runs through a shell.
 *
 * @throws GADUGI_SETUP_FAILED (failure or timeout; the log holds the output),
 *   GADUGI_COMMAND_NOT_FOUND (uv or the package manager missing, with an install hint).
 */
export async function setupEnvironment(target: SetupTarget, options: SetupOptions): Promise<SetupResult> {
  const started = performance.now();
  const run = await startSetupRun(target, options);
  // What is dirty before setup is not setup's (a worktree taken up again holds the agent's work).
  // Git with the process environment: `env` is for the setup commands (a test may hide tools there).
  const git = new GitClient(run.worktree, { runner: run.runner });
  // Two status scans of the whole tree tell what setup wrote; when no step can write anything
  // (nothing to copy, no uv or Node project, no setup commands) there is nothing to tell apart,
  // and the artifacts are `never` alone, as the two equal snapshots would have made them.
  const mayWrite =
    mayCopyUntracked(run.repoRoot, run.options.copyFiles ?? []) ||
    (await detectProject(run.worktree).then((p) => p.uv || p.node !== undefined)) ||
    (run.options.commands ?? []).length > 0;
  const before: DirtySnapshot = mayWrite ? await snapshotDirty(git) : new Map();

  await copyUntrackedStep(run);
  const project = await detectProject(run.worktree);
  const install = options.installDependencies ?? true;
  if (project.uv) await uvEnvironmentStep(run, install);
  if (project.node) await nodeDependenciesStep(run, project.node, install);
  await setupCommandsStep(run);

  // Step 5: what setup put into the worktree, kept for `commitWork`.
  const { result } = run;
  result.artifacts = artifactsBetween(before, mayWrite ? await snapshotDirty(git) : before, [
    ...result.copiedFiles,
    ...run.never,
  ]);
  await saveSetupArtifacts(run.worktree, result.artifacts);
  result.durationMs = Math.round(performance.now() - started);
  await run.log(`[gadugi] environment ready in ${result.durationMs} ms\n`);
  return result;
}

/** Resolves paths and settings, opens the log with its header line and starts an empty result. */
async function startSetupRun(target: SetupTarget, options: SetupOptions): Promise<SetupRun> {
  const worktree = path.resolve(target.path);
  const repoRoot = path.resolve(options.repoRoot);
  const logFile = options.logFile ?? defaultLogFile(repoRoot, target.taskId, target.runId);
  const runner = options.runner ?? createProcessRunner();
  const timeoutMs = (options.commandTimeoutSec ?? 600) * 1000;
  const env: Env = { ...options.env };
  const pathEnv: Env = { ...process.env, ...options.env };
  await mkdir(path.dirname(logFile), { recursive: true });
  const log = (text: string) => appendFile(logFile, text);
  await log(
    `[gadugi] ${new Date().toISOString()} environment setup of task ${target.taskId} in ${worktree}\n`,
  );
  return {
    taskId: target.taskId,
    worktree,
    repoRoot,
    logFile,
    timeoutMs,
    env,
    pathEnv,
    runner,
    options,
    result: {
      taskId: target.taskId,
      worktree,
      logFile,
      commandPrefix: [],
      copiedFiles: [],
      artifacts: { version: 1, never: [], dirs: [], files: {} },
      steps: [],
      skipped: [],
      durationMs: 0,
    },
    never: [],
    log,
  };
}
