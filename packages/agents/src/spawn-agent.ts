import { GadugiError } from "@gadugi/error-handling";
import type { ProcessRunner, RunOptions, RunResult, StopCause } from "@gadugi/git";
import type { AgentRunRequest } from "@gadugi/interfaces";
import { LineSplitter } from "./line-file.js";
import {
  abortText,
  exactEnv,
  missingWorktree,
  type PreparedInvocation,
  spawnFailure,
} from "./prepare-invocation.js";
import type { RunRecord } from "./run-record.js";
import type { AgentStreamParser, OutputStream } from "./types.js";

/** Why Gadugi stopped the agent, when it did. */
export interface AgentStop {
  timedOut: boolean;
  cancelled: boolean;
  reason: string;
}

export interface SpawnOptions {
  runner: ProcessRunner;
  signal?: AbortSignal | undefined;
  wallMs: number;
  idleMs: number | undefined;
  killGraceMs: number;
  onSpawn?: ((pid: number, command: string[]) => void) | undefined;
  onOutput?: ((line: string, stream: OutputStream) => void) | undefined;
}

/** How the agent's process ended, or why it could not start (with whether that was an abort). */
export type SpawnOutcome =
  | { exitCode: number | null; signal: string | null; stop: AgentStop | undefined }
  | { spawnFailed: string; cancelled?: boolean };

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function stopFor(cause: StopCause, options: SpawnOptions): AgentStop {
  if (cause === "abort") {
    return { timedOut: false, cancelled: true, reason: abortText(options.signal as AbortSignal) };
  }
  const reason =
    cause === "timeout"
      ? `ran longer than ${seconds(options.wallMs)} (wall-clock timeout)`
      : `no output for ${seconds(options.idleMs ?? 0)} (idle timeout)`;
  return { timedOut: true, cancelled: false, reason };
}

/**
 * Runs the agent through the ProcessRunner, in its own process group, and streams its output:
 * each line is logged, handed to `onOutput`, then parsed into events. The wall-clock timeout, the
 * idle timeout and the abort kill the whole group (SIGTERM, SIGKILL after the grace); whatever
 * is left of the group once the agent exits is ended too, even a child still holding its stdout.
 */
export async function spawnAgent(
  request: AgentRunRequest,
  prepared: PreparedInvocation,
  record: RunRecord,
  parser: AgentStreamParser,
  options: SpawnOptions,
): Promise<SpawnOutcome> {
  const { invocation, env } = prepared;
  const splitters = {
    stdout: lineReader("stdout", record, parser, options),
    stderr: lineReader("stderr", record, parser, options),
  };
  let stop: AgentStop | undefined;
  const { stdin } = invocation;
  const runOptions: RunOptions = {
    cwd: invocation.cwd,
    env: exactEnv(env),
    ...(stdin === "ignore" ? {} : { input: stdin === "closed" ? "" : stdin.text }),
    reject: false,
    buffer: false,
    endGroupOnExit: true,
    killGraceMs: options.killGraceMs,
    ...(Number.isFinite(options.wallMs) && options.wallMs > 0 ? { timeoutMs: options.wallMs } : {}),
    ...(options.idleMs === undefined ? {} : { idleTimeoutMs: options.idleMs }),
    ...(options.signal ? { signal: options.signal } : {}),
    onSpawn: (pid) => announce(pid, prepared, record, options),
    onOutput: (stream, chunk) => splitters[stream].write(chunk),
    onStop: (cause) => {
      stop = stopFor(cause, options);
      record.write(`[gadugi] ${record.at()} stopping the agent: ${stop.reason}`);
    },
  };
  let result: RunResult;
  try {
    result = await options.runner.run(invocation.file, invocation.args, runOptions);
  } catch (error) {
    return notStarted(error, request, prepared, options);
  } finally {
    splitters.stdout.flush();
    splitters.stderr.flush();
  }
  return { exitCode: result.exitCode, signal: result.signal ?? null, stop };
}

function lineReader(
  stream: OutputStream,
  record: RunRecord,
  parser: AgentStreamParser,
  options: SpawnOptions,
): LineSplitter {
  return new LineSplitter((line) => {
    record.write(stream === "stderr" ? `[stderr] ${line}` : line);
    try {
      options.onOutput?.(line, stream);
    } catch {
      // A caller's display bug must not stop the run.
    }
    for (const event of parser.push(line, stream)) record.emit(event);
  });
}

/** The agent runs: its `started` event, the invocation's warnings, the caller's onSpawn. */
function announce(pid: number, prepared: PreparedInvocation, record: RunRecord, options: SpawnOptions): void {
  record.pid = pid;
  record.emit({ type: "started", at: record.at(), pid });
  for (const warning of prepared.invocation.warnings) {
    record.emit({ type: "warning", at: record.at(), message: warning });
  }
  try {
    options.onSpawn?.(pid, prepared.command);
  } catch {
    // Registry bookkeeping must not stop the run.
  }
}

function notStarted(
  error: unknown,
  request: AgentRunRequest,
  prepared: PreparedInvocation,
  options: SpawnOptions,
): SpawnOutcome {
  if (GadugiError.is(error, "GADUGI_ABORTED") && options.signal) {
    return { spawnFailed: abortText(options.signal), cancelled: true };
  }
  if (GadugiError.is(error, "GADUGI_FILE_NOT_FOUND")) {
    return { spawnFailed: missingWorktree(prepared.invocation.cwd) };
  }
  const cause = (error instanceof Error ? error.cause : undefined) as
    | { code?: string; shortMessage?: string; message?: string }
    | undefined;
  const code = GadugiError.is(error, "GADUGI_COMMAND_NOT_FOUND") ? "ENOENT" : cause?.code;
  const message = cause?.shortMessage ?? cause?.message ?? (error as Error).message ?? String(error);
  return { spawnFailed: spawnFailure(request.agent.kind, prepared.invocation.file, code, message) };
}
