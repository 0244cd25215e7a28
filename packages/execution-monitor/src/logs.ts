import { open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { GadugiError, sleep } from "@gadugi/error-handling";
import { isLockHolderAlive, readLock, STATE_DIR_NAME } from "@gadugi/state";

/** Where a task's files live inside a run directory. */
export interface TaskLogPaths {
  /** Setup output, raw agent output and test output, appended in that order. */
  log: string;
  /** Normalized agent events, one JSON per line. */
  events: string;
}

/** `<runDir>/logs/<taskId>.log` and `<runDir>/logs/<taskId>.events.jsonl`. */
export function taskLogPaths(runDir: string, taskId: string): TaskLogPaths {
  return {
    log: join(runDir, "logs", `${taskId}.log`),
    events: join(runDir, "logs", `${taskId}.events.jsonl`),
  };
}

/** `<repoRoot>/.gadugi/runs/<runId>`. */
export function runDirectory(repoRoot: string, runId: string): string {
  return join(repoRoot, STATE_DIR_NAME, "runs", runId);
}

export interface LocatedTaskLog extends TaskLogPaths {
  runId: string;
  runDir: string;
  taskId: string;
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

async function mtime(path: string): Promise<number> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

/** Task ids with a log in a run. */
async function loggedTasks(runDir: string): Promise<string[]> {
  const names = await listDir(join(runDir, "logs"));
  return names.filter((n) => n.endsWith(".log")).map((n) => n.slice(0, -".log".length));
}

/** slug → task id, from the `task.added` events of the run's journal. */
async function slugsOf(runDir: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(join(runDir, "events.jsonl"), "utf8");
  } catch {
    return map;
  }
  for (const line of text.split("\n")) {
    if (!line.includes('"task.added"')) continue;
    try {
      const event = JSON.parse(line) as { type?: string; task?: { id?: string; slug?: string } };
      if (event.type === "task.added" && event.task?.id && event.task.slug)
        map.set(event.task.slug, event.task.id);
    } catch {
      // A torn last line of the journal: ignored here.
    }
  }
  return map;
}

function resolveTask(task: string, ids: string[], slugs: Map<string, string>): string | undefined {
  if (ids.includes(task)) return task;
  const bySlug = slugs.get(task);
  if (bySlug && ids.includes(bySlug)) return bySlug;
  const partial = ids.filter((id) => id.includes(task));
  return partial.length === 1 ? partial[0] : undefined;
}

/**
 * Finds the log of `task` (an id, a slug, or a unique part of an id) in run `runId`, or in the
 * newest run that has a log for it. GADUGI_RUN_NOT_FOUND when the run (or any run) is missing;
 * GADUGI_INVALID_ARGUMENT naming the known tasks when the task has no log.
 */
export async function locateTaskLog(repoRoot: string, task: string, runId?: string): Promise<LocatedTaskLog> {
  const runsDir = join(repoRoot, STATE_DIR_NAME, "runs");
  let runIds: string[];
  if (runId !== undefined) {
    if ((await mtime(runDirectory(repoRoot, runId))) < 0)
      throw new GadugiError("GADUGI_RUN_NOT_FOUND", { runId });
    runIds = [runId];
  } else {
    const all = await listDir(runsDir);
    const withTimes = await Promise.all(all.map(async (id) => ({ id, at: await mtime(join(runsDir, id)) })));
    runIds = withTimes
      .filter((r) => r.at >= 0 && !r.id.startsWith("."))
      .sort((a, b) => b.at - a.at || b.id.localeCompare(a.id))
      .map((r) => r.id);
    if (runIds.length === 0) throw new GadugiError("GADUGI_RUN_NOT_FOUND", { runId: "(none yet)" });
  }
  for (const id of runIds) {
    const runDir = join(runsDir, id);
    const taskId = resolveTask(task, await loggedTasks(runDir), await slugsOf(runDir));
    if (taskId) return { runId: id, runDir, taskId, ...taskLogPaths(runDir, taskId) };
  }
  const known = runId !== undefined ? await loggedTasks(join(runsDir, runId)) : [];
  throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
    name: "<task>",
    value: task,
    expected:
      runId !== undefined
        ? `a task with a log in run ${runId}${known.length > 0 ? ` (${known.join(", ")})` : " (it has no task logs yet)"}`
        : "a task id or slug with a log in one of the runs",
  });
}

/**
 * Whether a run is still being worked on: its lock file is held by a live process on this host
 * (the recorded pid, started at the recorded time; a lock of another host counts as active).
 */
export async function isRunActive(runDir: string): Promise<boolean> {
  const info = await readLock(join(runDir, "lock"));
  if (!info) return false;
  return isLockHolderAlive(info);
}

export interface FollowOptions {
  /** Byte offset to start at. Default 0 (the whole file). */
  from?: number;
  /** Poll interval. Default 250 ms. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Checked when there is nothing new; true ends the follow (after a last read). */
  stopWhen?: () => boolean | Promise<boolean>;
}

/**
 * Calls `onData` with the file's content, then with whatever is appended, until `signal` aborts
 * or `stopWhen` says so. A file that does not exist yet is waited for. Polls (cheap: one `stat`
 * per interval) rather than fs.watch, which misses appends on some filesystems. Returns the
 * offset reached.
 */
export async function followFile(
  path: string,
  onData: (chunk: Buffer) => void,
  options: FollowOptions = {},
): Promise<number> {
  let offset = options.from ?? 0;
  const pollMs = options.pollMs ?? 250;
  const readNew = async (): Promise<boolean> => {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return false;
    }
    if (size < offset) offset = 0; // truncated or replaced: start over
    if (size === offset) return false;
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      if (bytesRead > 0) onData(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
    return true;
  };
  for (;;) {
    if (options.signal?.aborted) return offset;
    if (await readNew()) continue;
    if (options.stopWhen && (await options.stopWhen())) {
      await readNew();
      return offset;
    }
    try {
      await sleep(pollMs, options.signal, "follow");
    } catch {
      return offset;
    }
  }
}
