import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { abortedError, GadugiError, redactSecrets } from "@gadugi/error-handling";
import { execa } from "execa";
import { signalProcessGroup, trackProcessGroup } from "./process-group.js";

export type Env = Record<string, string | undefined>;

/**
 * What a process is for, read by whoever keeps track of a run's processes (execution-monitor's
 * `registeringRunner`); the runner itself ignores it.
 */
export interface ProcessLabel {
  /** The task it belongs to (`integration-<run>` for the integration tests). */
  taskId?: string;
  /** setup, test, review, integration-test… */
  purpose?: string;
  /** Where its output is kept, when that is not `logFile` (the output is captured and saved). */
  logFile?: string;
}

export interface RunOptions {
  cwd: string;
  /** Laid over the parent's environment; a key set to `undefined` is removed. */
  env?: Env;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null, so nothing waits for EOF. */
  input?: string | Uint8Array;
  /** Kill the whole process tree after this long (SIGTERM, then SIGKILL after `killGraceMs`). */
  timeoutMs?: number;
  /** Aborting kills the whole process tree the same way. */
  signal?: AbortSignal;
  /**
   * true (default): a non-zero exit throws GADUGI_COMMAND_FAILED, a timeout GADUGI_TIMEOUT and an
   * abort GADUGI_ABORTED. false: all of these come back as a result. A program that cannot be
   * started always throws (GADUGI_COMMAND_NOT_FOUND, or GADUGI_FILE_NOT_FOUND for a missing cwd).
   */
  reject?: boolean;
  /** Append stdout and stderr to this file as they arrive (a log for long runs). */
  logFile?: string;
  /** Called with each decoded chunk of output as it arrives. */
  onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
  /** Called once the process has started. */
  onSpawn?: (pid: number) => void;
  /** Time between SIGTERM and SIGKILL when killing on timeout or abort. Default 2000. */
  killGraceMs?: number;
  /** Names the operation in timeout and cancel messages; the command line by default. */
  operation?: string;
  /** What the process is for (task, purpose, log), for a runner that registers processes. */
  label?: ProcessLabel;
}

export interface RunResult {
  command: string[];
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
}

/** Runs programs with argument arrays (never a shell string). The engine's only way to spawn. */
export interface ProcessRunner {
  run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
}

const DEFAULT_KILL_GRACE_MS = 2000;
const STDERR_LIMIT = 4000;

/**
 * `git commit -m 'a b'`: the command line as text for messages, secrets masked (patterns, plus the
 * values of secret-named variables of `env` laid over process.env).
 */
