import { Command } from "commander";
import type { CliIo } from "../main.js";
import { addRunOptions, type RunCommandOptions, runPrompts } from "./run.js";
import type { StdinSource } from "./run-support.js";

interface ExecuteOptions extends RunCommandOptions {
  parallel: boolean;
  tasks?: string;
  conflictCheck?: boolean;
  smartScheduling?: boolean;
}

/**
 * The seed's interface: `orchestrator-agent execute --parallel --tasks=a.md,b.md`, also
 * `--all-prompts` and the stdin form "Execute these specific prompts in parallel:\n- a.md".
 * Import-coupled tasks are handled as in `gadugi run`: the config's `analysis.softEdges`
 * (serialize by default); `--conflict-check` / `--no-conflict-check` (or `--soft-edges`) override
 * it. Tasks writing the same file are always serialized. Scheduling is always "smart" (longest
 * critical path first, resource governor): `--smart-scheduling` is accepted for the seed's sake.
 */
export function executeCommand(io: CliIo, stdin: StdinSource = process.stdin): Command {
  return addRunOptions(
    new Command("execute")
      .description(
        "execute prompt files in parallel through the full workflow (the orchestrator-agent interface)",
      )
      .argument("[prompts...]", "prompt files or globs (also --tasks, --all-prompts or the stdin request)"),
  )
    .option("--parallel", "run independent tasks in parallel (default)", true)
    .option("--no-parallel", "run one task at a time")
    .option("--tasks <files>", "comma-separated prompt files")
    .option(
      "--conflict-check",
      "serialize tasks coupled through imports, not only those writing the same file (default: analysis.softEdges of the config, serialize)",
    )
    .option("--no-conflict-check", "only warn about tasks coupled through imports")
    .option("--smart-scheduling", "longest critical path first, with the resource governor (always on)")
    .action((prompts: string[], options: ExecuteOptions) => {
      const fromTasks = (options.tasks ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean);
      const runOptions: RunCommandOptions = {
        ...options,
        ...(options.parallel ? {} : { maxParallel: "1" }),
        ...(options.softEdges || options.conflictCheck === undefined
          ? {}
          : { softEdges: options.conflictCheck ? "serialize" : "warn" }),
      };
      return runPrompts(io, [...fromTasks, ...prompts], runOptions, stdin);
    });
}
