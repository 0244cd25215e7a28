import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { Command } from "commander";
import type { CliIo } from "../main.js";

interface LogsOptions {
  run?: string;
  follow?: boolean;
  cwd: string;
  json?: boolean;
}

/** The nearest directory from `start` upwards that holds `.gadugi/runs`; `start` when none does. */
function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, ".gadugi", "runs"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** `gadugi logs <task>`: print (or follow) one task's log from the latest run or `--run <id>`. */
export function logsCommand(io: CliIo): Command {
  return new Command("logs")
    .description(
      "print one task's log (setup, agent and test output); --follow keeps printing while the run goes on",
    )
    .argument("<task>", "task id, slug, or a unique part of the id")
    .option("--run <id>", "the run (default: the latest run with a log for this task)")
    .option("-f, --follow", "keep printing what is appended until the run ends (or Ctrl-C)")
    .option("--cwd <dir>", "repository root (default: the current directory)", process.cwd())
    .option(
      "--json",
      "print the task's normalized agent events (one JSON object per line) instead of the raw log",
    )
    .action(async (task: string, options: LogsOptions) => {
      const { followFile, isRunActive, locateTaskLog } = await import("@gadugi/execution-monitor");
      const located = await locateTaskLog(findRepoRoot(options.cwd), task, options.run);
      const path = options.json ? located.events : located.log;
      if (!options.json) io.stderr(`==> run ${located.runId}, task ${located.taskId}: ${located.log}\n`);
      if (!options.follow) {
        const text = await readFile(path, "utf8").catch(() => "");
        io.stdout(text);
        return;
      }
      const decoder = new StringDecoder("utf8");
      await followFile(path, (chunk) => io.stdout(decoder.write(chunk)), {
        stopWhen: async () => !(await isRunActive(located.runDir)),
      });
      const rest = decoder.end();
      if (rest) io.stdout(rest);
    });
}
