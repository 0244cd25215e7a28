import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";

/** `--queue` and `--remote` of the commands that run tasks (run, resume). */
export function addQueueOptions(command: Command): Command {
  return command
    .option(
      "--queue <url>",
      "run each task on `gadugi worker`s fed through this Redis: redis://[:password@]host:port[/db] or rediss:// (default: $GADUGI_QUEUE_URL; none: tasks run here)",
    )
    .option(
      "--remote <name>",
      "the git remote workers fetch from and push to (with --queue; default: origin)",
    );
}

export interface QueueCliOptions {
  queue?: string;
  remote?: string;
}

/**
 * The queue a run uses: --queue, else GADUGI_QUEUE_URL, else the config's `queue.url`, else none
 * (tasks run in this process). The remote: --remote, else `queue.remote`, else origin.
 */
/** The queue URL given on the command line, else GADUGI_QUEUE_URL (an empty one counts as unset). */
export function givenQueueUrl(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return option ?? (env.GADUGI_QUEUE_URL || undefined);
}

/** `givenQueueUrl`, required: GADUGI_INVALID_ARGUMENT naming `--queue` when there is none. */
export async function requiredQueueUrl(option: string | undefined): Promise<string> {
  const url = givenQueueUrl(option);
  if (url !== undefined) return url;
  const { GadugiError } = await import("@gadugi/error-handling");
  throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
    name: "--queue",
    value: "",
    expected: "the queue's URL, redis://[:password@]host:port[/db] (or set GADUGI_QUEUE_URL)",
  });
}

export function queueRunOptions(
  options: QueueCliOptions,
  env: NodeJS.ProcessEnv = process.env,
  config: { url?: string; remote?: string } = {},
): { url: string; remote?: string } | undefined {
  const url = givenQueueUrl(options.queue, env) ?? config.url;
  if (url === undefined) return undefined;
  const remote = options.remote ?? config.remote;
  return { url, ...(remote === undefined ? {} : { remote }) };
}

/**
 * The queue a resume uses: the given one (--queue, GADUGI_QUEUE_URL), else the one the run used
 * when its URL had no password (workers.json keeps it masked), else none: the run goes on here.
 */
export async function resumeQueueOptions(
  options: QueueCliOptions,
  repoRoot: string,
  runId: string,
): Promise<{ url: string; remote?: string } | undefined> {
  const given = queueRunOptions(options);
  const { readTaskWorkers } = await import("@gadugi/orchestrator");
  const used = await readTaskWorkers(repoRoot, runId);
  if (!("queue" in used)) return given;
  const remote = options.remote ?? used.remote;
  if (given !== undefined) return { ...given, remote };
  if (used.queue.includes("***")) {
    const { GadugiError } = await import("@gadugi/error-handling");
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "--queue",
      value: used.queue,
      expected: `the queue's URL with its password: run ${runId} ran on that queue (or set GADUGI_QUEUE_URL)`,
    });
  }
  return { url: used.queue, remote };
}

/** Which worker runs each task of a queued run (`workers.json`; empty for a local run). */
export async function taskPlacement(repoRoot: string, runId: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(join(repoRoot, ".gadugi", "runs", runId, "workers.json"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  const placed = JSON.parse(text) as { tasks?: Record<string, { worker: { host: string; pid: number } }> };
  return Object.fromEntries(
    Object.entries(placed.tasks ?? {}).map(([task, p]) => [task, `${p.worker.host}:${p.worker.pid}`]),
  );
}

/**
 * The queue of a run that used one (workers.json): the URL to reach it (--queue, GADUGI_QUEUE_URL,
 * or the run's own when it has no password) and its masked form; undefined for a local run.
 */
export async function queuedRunUrl(
  options: QueueCliOptions,
  repoRoot: string,
  runId: string,
): Promise<{ url?: string; masked: string } | undefined> {
  const { readTaskWorkers } = await import("@gadugi/orchestrator");
  const used = await readTaskWorkers(repoRoot, runId);
  if (!("queue" in used)) return undefined;
  const given = givenQueueUrl(options.queue);
  if (given !== undefined) return { url: given, masked: used.queue };
  return used.queue.includes("***") ? { masked: used.queue } : { url: used.queue, masked: used.queue };
}
