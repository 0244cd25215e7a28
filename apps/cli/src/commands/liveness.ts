import { hostname } from "node:os";

/**
 * Whether the orchestrator of a run that its state calls "running" is still there. A run's state
 * says "running" until its orchestrator records the end, so after a kill -9 it says so forever;
 * the run's lock file (held while the orchestrator lives, released at its end) tells the truth.
 */
export interface RunLiveness {
  /** The state says running but its orchestrator is gone: `gadugi resume` continues it. */
  interrupted: boolean;
  /** Set for a running run when it can be told (a lock of another host cannot). */
  orchestratorAlive?: boolean;
  /** The orchestrator's pid (from the lock, else the state's owner). */
  pid?: number;
  host?: string;
}

/** Who holds a run's lock, read before its state (a run that ends in between then reads as ended). */
export interface RunHolder {
  lock?: { pid: number; host: string; startTicks?: number };
}

export async function readRunHolder(repoRoot: string, runId: string): Promise<RunHolder> {
  const { readLock, statePaths } = await import("@gadugi/state");
  const lock = await readLock(statePaths(repoRoot).lock(runId));
  if (lock === undefined) return {};
  const { pid, host, startTicks } = lock;
  return { lock: startTicks === undefined ? { pid, host } : { pid, host, startTicks } };
}

/**
 * Judges a run from its status, its owner and the holder of its lock. The writer of a running run
 * always holds the lock, so a running run whose lock is gone, or whose holder on this host is gone,
 * was interrupted.
 */
export async function judgeLiveness(
  status: string,
  owner: { pid: number; host: string } | undefined,
  holder: RunHolder,
): Promise<RunLiveness> {
  if (status !== "running") return { interrupted: false };
  const who = holder.lock ?? owner;
  const where = who ? { pid: who.pid, host: who.host } : {};
  if (holder.lock === undefined) return { interrupted: true, orchestratorAlive: false, ...where };
  if (holder.lock.host !== hostname()) return { interrupted: false, ...where };
  // A pid now owned by another process (the lock records the holder's start time) is gone too.
  const { isLockHolderAlive } = await import("@gadugi/state");
  const alive = isLockHolderAlive(holder.lock);
  return { interrupted: !alive, orchestratorAlive: alive, ...where };
}

/** The status of a run as the CLI shows it: "interrupted: orchestrator pid N is gone — …" when it is. */
export function describeRunStatus(runId: string, status: string, liveness: RunLiveness): string {
  if (!liveness.interrupted) {
    if (status !== "running" || liveness.pid === undefined) return status;
    return `running (orchestrator pid ${liveness.pid}${liveness.host ? ` on ${liveness.host}` : ""})`;
  }
  const who =
    liveness.pid === undefined ? "its orchestrator is gone" : `orchestrator pid ${liveness.pid} is gone`;
  return `interrupted: ${who} — \`gadugi resume ${runId}\``;
}
