import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

/**
 * Children run as leaders of their own process group, so a timeout or a cancellation can stop
 * the whole tree they started. Groups still running when this process exits are killed: execa's
 * `cleanup` does not reach detached children.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Sends `signal` to every process of the group led by `pid`; a group already gone is not an error. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === "win32" ? pid : -pid, signal);
  } catch {
    // Nothing left in the group.
  }
}

/** Remembers a running group so it is killed if this process exits first; returns the forget function. */
export function trackProcessGroup(pid: number): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const group of liveGroups) signalProcessGroup(group, "SIGKILL");
    });
  }
  liveGroups.add(pid);
  return () => {
    liveGroups.delete(pid);
  };
}

/**
 * Whether any process of the group led by `pgid` still runs. Zombies do not count: an init that
 * does not reap (containers) leaves them forever, and `kill(-pgid, 0)` still succeeds for them.
 */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(process.platform === "win32" ? pgid : -pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform !== "linux") return true;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
    }
    return false;
  } catch {
    return true;
  }
}

/**
 * Ends whatever still runs in the group led by `pgid`: `first` (SIGTERM, or SIGKILL for a tree
 * already being killed), then SIGKILL once `graceMs` has passed with a member still alive.
 */
export async function endProcessGroup(pgid: number, first: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!processGroupAlive(pgid)) return;
  signalProcessGroup(pgid, first);
  const deadline = performance.now() + graceMs;
  while (processGroupAlive(pgid) && performance.now() < deadline) {
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
  }
  if (processGroupAlive(pgid)) signalProcessGroup(pgid, "SIGKILL");
}

const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);

/**
 * After the leader of group `pgid` has exited: gives `output` (its pipes closing) `drainMs`, ends
 * whatever is left of the group (`first`, then SIGKILL after `graceMs`; no group when undefined),
 * and calls `drop` when the output is still open `graceMs` + 1 s later (a leftover holding it).
 * Resolves with the output, or undefined when it was dropped.
 */
export async function endLeftovers<T>(
  pgid: number | undefined,
  output: Promise<T>,
  options: { first: NodeJS.Signals; graceMs: number; drainMs: number; drop: () => void },
): Promise<T | undefined> {
  const drained = await settledWithin(output, options.drainMs);
  if (pgid !== undefined) await endProcessGroup(pgid, options.first, options.graceMs);
  if (drained !== undefined) return drained;
  const closed = await settledWithin(output, options.graceMs + 1000);
  if (closed === undefined) options.drop();
  return closed;
}
