import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { abortedError, GadugiError, redactSecrets } from "@gadugi/error-handling";
import type { Env, RunResult } from "./process-runner.js";

/** Most of a failed command's stderr kept in its error. */
const STDERR_LIMIT = 4000;

/**
 * `git commit -m 'a b'`: the command line as one line of text for messages and logs, arguments
 * quoted as a shell would need them, those with control characters (newlines) as JSON strings,
 * secrets masked (patterns, plus the values of secret-named variables of `env` laid over
 * process.env).
 */
export function formatCommand(command: readonly string[], env?: Env): string {
  return redactSecrets(command.map(quoteArgument).join(" "), secretSource(env));
}

function quoteArgument(part: string): string {
  if (/^[\w@%+=:,./-]+$/.test(part)) return part;
  if (/[\u0000-\u001f]/.test(part)) return JSON.stringify(part);
  return `'${part.replace(/'/g, `'\\''`)}'`;
}

export function secretSource(env: Env | undefined): { env: Env } {
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

/** What the operating system said when a process could not be started. */
export interface StartFailure {
  /** The program, as asked for. */
  file: string;
  command: readonly string[];
  cwd: string;
  env?: Env;
  /** The errno code (ENOENT, EACCES…), when known. */
  code?: string;
  /** The failure in words, for any other code. */
  message: string;
  cause?: unknown;
}

/**
 * The error for a process that never started: GADUGI_FILE_NOT_FOUND for a missing working
 * directory, GADUGI_COMMAND_NOT_FOUND for a missing program, else GADUGI_COMMAND_FAILED.
 */
export function startFailureError(failure: StartFailure): GadugiError {
  const cause = failure.cause === undefined ? {} : { cause: failure.cause };
  if (!existsSync(failure.cwd)) return new GadugiError("GADUGI_FILE_NOT_FOUND", { path: failure.cwd });
  if (failure.code === "ENOENT") {
    return new GadugiError(
      "GADUGI_COMMAND_NOT_FOUND",
      { command: redactSecrets(failure.file, secretSource(failure.env)) },
      cause,
    );
  }
  return new GadugiError(
    "GADUGI_COMMAND_FAILED",
    { command: formatCommand(failure.command, failure.env), exitCode: null, stderr: failure.message },
    cause,
  );
}
