import { resolve } from "node:path";
import { Command, Option } from "commander";
import type { CliIo } from "../main.js";
import {
  collectPromptFiles,
  printPlan,
  printSummary,
  type StdinSource,
  withProgress,
} from "./run-support.js";
import { CWD_OPTION, repoRootOf } from "./shared.js";

export interface RunCommandOptions {
  cwd?: string;
  config?: string;
  maxParallel?: string;
  agent?: string;
  base?: string;
  dryRun?: boolean;
  timeout?: string;
  json?: boolean;
  integrate: boolean;
  keepWorktrees?: boolean;
  allPrompts?: boolean;
  softEdges?: "serialize" | "warn";
}

function positiveInt(name: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER) {
  return async (): Promise<number | undefined> => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      const { GadugiError } = await import("@gadugi/error-handling");
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name,
        value,
        expected: `a whole number from 1 to ${max}`,
      });
    }
    return n;
  };
}

/** Runs prompt files end to end; shared by `gadugi run` and `orchestrator-agent execute`. */
export async function runPrompts(
  io: CliIo,
  args: string[],
  options: RunCommandOptions,
  stdin: StdinSource,
): Promise<void> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const repoRoot = await repoRootOf(cwd);
  const { loadConfig, Orchestrator } = await import("@gadugi/orchestrator");
  const loaded = await loadConfig(repoRoot, options.config ? { file: resolve(cwd, options.config) } : {});
  const config = loaded.config;
  if (options.softEdges) config.analysis.softEdges = options.softEdges;
  const maxParallel = await positiveInt("--max-parallel", options.maxParallel, 64)();
  const timeoutSec = await positiveInt("--timeout", options.timeout)();
  const promptFiles = await collectPromptFiles({
    args,
    cwd,
    repoRoot,
    promptsDir: config.promptsDir,
    allPrompts: options.allPrompts === true,
    stdin,
  });
  if (options.dryRun) {
    const plan = await new Orchestrator({ repoRoot, config }).plan({ promptFiles, cwd });
    await printPlan(io, plan, options.json === true);
    return;
  }
  const result = await withProgress(io, { json: options.json === true }, ({ signal, onEvent }) =>
    new Orchestrator({ repoRoot, config, onEvent }).run({
      promptFiles,
      cwd,
      signal,
      integrate: options.integrate,
      ...(maxParallel === undefined ? {} : { maxParallel }),
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      ...(options.base === undefined ? {} : { baseRef: options.base }),
      ...(timeoutSec === undefined ? {} : { timeoutSec }),
      ...(options.keepWorktrees ? { keepWorktrees: true } : {}),
    }),
  );
  if (options.json)
    io.stdout(
      `${JSON.stringify({ type: "run.report", report: result.report, files: result.reportFiles })}\n`,
    );
  else printSummary(io, result, repoRoot);
}

export function addRunOptions(command: Command): Command {
  return command
    .option(...CWD_OPTION)
    .option("--config <file>", "config file (default: gadugi.config.json or .yaml at the repository root)")
    .option("--max-parallel <n>", "tasks running at once (default: maxParallel of the config, 4)")
    .option(
      "--agent <name>",
      "default agent: claude, codex, gemini, opencode, aider, command, or one from the config",
    )
    .option("--base <ref>", "what task branches start from (default: the current branch)")
    .option("--dry-run", "print the plan and change nothing")
    .option("--timeout <seconds>", "wall-clock limit per task")
    .option("--json", "JSON events on stdout, then the report")
    .option("--no-integrate", "do not merge results onto an integration branch")
    .option("--keep-worktrees", "leave the task worktrees in place after the run")
    .option("--all-prompts", "every prompt in the prompts directory not marked IMPLEMENTED/COMPLETED")
    .addOption(
      new Option("--soft-edges <policy>", "import-coupled tasks: serialize them, or only warn").choices([
        "serialize",
        "warn",
      ]),
    );
}

/** `gadugi run <prompt files or globs...>` */
export function runCommand(io: CliIo, stdin: StdinSource = process.stdin): Command {
  return addRunOptions(
    new Command("run")
      .description(
        "run prompt files in parallel, each task in its own worktree through the full workflow, then merge and test the results",
      )
      .argument(
        "[prompts...]",
        'prompt files or globs; "-" reads an "Execute these specific prompts" list from stdin',
      ),
  ).action((prompts: string[], options: RunCommandOptions) => runPrompts(io, prompts, options, stdin));
}
