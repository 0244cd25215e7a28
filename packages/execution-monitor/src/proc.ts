import { readFile } from "node:fs/promises";
import { GadugiError } from "@gadugi/error-handling";

/** Raw counters of one process tree at one moment. */
export interface ProcUsage {
  /** utime + stime of every process in the tree, in clock ticks. */
  cpuTicks: number;
  /** Resident memory of every process in the tree, in bytes. */
  rssBytes: number;
  /** Pids that were read (root first). */
  pids: number[];
}

/**
 * Linux's USER_HZ: `/proc/<pid>/stat` counts CPU time in these. It is 100 on every mainstream
 * architecture; reading it for real would need `getconf CLK_TCK` (a process per call).
 */
export const CLOCK_TICKS_PER_SECOND = 100;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** utime + stime from `/proc/<pid>/stat` (fields 14 and 15; the command name may contain spaces). */
export function parseStatTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** VmRSS from `/proc/<pid>/status`, in bytes. */
export function parseStatusRss(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/**
 * Reads the CPU ticks and RSS of `pid` and its descendants from `/proc` (found through
 * `/proc/<pid>/task/<pid>/children`, which needs CONFIG_PROC_CHILDREN; without it only the root
 * is counted). Two or three small file reads per process, no child process. Undefined when the
 * pid is gone or `/proc` is not there (macOS, Windows): usage is then simply not reported.
 */
export async function readProcUsage(
  pid: number,
  procRoot = "/proc",
  maxProcesses = 64,
): Promise<ProcUsage | undefined> {
  if (process.platform !== "linux" && procRoot === "/proc") return undefined;
  const usage: ProcUsage = { cpuTicks: 0, rssBytes: 0, pids: [] };
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length > 0 && usage.pids.length < maxProcesses) {
    const current = queue.shift() as number;
    if (seen.has(current)) continue;
    seen.add(current);
    const [stat, status, children] = await Promise.all([
      readText(`${procRoot}/${current}/stat`),
      readText(`${procRoot}/${current}/status`),
      readText(`${procRoot}/${current}/task/${current}/children`),
    ]);
    const ticks = stat === undefined ? undefined : parseStatTicks(stat);
    if (ticks === undefined) {
      if (current === pid) return undefined;
      continue;
    }
    usage.pids.push(current);
    usage.cpuTicks += ticks;
    usage.rssBytes += (status === undefined ? undefined : parseStatusRss(status)) ?? 0;
    for (const child of (children ?? "").split(/\s+/)) {
      const n = Number(child);
      if (child !== "" && Number.isInteger(n)) queue.push(n);
    }
  }
  return usage;
}

/** CPU % between two readings (100 = one core busy). */
export function cpuPercent(
  previous: { ticks: number; at: number },
  current: { ticks: number; at: number },
): number {
  const seconds = (current.at - previous.at) / 1000;
  if (seconds <= 0) return 0;
  const busy = (current.ticks - previous.ticks) / CLOCK_TICKS_PER_SECOND;
  return Math.max(0, Math.round((busy / seconds) * 1000) / 10);
}

/** Internal guard used by callers that need a pid. */
export function assertPid(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "pid",
      value: String(pid),
      expected: "a positive integer",
    });
  }
}
