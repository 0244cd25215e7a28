import { basename } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { ProcessLabel, ProcessRunner, RunOptions, RunResult } from "@gadugi/git";
import type { ProcessExit, ProcessHandle, ProcessRegistry } from "./registry.js";

export interface RegisteringRunnerOptions {
  /** The runner that really starts the processes. */
  runner: ProcessRunner;
  /** Defaults for calls whose `label` leaves them out. */
  label?: ProcessLabel;
  /**
   * Called when registering or recording an exit fails for a reason other than a failed write
   * (those go to the registry's `onWriteError`). The command itself is never failed by it.
   */
  onError: (error: unknown) => void;
}

/** Task of a process that names none (the run's own work). */
const RUN_TASK = "run";

/**
 * Plain git calls (GitClient: status, diff, commit, merge-tree…) are not registered: each lasts
 * well under a second, is killed with its group by the runner on timeout or abort, and recording
 * each one would cost a registry write (fsync) per call. Everything else is.
 */
function isGit(file: string): boolean {
  return /^git(\.exe)?$/i.test(basename(file));
}

function exitOf(result: RunResult): ProcessExit {
  const killed = result.timedOut || result.aborted || (result.exitCode === null && !!result.signal);
  return { exitCode: result.exitCode, signal: result.signal ?? null, status: killed ? "killed" : "exited" };
}

function exitOfError(error: unknown): ProcessExit {
  const killed = GadugiError.is(error, "GADUGI_TIMEOUT") || GadugiError.is(error, "GADUGI_ABORTED");
  const exitCode = GadugiError.is(error, "GADUGI_COMMAND_FAILED") ? error.args.exitCode : null;
  return { exitCode: typeof exitCode === "number" ? exitCode : null, status: killed ? "killed" : "exited" };
}

/**
 * A ProcessRunner that puts every process it starts (git calls excepted) in `registry`: pid and
 * start time, command (redacted), cwd, task and purpose (from the call's `label`, else
 * `options.label`; task `run` and purpose `command` when neither names them), its log, and its
 * exit. The orchestrator hands it to the workflow manager, environment setup and the integration
 * tests instead of the bare runner, so `gadugi cancel` and `resume` find every process of a run
 * even after the orchestrator was killed with SIGKILL (its in-process exit hook never ran).
 */
export function registeringRunner(
  registry: ProcessRegistry,
  options: RegisteringRunnerOptions,
): ProcessRunner {
  const { runner, onError } = options;
  return {
    // Git calls pass straight through, so a git client may run them its own way when `runner` would.
    ...(runner.plainGit ? { plainGit: true } : {}),
    async run(file: string, args: readonly string[], call: RunOptions): Promise<RunResult> {
      if (isGit(file)) return runner.run(file, args, call);
      const label = { ...options.label, ...call.label };
      let registering: Promise<ProcessHandle | undefined> | undefined;
      let handle: ProcessHandle | undefined;
      let early: string | undefined;
      const onSpawn = (pid: number): void => {
        registering = registry
          .register({
            taskId: label.taskId ?? RUN_TASK,
            pid,
            command: [file, ...args],
            cwd: call.cwd,
            purpose: label.purpose ?? "command",
            logFile: label.logFile ?? call.logFile ?? "",
          })
          .then(
            (registered) => {
              handle = registered;
              if (early !== undefined) registered.output(early);
              return registered;
            },
            (error: unknown) => {
              onError(error);
              return undefined;
            },
          );
        call.onSpawn?.(pid);
      };
      const onOutput = (stream: "stdout" | "stderr", chunk: string): void => {
        if (handle) handle.output(chunk);
        else if (chunk.trim() !== "") early = chunk; // before the registration is written
        call.onOutput?.(stream, chunk);
      };
      const finish = async (exit: ProcessExit): Promise<void> => {
        await (await registering)?.exit(exit).catch(onError);
      };
      let result: RunResult;
      try {
        result = await runner.run(file, args, { ...call, onSpawn, onOutput });
      } catch (error) {
        await finish(exitOfError(error));
        throw error;
      }
      await finish(exitOf(result));
      return result;
    },
  };
}
