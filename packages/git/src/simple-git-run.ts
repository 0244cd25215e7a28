import { performance } from "node:perf_hooks";
import { GadugiError } from "@gadugi/error-handling";
import { GitConstructError, type SimpleGitOptions, simpleGit } from "simple-git";
import { childEnv, type Env, formatCommand, type RunResult } from "./process-runner.js";
import { startFailureError } from "./process-text.js";

/**
 * simple-git's guards (`unsafe`) refuse arguments and variables that can make git run a program
 * (`-c core.sshCommand=…`, `--upload-pack`, GIT_SSH_COMMAND, EDITOR, PAGER, GIT_CONFIG_GLOBAL…),
 * to protect callers that pass user input on. GitClient's arguments are arrays its callers build,
 * never a shell string, and a user's own environment (their GIT_SSH_COMMAND) must reach git: all
 * of them are allowed, so a call runs with exactly the arguments and environment it was given.
 * `Required` makes a flag a later simple-git adds fail to compile until it is decided here.
 */
const UNGUARDED: Required<NonNullable<SimpleGitOptions["unsafe"]>> = {
  allowUnsafeAlias: true,
  allowUnsafeAskPass: true,
  allowUnsafeCommandBinaries: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeEditor: true,
  allowUnsafeMergeDriver: true,
  allowUnsafePager: true,
  allowUnsafeProtocolOverride: true,
  allowUnsafePack: true,
  allowUnsafeSshCommand: true,
  allowUnsafeGitProxy: true,
  allowUnsafeExec: true,
  allowUnsafeHooksPath: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeDiffTextConv: true,
  allowUnsafeFilter: true,
  allowUnsafeFsMonitor: true,
  allowUnsafeGpgProgram: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeInclude: true,
  allowUnsafeSubmodule: true,
  allowUnsafeUrlRewrite: true,
  // git accepts unambiguous abbreviations (`--quie`); simple-git would refuse them.
  allowAbbreviatedOptions: true,
  // The binary stays `git`, found on the call's PATH.
  allowUnsafeCustomBinary: false,
};

const EMPTY = Buffer.alloc(0);

/**
 * simple-git waits 50 ms more after a git that printed nothing (its completion plugin), in case
 * output comes late; Node emits `close` only once stdout and stderr are closed, so none can. An
 * empty chunk, once the plugins listen (they attach right after this handler, synchronously),
 * marks the call as having printed: a quiet call (update-ref, show-ref --quiet) then costs what
 * any other call costs instead of 50 ms more.
 */
function noQuietDelay(_command: string, stdout: NodeJS.ReadableStream): void {
  queueMicrotask(() => stdout.emit("data", EMPTY));
}

/** Node reports a failed spawn as an `error` event, which simple-git turns into this stderr. */
const SPAWN_ERROR = /^Error: spawn \S+ (E[A-Z0-9]+)\b/;

export interface SimpleGitCall {
  cwd: string;
  args: readonly string[];
  /** The overrides laid over process.env (`undefined` removes a variable); PWD is set to `cwd`. */
  env: Env;
  /** Written to stdin, which is then closed; without it stdin is closed at once (EOF). */
  input?: string;
}

/**
 * One git call through simple-git: `raw()`, with its `errors` option reading the exit code and
 * stderr, so a non-zero exit comes back as a result. One simple-git instance per call, since
 * environment and input are per instance (and so is its queue: `maxConcurrentProcesses` never
 * holds a call back). Without timeout or abort: simple-git kills only git itself, not the hooks
 * or helpers it started, so killable calls go through the process runner (see git-call.ts).
 * A git that cannot be started throws GADUGI_COMMAND_NOT_FOUND (missing cwd: GADUGI_FILE_NOT_FOUND).
 */
export async function runOnSimpleGit(call: SimpleGitCall): Promise<RunResult> {
  const started = performance.now();
  const command = ["git", ...call.args];
  const { stdout, exitCode, stderr } = await rawOnSimpleGit(call, command);
  const spawnError = exitCode !== null && exitCode < 0 ? SPAWN_ERROR.exec(stderr) : null;
  if (spawnError) {
    throw startFailureError({
      file: "git",
      command,
      cwd: call.cwd,
      env: call.env,
      code: spawnError[1]!,
      message: stderr.split("\n")[0] ?? "",
    });
  }
  return {
    command,
    exitCode,
    stdout,
    stderr,
    durationMs: Math.round(performance.now() - started),
    timedOut: false,
    aborted: false,
  };
}

interface Output {
  stdout: string;
  exitCode: number | null;
  stderr: string;
}

async function rawOnSimpleGit(call: SimpleGitCall, command: string[]): Promise<Output> {
  const env = childEnv(call.cwd, call.env);
  let exit: Omit<Output, "stdout"> = { exitCode: null, stderr: "" };
  const options: Partial<SimpleGitOptions> = {
    baseDir: call.cwd,
    maxConcurrentProcesses: 1,
    unsafe: UNGUARDED,
    allowEnvironment: Object.keys(env),
    input: () => call.input || EMPTY,
    // Called after every call that started git: its verdict (an error for a non-zero exit with
    // stderr) is dropped, the exit code and stderr kept, and raw() resolves with stdout.
    errors(_error, result) {
      exit = { exitCode: result.exitCode, stderr: Buffer.concat(result.stdErr).toString("utf8") };
      return undefined;
    },
  };
  try {
    const git = simpleGit(options).env(env).outputHandler(noQuietDelay);
    const stdout = await git.raw([...call.args]);
    return { stdout, ...exit };
  } catch (error) {
    // Before git started: a missing directory, or a guard or plugin refusing the call.
    if (error instanceof GitConstructError) {
      throw new GadugiError("GADUGI_FILE_NOT_FOUND", { path: call.cwd });
    }
    const stderr = error instanceof Error ? error.message : String(error);
    throw new GadugiError(
      "GADUGI_COMMAND_FAILED",
      { command: formatCommand(command, call.env), exitCode: null, stderr },
      { cause: error },
    );
  }
}
