import { resolve } from "node:path";
import { Command, Option } from "commander";
import type { CliIo } from "../main.js";
import { addQueueOptions, type QueueCliOptions, queueRunOptions } from "./queue-options.js";
import {
  collectPromptFiles,
  printPlan,
  printSummary,
  type StdinSource,
  withProgress,
} from "./run-support.js";
import {
  BUDGET_TOKENS_OPTION,
  BUDGET_USD_OPTION,
  CWD_OPTION,
  MAX_PARALLEL_OPTION,
  parseBudgetTokens,
  parseBudgetUsd,
  parseMaxParallel,
  parseTimeout,
  repoRootOf,
} from "./shared.js";

export interface RunCommandOptions extends QueueCliOptions {
  cwd?: string;
  config?: string;
  maxParallel?: string;
  agent?: string;
  base?: string;
  dryRun?: boolean;
  timeout?: string;
  maxBudgetUsd?: string;
  maxBudgetTokens?: string;
  json?: boolean;
  integrate: boolean;
  keepWorktrees?: boolean;
  allPrompts?: boolean;
  softEdges?: "serialize" | "warn";
  /** `--no-merge-rules`: false. */
  mergeRules?: boolean;
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
  if (options.mergeRules === false) config.integration.mergeRules = false;
  const maxParallel = await parseMaxParallel(options.maxParallel);
  const timeoutSec = await parseTimeout(options.timeout);
  const maxBudgetUsd = await parseBudgetUsd(options.maxBudgetUsd);
  const maxBudgetTokens = await parseBudgetTokens(options.maxBudgetTokens);
  const promptFiles = await collectPromptFiles({
    args,
    cwd,
    repoRoot,
    promptsDir: config.promptsDir,
    allPrompts: options.allPrompts === true,
    stdin,
  });
  const request = {
    promptFiles,
    cwd,
    integrate: options.integrate,
    ...(maxParallel === undefined ? {} : { maxParallel }),
    ...(options.agent === undefined ? {} : { agent: options.agent }),
    ...(options.base === undefined ? {} : { baseRef: options.base }),
    ...(timeoutSec === undefined ? {} : { timeoutSec }),
    ...(options.keepWorktrees ? { keepWorktrees: true } : {}),
    ...(maxBudgetUsd === undefined ? {} : { maxBudgetUsd }),
    ...(maxBudgetTokens === undefined ? {} : { maxBudgetTokens }),
  };
  if (options.dryRun) {
    // The same checks as the run (agents, commands, base ref, limits), then the plan.
    const plan = await new Orchestrator({ repoRoot, config }).dryRun(request);
    await printPlan(io, plan, options.json === true);
    return;
  }
  const queue = queueRunOptions(options, process.env, config.queue);
  const result = await withProgress(io, { json: options.json === true }, ({ signal, onEvent }) =>
    new Orchestrator({
      repoRoot,
      config,
      ...(queue === undefined ? {} : { queue }),
      ...(loaded.file === undefined ? {} : { configFile: loaded.file }),
      onEvent,
    }).run({ ...request, signal }),
  );
  if (options.json)
    io.stdout(
      `${JSON.stringify({ type: "run.report", report: result.report, files: result.reportFiles })}\n`,
    );
  else printSummary(io, result, repoRoot);
}

export function addRunOptions(command: Command): Command {
  return addQueueOptions(command)
    .option(...CWD_OPTION)
    .option("--config <file>", "config file (default: gadugi.config.json or .yaml at the repository root)")
    .option(...MAX_PARALLEL_OPTION)
    .option(
      "--agent <name>",
      "default agent: claude, codex, gemini, opencode, aider, command, or one from the config",
    )
    .option("--base <ref>", "what task branches start from (default: the current branch)")
    .option("--dry-run", "check everything a run would check, print the plan, change nothing")
    .option(
      "--timeout <duration>",
      'wall-clock limit of each agent run of a task (implementation, each test fix, documentation), e.g. "90s", "30m", "1h30m" or seconds; a prompt\'s own `timeout` wins (default: the agent\'s timeoutSec, else taskTimeoutSec, 1h)',
    )
    .option(...BUDGET_USD_OPTION)
    .option(...BUDGET_TOKENS_OPTION)
    .option("--json", "JSON events on stdout, then the report")
    .option("--no-integrate", "do not merge results onto an integration branch")
    .option(
      "--no-merge-rules",
      "no merge rules for hotspot files (CHANGELOG, version fields, lockfiles): tasks sharing them wait for each other and their conflicts take the re-run path",
    )
    .option("--keep-worktrees", "leave the task worktrees in place after the run")
    .option("--all-prompts", "every prompt in the prompts directory not marked IMPLEMENTED/COMPLETED")
    .addOption(
      new Option(
        "--soft-edges <policy>",
        "import-coupled tasks: serialize them, or only warn (default: analysis.softEdges of the config, serialize)",
      ).choices(["serialize", "warn"]),
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
