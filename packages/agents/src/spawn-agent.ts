import { GadugiError } from "@gadugi/error-handling";
import type { ProcessRunner, RunOptions, RunResult, StopCause } from "@gadugi/git";
import type { AgentEvent, AgentRunRequest } from "@gadugi/interfaces";
import type { TaskBudgetCap } from "./budget-cap.js";
import { AgentStopper } from "./graceful-stop.js";
import { LineSplitter } from "./line-file.js";
import {
  abortStop,
  exactEnv,
  missingWorktree,
  type PreparedInvocation,
  spawnFailure,
} from "./prepare-invocation.js";
import type { RunRecord } from "./run-record.js";
import type { AgentStop, AgentStreamParser, OutputStream } from "./types.js";

export interface SpawnOptions {
  runner: ProcessRunner;
  signal?: AbortSignal | undefined;
  wallMs: number;
  idleMs: number | undefined;
  killGraceMs: number;
  /** The per-task cap Gadugi enforces (CLIs without a budget flag of their own). */
  budgetCap?: TaskBudgetCap | undefined;
  onSpawn?: ((pid: number, command: string[]) => void) | undefined;
  onOutput?: ((line: string, stream: OutputStream) => void) | undefined;
}

/** How the agent's process ended, or why it could not start (with the stop, when it was aborted). */
export type SpawnOutcome =
  | { exitCode: number | null; signal: string | null; stop: AgentStop | undefined }
  | { spawnFailed: string; stop?: AgentStop };

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** The stop of a timeout the runner enforces. */
function timeoutStop(cause: Exclude<StopCause, "abort">, options: SpawnOptions): AgentStop {
  const reason =
    cause === "timeout"
      ? `ran longer than ${seconds(options.wallMs)} (wall-clock timeout)`
      : `no output for ${seconds(options.idleMs ?? 0)} (idle timeout)`;
  return { timedOut: true, cancelled: false, budgetExceeded: false, reason };
}

/**
 * Runs the agent through the ProcessRunner, in its own process group, and streams its output:
 * each line is logged, handed to `onOutput`, then parsed into events. The wall-clock timeout, the
 * idle timeout and the abort kill the whole group (SIGTERM, SIGKILL after the grace); a budget
 * stop (the task's cap reached, or an abort for the run's budget) sends SIGINT first and kills
 * only after the grace ({@link AgentStopper}). Whatever is left of the group once the agent exits
 * is ended too, even a child still holding its stdout.
 */
export async function spawnAgent(
  request: AgentRunRequest,
  prepared: PreparedInvocation,
  record: RunRecord,
  parser: AgentStreamParser,
  options: SpawnOptions,
): Promise<SpawnOutcome> {
  if (options.signal?.aborted) {
    const stop = abortStop(options.signal);
    return { spawnFailed: stop.reason, stop };
  }
  const stopper = new AgentStopper(options.signal, options.killGraceMs, (stop) =>
    record.write(`[gadugi] ${record.at()} stopping the agent: ${stop.reason}`),
  );
  const onEvent = (event: AgentEvent): void => {
    record.emit(event);
    if (event.type === "usage") watchBudget(options.budgetCap, event.usage, stopper, record);
  };
  const splitters = {
    stdout: lineReader("stdout", record, parser, onEvent, options),
    stderr: lineReader("stderr", record, parser, onEvent, options),
  };
  const { invocation, env } = prepared;
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
    signal: stopper.runnerSignal,
    onSpawn: (pid) => {
      stopper.spawned(pid);
      announce(pid, prepared, record, options);
    },
    onOutput: (stream, chunk) => splitters[stream].write(chunk),
    // An abort of the runner's signal is ours, a stop already described; a timeout is the runner's.
    onStop: (cause) => {
      if (cause !== "abort") stopper.runnerStopping(timeoutStop(cause, options));
    },
  };
  let result: RunResult;
  try {
    result = await options.runner.run(invocation.file, invocation.args, runOptions);
  } catch (error) {
    return notStarted(error, request, prepared, stopper.stop);
  } finally {
    stopper.dispose();
    splitters.stdout.flush();
    splitters.stderr.flush();
  }
  return { exitCode: result.exitCode, signal: result.signal ?? null, stop: stopper.stop };
}

/** The task's cap, on each usage event: stop the agent once its cost reaches it. */
function watchBudget(
  cap: TaskBudgetCap | undefined,
  usage: Extract<AgentEvent, { type: "usage" }>["usage"],
  stopper: AgentStopper,
  record: RunRecord,
): void {
  const check = cap?.check(usage);
  if (check === undefined) return;
  if ("warning" in check) {
    record.emit({ type: "warning", at: record.at(), message: check.warning });
    return;
  }
  stopper.interrupt({ timedOut: false, cancelled: false, budgetExceeded: true, reason: check.reached });
}

function lineReader(
  stream: OutputStream,
  record: RunRecord,
  parser: AgentStreamParser,
  onEvent: (event: AgentEvent) => void,
  options: SpawnOptions,
): LineSplitter {
  return new LineSplitter((line) => {
    record.write(stream === "stderr" ? `[stderr] ${line}` : line);
    try {
      options.onOutput?.(line, stream);
    } catch {
      // A caller's display bug must not stop the run.
    }
    for (const event of parser.push(line, stream)) onEvent(event);
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
  stop: AgentStop | undefined,
): SpawnOutcome {
  if (GadugiError.is(error, "GADUGI_ABORTED") && stop) return { spawnFailed: stop.reason, stop };
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
