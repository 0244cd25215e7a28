import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describeErrorWithHint, toGadugiError } from "@gadugi/error-handling";
import { type Env, labelledRunner, type ProcessRunner } from "@gadugi/git";
import { mergeRuleTable } from "@gadugi/merge-rules";
import type { WorktreeManager } from "@gadugi/worktree-manager";
import type { LockfileJob, LockfileRegenerator, RegeneratedLockfile, RuleMerger } from "./merge-by-rules.js";
import { runFiles, type Session } from "./session.js";

export interface LockfileRegenOptions {
  runId: string;
  worktrees: WorktreeManager;
  /** The run's registering runner: the package manager is a process of the run. */
  runner: ProcessRunner;
  env: Env;
  logFile: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Lockfile regeneration for the merge rules: a throwaway detached checkout of the merge (never
 * the user's checkout), the package manager's own lockfile-only command in each lockfile's
 * directory, the lockfile read back. A package manager that is not installed, or that fails, is a
 * skip with the reason: the merge then takes the normal conflict path.
 */
export function lockfileRegenerator(options: LockfileRegenOptions): LockfileRegenerator {
  const checkout = `merge-rules-${options.runId}`;
  const runner = labelledRunner(options.runner, {
    taskId: `integration-${options.runId}`,
    purpose: "lockfile-regeneration",
    logFile: options.logFile,
  });
  return async (commit, jobs) => {
    await mkdir(dirname(options.logFile), { recursive: true });
    const dir = await options.worktrees.checkoutDetached(checkout, commit);
    try {
      const outcomes: RegeneratedLockfile[] = [];
      for (const job of jobs) outcomes.push(await regenerate(dir, job, runner, options));
      return outcomes;
    } finally {
      // A checkout left behind is reused (checked out again) by the next regeneration.
      await options.worktrees.removeDetached(checkout).catch(() => undefined);
    }
  };
}

async function regenerate(
  dir: string,
  job: LockfileJob,
  runner: ProcessRunner,
  options: LockfileRegenOptions,
): Promise<RegeneratedLockfile> {
  const { program, args } = job.command;
  const shown = `${program} ${args.join(" ")}`;
  await appendFile(options.logFile, `[gadugi] regenerating ${job.path} with ${shown}\n`);
  try {
    const result = await runner.run(program, args, {
      cwd: join(dir, dirname(job.path)),
      env: options.env,
      reject: false,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      logFile: options.logFile,
    });
    if (result.exitCode !== 0) {
      const why = (result.stderr || result.stdout).trim().split("\n").slice(-3).join(" ");
      return {
        path: job.path,
        skipped: `\`${shown}\` failed (exit ${result.exitCode ?? result.signal}): ${why}`,
      };
    }
    return { path: job.path, content: await readFile(join(dir, job.path), "utf8") };
  } catch (error) {
    const e = toGadugiError(error);
    const reason =
      e.code === "GADUGI_COMMAND_NOT_FOUND"
        ? `${program} is not installed (not found on PATH), so ${job.path} cannot be regenerated`
        : `\`${shown}\` could not run: ${describeErrorWithHint(e)}`;
    return { path: job.path, skipped: reason };
  }
}

/**
 * The run's merge rules (`integration.mergeRules` over the built-in defaults), regenerating
 * lockfiles through the run's worktrees and runner; undefined when they are turned off.
 */
export function ruleMergerFor(
  session: Session,
  options: Pick<LockfileRegenOptions, "worktrees" | "runner" | "env">,
): RuleMerger | undefined {
  const table = mergeRuleTable(session.config.integration.mergeRules);
  if (table === undefined) return undefined;
  const regenerate = lockfileRegenerator({
    ...options,
    runId: session.runId,
    logFile: join(runFiles(session.repoRoot, session.runId).dir, "logs", "merge-rules.log"),
    timeoutMs: session.config.setup.commandTimeoutSec * 1000,
    signal: session.signal,
  });
  return { table, regenerate };
}
