import { statSync } from "node:fs";
import { GadugiError, redactSecrets } from "@gadugi/error-handling";
import { type Env, formatCommand } from "@gadugi/git";
import type { AgentRunRequest, AgentRunResult } from "@gadugi/interfaces";
import { displayCommand } from "./invocation.js";
import type { RunRecord } from "./run-record.js";
import type { AgentAdapter, AgentInvocation, AgentStop, InvocationContext } from "./types.js";

/** An invocation ready to spawn. */
export interface PreparedInvocation {
  invocation: AgentInvocation;
  /** The agent's whole environment (the runner adds `PWD` = its cwd). */
  env: Record<string, string>;
  /** The command line, secrets masked and long arguments shortened (for onSpawn and the log). */
  command: string[];
}

export function cleanEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Overrides for a ProcessRunner (which lays them over `process.env`) that give the child exactly
 * `env`: what `process.env` has beyond it is removed.
 */
export function exactEnv(env: Readonly<Env>): Env {
  const out: Env = {};
  for (const key of Object.keys(process.env)) if (!(key in env)) out[key] = undefined;
  return { ...out, ...env };
}

export function abortText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === "string" && reason) return `cancelled: ${reason}`;
  if (reason instanceof Error && reason.name !== "AbortError" && reason.message)
    return `cancelled: ${reason.message}`;
  return "cancelled";
}

/**
 * How an abort ends the run: `budget_exceeded` when its reason is GADUGI_BUDGET_EXCEEDED (the
 * orchestrator aborts a task so when the run's budget is reached), else `cancelled`.
 */
export function abortStop(signal: AbortSignal): AgentStop {
  const reason: unknown = signal.reason;
  if (GadugiError.is(reason, "GADUGI_BUDGET_EXCEEDED")) {
    return { timedOut: false, cancelled: false, budgetExceeded: true, reason: reason.message };
  }
  return { timedOut: false, cancelled: true, budgetExceeded: false, reason: abortText(signal) };
}

/** The result of a run aborted before its agent was spawned. */
export function endAbortedEarly(record: RunRecord, signal: AbortSignal): AgentRunResult {
  const stop = abortStop(signal);
  return record.failEarly(
    { exitCode: null, cancelled: stop.cancelled, budgetExceeded: stop.budgetExceeded },
    stop.reason,
  );
}

/**
 * Builds the adapter's invocation and logs the start line, or ends the run before anything is
 * spawned: an invocation that cannot be built (no program), an abort already signalled, a missing
 * worktree.
 */
export function prepareInvocation(
  request: AgentRunRequest,
  adapter: AgentAdapter,
  record: RunRecord,
  options: {
    baseEnv: Readonly<Record<string, string | undefined>>;
    context?: InvocationContext | undefined;
    signal?: AbortSignal | undefined;
  },
): PreparedInvocation | { failed: AgentRunResult } {
  let invocation: AgentInvocation;
  try {
    invocation = adapter.buildInvocation(request, options.context);
  } catch (error) {
    const reason = GadugiError.is(error) ? `${error.code}: ${error.message} ${error.hint}` : String(error);
    record.write(`[gadugi] ${record.startedAt} cannot start the ${request.agent.kind} agent: ${reason}`);
    return { failed: record.failEarly({ exitCode: null }, reason) };
  }
  // PWD is set to the worktree by the process runner, like for every process Gadugi starts.
  const env = cleanEnv({ ...options.baseEnv, ...invocation.env });
  const command = displayCommand(invocation.file, invocation.args, env);
  record.write(`[gadugi] ${record.startedAt} start: ${formatCommand(command, env)} (cwd ${invocation.cwd})`);

  if (options.signal?.aborted) {
    return { failed: endAbortedEarly(record, options.signal) };
  }
  try {
    if (!statSync(invocation.cwd).isDirectory()) throw new Error("not a directory");
  } catch {
    return { failed: record.failEarly({ exitCode: null }, missingWorktree(invocation.cwd)) };
  }
  return { invocation, env, command };
}

export function missingWorktree(cwd: string): string {
  return `the worktree ${cwd} does not exist or is not a directory`;
}

/** The reason of an agent that could not be spawned, from the spawn's error code. */
export function spawnFailure(kind: string, file: string, code: string | undefined, message: string): string {
  const shown = redactSecrets(file);
  if (code === "ENOENT") {
    const error = new GadugiError("GADUGI_AGENT_NOT_FOUND", { agent: kind });
    return `GADUGI_AGENT_NOT_FOUND: ${error.message} \`${shown}\` was not found on PATH (spawn ENOENT). ${error.hint}`;
  }
  if (code === "EACCES")
    return `\`${shown}\` cannot be executed (spawn EACCES): check that it is an executable file.`;
  return `spawn failed: ${code ?? ""} ${redactSecrets(message)}`.replace(/\s+/g, " ").trim();
}
