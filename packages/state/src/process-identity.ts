import { readFileSync } from "node:fs";
import { errnoCode } from "./util.js";

/**
 * A pid alone does not name a process: after a reboot, or in another container of the same host,
 * the pid a run recorded may belong to someone else. The start time the kernel keeps for every
 * process (`/proc/<pid>/stat` field 22, clock ticks after boot) tells them apart, so Gadugi
 * records it next to each pid it may signal later (the process registry, the run lock) and
 * checks it before sending anything.
 *
 * Where there is no `/proc` (macOS, Windows) no start time is recorded and every check falls back
 * to "the pid exists".
 */

/** Whether `pid` is a running process on this host (a process of another user counts as running). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) !== "ESRCH";
  }
}

/** Field 22 (starttime) of a `/proc/<pid>/stat` line; the command name may contain spaces and `)`. */
export function parseStatStartTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ") " comes field 3 (state), so field n is fields[n - 3].
  const value = Number(stat.slice(close + 2).split(" ")[19]);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * The start time of `pid` in clock ticks after boot, read from `/proc/<pid>/stat`. Undefined when
 * the process does not exist or `/proc` is not there (then nothing can be compared).
 */
export function processStartTicks(pid: number, procRoot = "/proc"): number | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (process.platform !== "linux" && procRoot === "/proc") return undefined;
  try {
    return parseStatStartTicks(readFileSync(`${procRoot}/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * What a recorded pid is now:
 * - `alive`: the recorded process still runs (same pid and, when one was recorded and can be read,
 *   the same start time);
 * - `reused`: the pid exists but belongs to another process (its start time differs);
 * - `gone`: no process has the pid.
 */
export type ProcessMatch = "alive" | "reused" | "gone";

/**
 * Checks a recorded `pid` (and its recorded start time) against the running system. Without a
 * recorded start time, or when the current one cannot be read (no `/proc`), only the pid is
 * checked, as before start times were recorded.
 */
export function matchProcess(pid: number, startTicks?: number, procRoot = "/proc"): ProcessMatch {
  if (!isProcessAlive(pid)) return "gone";
  if (startTicks === undefined) return "alive";
  const current = processStartTicks(pid, procRoot);
  if (current === undefined) return "alive";
  return current === startTicks ? "alive" : "reused";
}
