import { existsSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { GadugiError } from "@gadugi/error-handling";
import { type Env, formatCommand, type ProcessRunner, toArgv } from "@gadugi/git";
import { copyUntrackedFiles } from "./copy-files.js";
import { type DetectedProject, findExecutable } from "./detect-project.js";
import type { SetupOptions, SetupResult } from "./setup.js";
import { shareNodeModules } from "./share-node-modules.js";

/** One run of `setupEnvironment`: where it works, how it runs commands, and what it has done so far. */
export interface SetupRun {
  taskId: string;
  worktree: string;
  repoRoot: string;
  logFile: string;
  timeoutMs: number;
  /** Laid over process.env for the setup commands. */
  env: Env;
  /** process.env with `env` over it: where uv and the package managers are looked up. */
  pathEnv: Env;
  runner: ProcessRunner;
  options: SetupOptions;
  result: SetupResult;
  /** Paths setup made that are never part of the agent's work (the venv, shared node_modules). */
  never: string[];
  /** Appends to the task's log file. */
  log: (text: string) => Promise<void>;
}

const UV_HINT =
  "Install uv (https://docs.astral.sh/uv/getting-started/installation/: `curl -LsSf https://astral.sh/uv/install.sh | sh`), " +
  "or set setup.skipMissingUv to skip the Python environment.";

/** Runs one command of setup in the worktree (no shell), logging it; throws GADUGI_SETUP_FAILED. */
export async function runSetupStep(run: SetupRun, step: string, argv: string[]): Promise<void> {
  const { log, logFile, timeoutMs } = run;
  const [file, ...args] = argv;
  if (!file) return;
  const t0 = performance.now();
  await log(`[gadugi] $ ${step}\n`);
  let outcome: Awaited<ReturnType<ProcessRunner["run"]>>;
  try {
    outcome = await run.runner.run(file, args, {
      cwd: run.worktree,
      env: run.env,
      timeoutMs,
      logFile,
      reject: false,
      operation: step,
      ...(run.options.signal ? { signal: run.options.signal } : {}),
    });
  } catch (error) {
    await log(`[gadugi] ${step}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (GadugiError.is(error, "GADUGI_COMMAND_NOT_FOUND")) throw error;
    throw new GadugiError(
      "GADUGI_SETUP_FAILED",
      { taskId: run.taskId, step, log: logFile },
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
        taskId: run.taskId,
        step: outcome.timedOut ? `${step} (timed out after ${timeoutMs / 1000}s)` : step,
        log: logFile,
      },
      cause ? { cause } : {},
    );
  }
  await log(`[gadugi] ${step}: ok in ${durationMs} ms\n`);
  run.result.steps.push({ step, durationMs });
}

/** Step 1: untracked files (.env and friends) from the main checkout, before installs that may read them. */
export async function copyUntrackedStep(run: SetupRun): Promise<void> {
  const { repoRoot, worktree, result } = run;
  const copyStarted = performance.now();
  result.copiedFiles = await copyUntrackedFiles({
    repoRoot,
    worktree,
    patterns: run.options.copyFiles ?? [],
    runner: run.runner,
    excludeDirs: [path.relative(repoRoot, worktree).split(path.sep)[0] ?? "", ".gadugi"].filter(
      (d) => d !== "" && !d.startsWith(".."),
    ),
  });
  if (result.copiedFiles.length > 0) {
    await run.log(
      `[gadugi] copied ${result.copiedFiles.length} untracked file(s): ${result.copiedFiles.join(", ")}\n`,
    );
    result.steps.push({
      step: "copy untracked files",
      durationMs: Math.round(performance.now() - copyStarted),
    });
  }
}

/** Step 2: `uv sync --all-extras` for a uv project, then checks that the venv exists. */
export async function uvEnvironmentStep(run: SetupRun, install: boolean): Promise<void> {
  const { log, result, worktree } = run;
  if (!install) {
    result.skipped.push({ step: "uv sync", reason: "dependency installation disabled" });
    return;
  }
  if (!(await findExecutable("uv", run.pathEnv))) {
    if (run.options.skipMissingUv) {
      result.skipped.push({ step: "uv sync", reason: "uv is not installed (setup.skipMissingUv)" });
      await log("[gadugi] uv project, but uv is not on PATH: skipped (setup.skipMissingUv)\n");
      return;
    }
    await log("[gadugi] uv project, but uv is not on PATH\n");
    throw new GadugiError("GADUGI_COMMAND_NOT_FOUND", { command: "uv" }, { hint: UV_HINT });
  }
  await runSetupStep(run, "uv sync --all-extras", ["uv", "sync", "--all-extras"]);
  const venv = path.resolve(worktree, run.pathEnv.UV_PROJECT_ENVIRONMENT ?? ".venv");
  if (!existsSync(path.join(venv, "pyvenv.cfg"))) {
    await log(`[gadugi] uv sync finished but ${venv} has no pyvenv.cfg\n`);
    throw new GadugiError("GADUGI_SETUP_FAILED", {
      taskId: run.taskId,
      step: "verify .venv after uv sync",
      log: run.logFile,
    });
  }
  result.python = { manager: "uv", venv };
  const rel = path.relative(worktree, venv).split(path.sep).join("/");
  if (rel !== "" && !rel.startsWith("..")) run.never.push(rel);
  result.commandPrefix = ["uv", "run"];
}

type NodeProject = NonNullable<DetectedProject["node"]>;

/** Step 3: a Node project's dependencies, shared from the main checkout if configured, else installed. */
export async function nodeDependenciesStep(
  run: SetupRun,
  node: NodeProject,
  install: boolean,
): Promise<void> {
  const reuse = run.options.reuseNodeModules === true ? "symlink" : run.options.reuseNodeModules || undefined;
  if (reuse) await shareNodeModulesStep(run, node, reuse);
  if (run.result.node) return;
  if (!install) {
    run.result.skipped.push({ step: `${node.manager} install`, reason: "dependency installation disabled" });
    return;
  }
  await installNodeModulesStep(run, node);
}

/** Links the main checkout's node_modules into the worktree; sets `result.node` when anything was shared. */
async function shareNodeModulesStep(
  run: SetupRun,
  { manager, lockfile }: NodeProject,
  reuse: "symlink" | "hardlink",
): Promise<void> {
  const t0 = performance.now();
  const linked = await shareNodeModules(run.repoRoot, run.worktree, reuse, run.runner);
  if (linked.length > 0) {
    await run.log(`[gadugi] ${reuse} node_modules from the main checkout: ${linked.join(", ")}\n`);
    run.result.node = { manager, lockfile, mode: reuse };
    run.never.push(...linked);
    run.result.steps.push({ step: `${reuse} node_modules`, durationMs: Math.round(performance.now() - t0) });
  } else {
    await run.log(
      `[gadugi] reuseNodeModules: nothing to share (no node_modules in ${run.repoRoot}, or the worktree already has its own); installing instead\n`,
    );
  }
}

/** The frozen-lockfile install of the project's package manager (GADUGI_COMMAND_NOT_FOUND when absent). */
async function installNodeModulesStep(run: SetupRun, node: NodeProject): Promise<void> {
  const { manager, lockfile } = node;
  if (!(await findExecutable(manager, run.pathEnv))) {
    await run.log(`[gadugi] ${lockfile} found, but ${manager} is not on PATH\n`);
    throw new GadugiError(
      "GADUGI_COMMAND_NOT_FOUND",
      { command: manager },
      {
        hint: `${lockfile} says this project uses ${manager}: install it (for pnpm and yarn, \`corepack enable\`), or set setup.reuseNodeModules.`,
      },
    );
  }
  await runSetupStep(run, node.install.join(" "), node.install);
  run.result.node = { manager, lockfile, mode: "installed" };
}

/** Step 4: the configured setup commands, in order. */
export async function setupCommandsStep(run: SetupRun): Promise<void> {
  for (const command of run.options.commands ?? []) {
    const shown = typeof command === "string" ? command : formatCommand(command);
    let argv: string[];
    try {
      argv = toArgv(command);
    } catch (error) {
      await run.log(`[gadugi] cannot run setup command ${shown}: ${(error as Error).message}\n`);
      throw new GadugiError(
        "GADUGI_SETUP_FAILED",
        { taskId: run.taskId, step: shown, log: run.logFile },
        { cause: error },
      );
    }
    await runSetupStep(run, shown, argv);
  }
}