export function formatCommand(command: readonly string[], env?: Env): string {
  return redactSecrets(
    command
      .map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`))
      .join(" "),
    secretSource(env),
  );
}

function secretSource(env: Env | undefined): { env: Env } {
  return { env: env ? { ...process.env, ...env } : process.env };
}

/**
 * The child's environment: process.env, the overrides laid over it, and `PWD` set to the child's
 * working directory. A child spawned with a `cwd` otherwise inherits the parent's `PWD`, and tools
 * that take their directory from `$PWD` (OpenCode does) then work in the user's checkout.
 */
export function childEnv(cwd: string, overrides?: Env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...overrides })) {
    if (value !== undefined) env[key] = value;
  }
  env.PWD = resolve(cwd);
  return env;
}

function tail(text: string): string {
  return text.length > STDERR_LIMIT ? `…${text.slice(-STDERR_LIMIT)}` : text;
}

export interface ResultErrorOptions {
  /** The code for a non-zero exit. Default GADUGI_COMMAND_FAILED. */
  code?: "GADUGI_COMMAND_FAILED" | "GADUGI_GIT_FAILED";
  operation?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The command's environment overrides: their secret-named values are masked too. */
  env?: Env;
}

/**
 * The GadugiError for a result that did not succeed: GADUGI_TIMEOUT, GADUGI_ABORTED, or a failed
 * command carrying its exit code and stderr (secrets masked). For callers that ran with
 * `reject: false` and decided the result is a failure after all.
 */
export function errorForResult(result: RunResult, options: ResultErrorOptions = {}): GadugiError {
  const command = formatCommand(result.command, options.env);
  const operation = options.operation ?? `\`${command}\``;
  if (result.timedOut) {
    return new GadugiError("GADUGI_TIMEOUT", {
      operation,
      seconds: Math.round((options.timeoutMs ?? result.durationMs) / 100) / 10,
    });
  }
  if (result.aborted) {
    return options.signal
      ? abortedError(options.signal, operation)
      : new GadugiError("GADUGI_ABORTED", { operation });
  }
  const stderr = redactSecrets(
    tail(result.stderr || (result.signal ? `killed by ${result.signal}` : "")),
    secretSource(options.env),
  );
  return new GadugiError(options.code ?? "GADUGI_COMMAND_FAILED", {
    command,
    exitCode: result.exitCode,
    stderr,
  });
}

async function runProcess(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const command = [file, ...args];
  const reject = options.reject ?? true;
  const { signal } = options;
  if (signal?.aborted) {
    throw abortedError(signal, options.operation ?? `\`${formatCommand(command, options.env)}\``);
  }
  // A process group of its own, so a timeout or abort can kill everything the command started.
  const ownGroup = process.platform !== "win32";
  const output = options.logFile ? (["pipe", { file: options.logFile, append: true }] as const) : "pipe";
  const started = performance.now();
  const subprocess = execa(file, [...args], {
    cwd: options.cwd,
    env: childEnv(options.cwd, options.env),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    stdout: output,
    stderr: output,
    detached: ownGroup,
    cleanup: !ownGroup,
    windowsHide: true,
  });

  const pid = subprocess.pid;
  let forgetGroup: (() => void) | undefined;
  if (pid !== undefined) {
    if (ownGroup) forgetGroup = trackProcessGroup(pid);
    options.onSpawn?.(pid);
  }
  if (options.onOutput) {
    const onOutput = options.onOutput;
    for (const name of ["stdout", "stderr"] as const) {
      const decoder = new StringDecoder("utf8");
      subprocess[name]?.on("data", (chunk: Buffer | string) => {
        const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
        if (text) onOutput(name, text);
      });
    }
  }

  let timedOut = false;
  let aborted = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (pid === undefined) return;
    if (ownGroup) signalProcessGroup(pid, "SIGTERM");
    else subprocess.kill("SIGTERM");
    graceTimer ??= setTimeout(() => {
      if (ownGroup) signalProcessGroup(pid, "SIGKILL");
      else subprocess.kill("SIGKILL");
    }, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  };
  const timeoutTimer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs);
  const onAbort = (): void => {
    if (timedOut) return;
    aborted = true;
    kill();
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  let raw: Awaited<typeof subprocess>;
  try {
    raw = await subprocess;
  } finally {
    clearTimeout(timeoutTimer);
    clearTimeout(graceTimer);
    signal?.removeEventListener("abort", onAbort);
    if (pid !== undefined && ownGroup) {
      // Whatever of a killed tree outlived its leader does not get a grace period.
      if (timedOut || aborted) signalProcessGroup(pid, "SIGKILL");
      forgetGroup?.();
    }
  }

  const result: RunResult = {
    command,
    exitCode: raw.exitCode ?? null,
    stdout: typeof raw.stdout === "string" ? raw.stdout : "",
    stderr: typeof raw.stderr === "string" ? raw.stderr : "",
    durationMs: Math.round(performance.now() - started),
    timedOut,
    aborted,
  };
  if (raw.signal) result.signal = raw.signal;

  const spawnFailed = raw.failed && raw.exitCode === undefined && !raw.signal && !timedOut && !aborted;
  if (spawnFailed && !raw.isMaxBuffer) {
    if (!existsSync(options.cwd)) throw new GadugiError("GADUGI_FILE_NOT_FOUND", { path: options.cwd });
    if (raw.code === "ENOENT") {
      throw new GadugiError(
        "GADUGI_COMMAND_NOT_FOUND",
        { command: redactSecrets(file, secretSource(options.env)) },
        { cause: raw },
      );
    }
    throw new GadugiError(
      "GADUGI_COMMAND_FAILED",
      { command: formatCommand(command, options.env), exitCode: null, stderr: raw.shortMessage ?? "" },
      { cause: raw },
    );
  }
  if (raw.isMaxBuffer) result.stderr ||= raw.shortMessage ?? "";
  if (reject && (timedOut || aborted || result.exitCode !== 0)) {
    throw errorForResult(result, {
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(signal === undefined ? {} : { signal }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  }
  return result;
}

/** A runner that gives every call `label`; what a call's own label sets wins. */
export function labelledRunner(runner: ProcessRunner, label: ProcessLabel): ProcessRunner {
  return {
    run: (file, args, options) =>
      runner.run(file, args, { ...options, label: { ...label, ...options.label } }),
  };
}

/** The default ProcessRunner, over execa. */
export function createProcessRunner(): ProcessRunner {
  return { run: runProcess };
}
