import { createProcessRunner, type ProcessRunner } from "@gadugi/git";
import type { AgentEvent, AgentRunRequest, AgentRunResult } from "@gadugi/interfaces";
import { getAdapter } from "./adapters/index.js";
import { TaskBudgetCap } from "./budget-cap.js";
import { endAbortedEarly, prepareInvocation } from "./prepare-invocation.js";
import { RunRecord } from "./run-record.js";
import { spawnAgent } from "./spawn-agent.js";
import type { AgentAdapter, FinishInfo, InvocationContext, OutputStream } from "./types.js";
import { type ChangeCheck, startChangeCheck } from "./worktree-changes.js";

export interface RunAgentOptions {
  /**
   * Aborting kills the agent's process group; the run ends `cancelled`. An abort whose reason is a
   * GadugiError GADUGI_BUDGET_EXCEEDED (the run's budget) stops it gently instead: SIGINT, the
   * kill after `killGraceMs`; the run ends `budget_exceeded` with the error's message.
   */
  signal?: AbortSignal;
  /** Wall-clock limit; default `agent.timeoutSec`. The run ends `timeout`. */
  timeoutMs?: number;
  /** Kill the agent after this long without output while it lives; default `agent.idleTimeoutSec`, else never. */
  idleTimeoutMs?: number;
  /** Between SIGINT and SIGTERM (a budget stop), and between SIGTERM and SIGKILL. Default 5000. */
  killGraceMs?: number;
  /** Every normalized event, as it happens (also written to `request.eventsFile`). */
  onEvent?: (event: AgentEvent) => void;
  /** Once the agent runs: its pid (= its process group id) and the command line, secrets masked. */
  onSpawn?: (pid: number, command: string[]) => void;
  /** Every raw line of output, after it is in the log and before it is parsed. */
  onOutput?: (line: string, stream: OutputStream) => void;
  /**
   * Whether the worktree changed during the run, for adapters judged by changes (aider). Default:
   * `git status --porcelain` is not empty, or HEAD moved.
   */
  hasChanges?: (worktree: string) => Promise<boolean>;
  /** The environment the agent's variables are laid over. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Spawns the agent and the git calls of the change check. Default `createProcessRunner()`. */
  runner?: ProcessRunner;
  /** Replaces the adapter of `request.agent.kind`. */
  adapter?: AgentAdapter;
  context?: InvocationContext;
  now?: () => Date;
}

const DEFAULT_KILL_GRACE_MS = 5000;

/**
 * Runs one agent to its end and never throws for anything the agent does: a missing program, a
 * crash, a timeout or an abort all come back as an AgentRunResult (it throws only when the log
 * file cannot be written).
 *
 * The steps: {@link prepareInvocation} (the adapter's command line, the start line of the log),
 * {@link startChangeCheck} for agents judged by their changes, {@link spawnAgent} (the
 * ProcessRunner, streaming, timeouts, the process group's end, the per-task budget), then the
 * parser judges the outcome from what the agent printed and how it ended.
 *
 * The per-task budget (`agent.maxBudgetUsd`) of a CLI without a flag for it (all but claude) is
 * Gadugi's to enforce: each `usage` event (the run's cumulative usage) is priced with
 * `request.pricing` (default: @gadugi/cost's DEFAULT_PRICING) and the model it names, else
 * `agent.model`; at the cap the agent gets SIGINT, the group kill after `killGraceMs`, and the run
 * ends `budget_exceeded`. A cost that is unknown cannot reach the cap (a `warning` says so once).
 *
 * Each line of output is appended to `request.logFile` (stdout as is, stderr as
 * `[stderr] <line>`, Gadugi's own lines as `[gadugi] ...`) before it is parsed; normalized events
 * go to `request.eventsFile`.
 */
export async function runAgent(
  request: AgentRunRequest,
  options: RunAgentOptions = {},
): Promise<AgentRunResult> {
  const now = options.now ?? (() => new Date());
  const adapter = options.adapter ?? getAdapter(request.agent.kind);
  const parser = adapter.createParser({
    now,
    model: request.agent.model,
    maxBudgetUsd: request.agent.maxBudgetUsd,
  });
  const record = new RunRecord(request, parser, now, options.onEvent);
  const baseEnv = options.env ?? process.env;
  const runner = options.runner ?? createProcessRunner();

  const prepared = prepareInvocation(request, adapter, record, {
    baseEnv,
    context: options.context,
    signal: options.signal,
  });
  if ("failed" in prepared) return prepared.failed;

  const judgesByChanges = adapter.judgesByChanges && request.agent.autonomy !== "read-only";
  let changes: ChangeCheck | undefined;
  if (judgesByChanges) {
    changes = await startChangeCheck(prepared.invocation.cwd, {
      runner,
      baseEnv,
      hasChanges: options.hasChanges,
    });
  }
  if (options.signal?.aborted) {
    // Aborted while the change check read HEAD: nothing was spawned.
    return endAbortedEarly(record, options.signal);
  }

  const ended = await spawnAgent(request, prepared, record, parser, {
    runner,
    signal: options.signal,
    wallMs: options.timeoutMs ?? request.agent.timeoutSec * 1000,
    idleMs:
      options.idleTimeoutMs ??
      (request.agent.idleTimeoutSec !== undefined ? request.agent.idleTimeoutSec * 1000 : undefined),
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
    budgetCap: TaskBudgetCap.of(request, adapter),
    onSpawn: options.onSpawn,
    onOutput: options.onOutput,
  });
  if ("spawnFailed" in ended) {
    const { stop } = ended;
    const early = { cancelled: stop?.cancelled ?? false, budgetExceeded: stop?.budgetExceeded ?? false };
    return record.failEarly({ exitCode: null, ...early }, ended.spawnFailed);
  }

  const info: FinishInfo = { exitCode: ended.exitCode, signal: ended.signal };
  const { stop } = ended;
  if (stop) {
    info.timedOut = stop.timedOut;
    info.cancelled = stop.cancelled;
    info.budgetExceeded = stop.budgetExceeded;
    info.stopReason = stop.reason;
  } else if (changes) {
    const hasChanges = await judgeChanges(changes, record);
    if (hasChanges !== undefined) info.hasChanges = hasChanges;
  }
  return record.finish(parser.finish(info));
}

/** Whether the agent changed the worktree; undefined, with a warning event, when that is unknown. */
async function judgeChanges(changes: ChangeCheck, record: RunRecord): Promise<boolean | undefined> {
  try {
    return await changes.changed();
  } catch (error) {
    record.emit({
      type: "warning",
      at: record.at(),
      message: `could not check the worktree for changes: ${(error as Error).message}`,
    });
    return undefined;
  }
}
