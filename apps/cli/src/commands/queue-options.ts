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

/** The queue a run uses: --queue, else GADUGI_QUEUE_URL, else none (tasks run in this process). */
export function queueRunOptions(
  options: QueueCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): { url: string; remote?: string } | undefined {
  const url = options.queue ?? (env.GADUGI_QUEUE_URL || undefined);
  if (url === undefined) return undefined;
  return { url, ...(options.remote === undefined ? {} : { remote: options.remote }) };
}
