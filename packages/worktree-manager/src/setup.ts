import { constants, existsSync } from "node:fs";
import { access, appendFile, lstat, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { GadugiError } from "@gadugi/error-handling";
import {
  type CommandSetting,
  createProcessRunner,
  type Env,
  formatCommand,
  GitClient,
  type ProcessRunner,
  toArgv,
} from "@gadugi/git";
import { copyUntrackedFiles } from "./copy-files.js";
import { shareNodeModules } from "./share-node-modules.js";
import { artifactsBetween, type SetupArtifacts, saveSetupArtifacts, snapshotDirty } from "./work.js";

export type NodePackageManager = "pnpm" | "npm" | "yarn" | "bun";

/** What a worktree needs, read from the files at its root. */
export interface DetectedProject {
  /** `pyproject.toml` and `uv.lock` both present. */
  uv: boolean;
  /** The Node package manager whose lockfile is present (pnpm, bun, yarn, npm, in that order). */
  node?: { manager: NodePackageManager; lockfile: string; install: string[] };
}

const LOCKFILES: { file: string; manager: NodePackageManager }[] = [
  { file: "pnpm-lock.yaml", manager: "pnpm" },
  { file: "bun.lock", manager: "bun" },
  { file: "bun.lockb", manager: "bun" },
  { file: "yarn.lock", manager: "yarn" },
  { file: "package-lock.json", manager: "npm" },
  { file: "npm-shrinkwrap.json", manager: "npm" },
];

/** Detects uv and Node projects at the root of `dir`; the install command uses the frozen lockfile. */
export async function detectProject(dir: string): Promise<DetectedProject> {
  const has = (file: string) => existsSync(path.join(dir, file));
  const result: DetectedProject = { uv: has("pyproject.toml") && has("uv.lock") };
  if (!has("package.json")) return result;
  const found = LOCKFILES.find((l) => has(l.file));
  if (!found) return result;
  let install: string[];
  switch (found.manager) {
    case "pnpm":
      install = ["pnpm", "install", "--frozen-lockfile"];
      break;
    case "npm":
      install = ["npm", "ci"];
      break;
    case "bun":
      install = ["bun", "install", "--frozen-lockfile"];
      break;
    case "yarn":
      // Yarn 2+ (berry) spells it --immutable; classic yarn --frozen-lockfile.
      install = (await isYarnBerry(dir))
        ? ["yarn", "install", "--immutable"]
        : ["yarn", "install", "--frozen-lockfile"];
      break;
  }
  result.node = { manager: found.manager, lockfile: found.file, install };
  return result;
}

async function isYarnBerry(dir: string): Promise<boolean> {
  if (existsSync(path.join(dir, ".yarnrc.yml"))) return true;
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
      packageManager?: unknown;
    };
    const match = typeof pkg.packageManager === "string" ? /^yarn@(\d+)/.exec(pkg.packageManager) : null;
    return match !== null && Number(match[1]) >= 2;
  } catch {
    return false;
  }
}

/** The executable `name` would run as, searched on PATH like a shell does; undefined when absent. */
export async function findExecutable(name: string, env: Env = process.env): Promise<string | undefined> {
  if (name.includes("/")) return (await isExecutable(name)) ? name : undefined;
  const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await lstat(file)).isDirectory() === false;
  } catch {
    return false;
  }
}

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

