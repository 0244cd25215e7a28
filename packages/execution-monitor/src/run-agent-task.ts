import { type RunAgentOptions, runAgent } from "@gadugi/agents";
import { parseWith } from "@gadugi/error-handling";
import {
  type AgentEvent,
  AgentRunRequest,
  type AgentRunRequestInput,
  type AgentRunResult,
  type RunEventInput,
} from "@gadugi/interfaces";
import { type Json, LocalExecutor, type TaskOutcome } from "./executor.js";
import type { ProcessHandle, ProcessRegistry } from "./registry.js";

/** The process events of an agent run, as the orchestrator journals them. */
export type ProcessEvent = Extract<RunEventInput, { type: "process.started" | "process.exited" }>;

export interface RunAgentTaskOptions {
  /** Every process of the run is registered here (start, output activity, exit). */
  registry?: ProcessRegistry;
  /** Wall-clock limit; default the agent's `timeoutSec`. */
  timeoutMs?: number;
  /** Kill after this long without output while the process lives; default the agent's `idleTimeoutSec`. */
  idleTimeoutMs?: number;
  /** Aborting kills the agent's process group; the result is `cancelled`. */
  signal?: AbortSignal;
  /** Every normalized agent event. */
  onEvent?: (event: AgentEvent) => void;
  /** `process.started` and `process.exited`, for the journal. */
  onProcessEvent?: (event: ProcessEvent) => void;
  /** Anything else runAgent takes (kill grace, env, adapter, clock...). */
  agentOptions?: Omit<
    RunAgentOptions,
    "signal" | "timeoutMs" | "idleTimeoutMs" | "onEvent" | "onSpawn" | "onOutput"
  >;
}

/**
 * Runs one agent through @gadugi/agents' `runAgent` and keeps the process registry up to date:
 * the spawn registers the process (written at once), each line of output refreshes its last
 * output (batched), the exit records code and status (`killed` after a timeout or cancellation,
 * written at once). Returns runAgent's result; never throws for what the agent does.
 */
export async function runAgentTask(
  request: AgentRunRequestInput,
  options: RunAgentTaskOptions = {},
): Promise<AgentRunResult> {
  const req = parseWith(AgentRunRequest, request, `agent run request of ${request.taskId}`);
  const { registry } = options;
  let handle: ProcessHandle | undefined;
  let registering: Promise<void> | undefined;
  let pendingOutput: string | undefined;
  let spawned: { pid: number; command: string[] } | undefined;

  const agentOptions: RunAgentOptions = {
    ...options.agentOptions,
    onSpawn: (pid, command) => {
      spawned = { pid, command };
      options.onProcessEvent?.({ type: "process.started", taskId: req.taskId, pid, command });
      if (!registry) return;
      registering = registry
        .register({
          taskId: req.taskId,
          pid,
          command,
          cwd: req.worktree,
          purpose: req.purpose,
          logFile: req.logFile,
        })
        .then(
          (h) => {
            handle = h;
            if (pendingOutput !== undefined) h.output(pendingOutput);
          },
          () => undefined, // register reports write failures to the registry's onWriteError
        );
    },
    onOutput: (line) => {
      if (!registry) return;
      if (handle) handle.output(line);
      else if (line.trim() !== "") pendingOutput = line;
    },
  };
  if (options.signal) agentOptions.signal = options.signal;
  if (options.timeoutMs !== undefined) agentOptions.timeoutMs = options.timeoutMs;
  if (options.idleTimeoutMs !== undefined) agentOptions.idleTimeoutMs = options.idleTimeoutMs;
  if (options.onEvent) agentOptions.onEvent = options.onEvent;

  const result = await runAgent(req, agentOptions);

  if (spawned) {
    options.onProcessEvent?.({
      type: "process.exited",
      taskId: req.taskId,
      pid: spawned.pid,
      exitCode: result.exitCode,
    });
  }
  await registering;
  // runAgent reports the outcome, not the signal that ended the process: a process we stopped
  // (timeout, cancellation) or that died of a signal (no exit code) is `killed`.
  const killed = result.outcome === "timeout" || result.outcome === "cancelled" || result.exitCode === null;
  await handle?.exit({ exitCode: result.exitCode, status: killed ? "killed" : "exited" });
  return result;
}

/** How an agent run counts for the scheduler: ok → completed, cancelled → cancelled, else failed. */
export function agentOutcome(result: AgentRunResult): TaskOutcome {
  const data: Json = {
    outcome: result.outcome,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    ...(result.sessionId ? { sessionId: result.sessionId } : {}),
    ...(result.usage ? { usage: JSON.parse(JSON.stringify(result.usage)) as Json } : {}),
  };
  if (result.outcome === "ok") return { status: "completed", data };
  if (result.outcome === "cancelled")
    return { status: "cancelled", reason: result.reason ?? "cancelled", data };
  return {
    status: "failed",
    reason:
      result.reason ??
      `agent ${result.outcome}${result.exitCode !== null ? ` (exit code ${result.exitCode})` : ""}`,
    transient: result.transient,
    data,
  };
}

/**
 * A {@link LocalExecutor} whose task payload is an AgentRunRequest (JSON): each attempt runs the
 * agent with {@link runAgentTask} and reports {@link agentOutcome}.
 */
export function createAgentExecutor(options: Omit<RunAgentTaskOptions, "signal"> = {}): LocalExecutor {
  return new LocalExecutor(async (input, { signal }) => {
    const request = input.payload as unknown as AgentRunRequestInput;
    return agentOutcome(await runAgentTask(request, { ...options, signal }));
  });
}