const UV_HINT =
  "Install uv (https://docs.astral.sh/uv/getting-started/installation/: `curl -LsSf https://astral.sh/uv/install.sh | sh`), " +
  "or set setup.skipMissingUv to skip the Python environment.";

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
  const runner = options.runner ?? createProcessRunner();
  const worktree = path.resolve(target.path);
  const repoRoot = path.resolve(options.repoRoot);
  const logFile = options.logFile ?? defaultLogFile(repoRoot, target.taskId, target.runId);
  const timeoutMs = (options.commandTimeoutSec ?? 600) * 1000;
  const env: Env = { ...options.env };
  const pathEnv: Env = { ...process.env, ...options.env };
  await mkdir(path.dirname(logFile), { recursive: true });
  const log = (text: string) => appendFile(logFile, text);
  const result: SetupResult = {
    taskId: target.taskId,
    worktree,
    logFile,
    commandPrefix: [],
    copiedFiles: [],
    artifacts: { version: 1, never: [], dirs: [], files: {} },
    steps: [],
    skipped: [],
    durationMs: 0,
  };
  await log(
    `[gadugi] ${new Date().toISOString()} environment setup of task ${target.taskId} in ${worktree}\n`,
  );

  const runStep = async (step: string, argv: string[]): Promise<void> => {
    const [file, ...args] = argv;
    if (!file) return;
    const t0 = performance.now();
    await log(`[gadugi] $ ${step}\n`);
    let outcome: Awaited<ReturnType<ProcessRunner["run"]>>;
    try {
      outcome = await runner.run(file, args, {
        cwd: worktree,
        env,
        timeoutMs,
        logFile,
        reject: false,
        operation: step,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      await log(`[gadugi] ${step}: ${error instanceof Error ? error.message : String(error)}\n`);
      if (GadugiError.is(error, "GADUGI_COMMAND_NOT_FOUND")) throw error;
      throw new GadugiError(
        "GADUGI_SETUP_FAILED",
        { taskId: target.taskId, step, log: logFile },
        { cause: error },
      );
    }
    const durationMs = Math.round(performance.now() - t0);
    if (outcome.timedOut || outcome.aborted || outcome.exitCode !== 0) {
      const why = outcome.timedOut
        ? `timed out after ${timeoutMs / 1000}s; its process tree was killed`
        : outcome.aborted
          ? "cancelled"
          : `exited with ${outcome.exitCode ?? outcome.signal ?? "a signal"}`;
      await log(`[gadugi] ${step}: ${why}\n`);
      const cause = outcome.timedOut
        ? new GadugiError("GADUGI_TIMEOUT", { operation: step, seconds: timeoutMs / 1000 })
        : undefined;
      throw new GadugiError(
        "GADUGI_SETUP_FAILED",
        {
          taskId: target.taskId,
          step: outcome.timedOut ? `${step} (timed out after ${timeoutMs / 1000}s)` : step,
          log: logFile,
        },
        cause ? { cause } : {},
      );
    }
    await log(`[gadugi] ${step}: ok in ${durationMs} ms\n`);
    result.steps.push({ step, durationMs });
  };

  // What is dirty before setup is not setup's (a worktree taken up again holds the agent's work).
  // Git with the process environment: `env` is for the setup commands (a test may hide tools there).
  const git = new GitClient(worktree, { runner });
  const before = await snapshotDirty(git);
  const never: string[] = [];

  // 1. Untracked files (.env and friends), before installs that may read them.
  const copyStarted = performance.now();
  result.copiedFiles = await copyUntrackedFiles({
    repoRoot,
    worktree,
    patterns: options.copyFiles ?? [],
    runner,
    excludeDirs: [path.relative(repoRoot, worktree).split(path.sep)[0] ?? "", ".gadugi"].filter(
      (d) => d !== "" && !d.startsWith(".."),
    ),
  });
  if (result.copiedFiles.length > 0) {
    await log(
      `[gadugi] copied ${result.copiedFiles.length} untracked file(s): ${result.copiedFiles.join(", ")}\n`,
    );
    result.steps.push({
      step: "copy untracked files",
      durationMs: Math.round(performance.now() - copyStarted),
    });
  }

  const project = await detectProject(worktree);
  const install = options.installDependencies ?? true;

  // 2. uv projects.
  if (project.uv) {
    if (!install) {
      result.skipped.push({ step: "uv sync", reason: "dependency installation disabled" });
    } else if (!(await findExecutable("uv", pathEnv))) {
      if (options.skipMissingUv) {
        result.skipped.push({ step: "uv sync", reason: "uv is not installed (setup.skipMissingUv)" });
        await log("[gadugi] uv project, but uv is not on PATH: skipped (setup.skipMissingUv)\n");
      } else {
        await log("[gadugi] uv project, but uv is not on PATH\n");
        throw new GadugiError("GADUGI_COMMAND_NOT_FOUND", { command: "uv" }, { hint: UV_HINT });
      }
    } else {
      await runStep("uv sync --all-extras", ["uv", "sync", "--all-extras"]);
      const venv = path.resolve(worktree, pathEnv.UV_PROJECT_ENVIRONMENT ?? ".venv");
      if (!existsSync(path.join(venv, "pyvenv.cfg"))) {
        await log(`[gadugi] uv sync finished but ${venv} has no pyvenv.cfg\n`);
        throw new GadugiError("GADUGI_SETUP_FAILED", {
          taskId: target.taskId,
          step: "verify .venv after uv sync",
          log: logFile,
        });
      }
      result.python = { manager: "uv", venv };
      const rel = path.relative(worktree, venv).split(path.sep).join("/");
      if (rel !== "" && !rel.startsWith("..")) never.push(rel);
      result.commandPrefix = ["uv", "run"];
    }
  }

  // 3. Node projects.
  if (project.node) {
    const { manager, lockfile } = project.node;
    const reuse = options.reuseNodeModules === true ? "symlink" : options.reuseNodeModules || undefined;
    if (reuse) {
      const t0 = performance.now();
      const linked = await shareNodeModules(repoRoot, worktree, reuse, runner);
      if (linked.length > 0) {
        await log(`[gadugi] ${reuse} node_modules from the main checkout: ${linked.join(", ")}\n`);
        result.node = { manager, lockfile, mode: reuse };
        never.push(...linked);
        result.steps.push({ step: `${reuse} node_modules`, durationMs: Math.round(performance.now() - t0) });
      } else {
        await log(
          `[gadugi] reuseNodeModules: nothing to share (no node_modules in ${repoRoot}, or the worktree already has its own); installing instead\n`,
        );
      }
    }
    if (!result.node) {
      if (!install) {
        result.skipped.push({ step: `${manager} install`, reason: "dependency installation disabled" });
      } else {
        if (!(await findExecutable(manager, pathEnv))) {
          await log(`[gadugi] ${lockfile} found, but ${manager} is not on PATH\n`);
          throw new GadugiError(
            "GADUGI_COMMAND_NOT_FOUND",
            { command: manager },
            {
              hint: `${lockfile} says this project uses ${manager}: install it (for pnpm and yarn, \`corepack enable\`), or set setup.reuseNodeModules.`,
            },
          );
        }
        await runStep(project.node.install.join(" "), project.node.install);
        result.node = { manager, lockfile, mode: "installed" };
      }
    }
  }

  // 4. Configured setup commands.
  for (const command of options.commands ?? []) {
    const shown = typeof command === "string" ? command : formatCommand(command);
    let argv: string[];
    try {
      argv = toArgv(command);
    } catch (error) {
      await log(`[gadugi] cannot run setup command ${shown}: ${(error as Error).message}\n`);
      throw new GadugiError(
        "GADUGI_SETUP_FAILED",
        { taskId: target.taskId, step: shown, log: logFile },
        { cause: error },
      );
    }
    await runStep(shown, argv);
  }

  result.artifacts = artifactsBetween(before, await snapshotDirty(git), [...result.copiedFiles, ...never]);
  await saveSetupArtifacts(worktree, result.artifacts);
  result.durationMs = Math.round(performance.now() - started);
  await log(`[gadugi] environment ready in ${result.durationMs} ms\n`);
  return result;
}
