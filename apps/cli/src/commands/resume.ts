import { resolve } from "node:path";
import { Command } from "commander";
import type { CliIo } from "../main.js";
import { addQueueOptions, type QueueCliOptions, resumeQueueOptions } from "./queue-options.js";
import { printSummary, withProgress } from "./run-support.js";
import {
  BUDGET_TOKENS_OPTION,
  CWD_OPTION,
  MAX_PARALLEL_OPTION,
  parseBudgetTokens,
  parseBudgetUsd,
  parseMaxParallel,
  parseTimeout,
  repoRootOf,
  resolveRunId,
} from "./shared.js";

interface ResumeCommandOptions extends QueueCliOptions {
  cwd?: string;
  maxParallel?: string;
  agent?: string;
  timeout?: string;
  maxBudgetUsd?: string;
  maxBudgetTokens?: string;
  config?: string;
  keepWorktrees?: boolean;
  json?: boolean;
}

/** `gadugi resume <run>`: continue a run after a crash, kill -9 or cancel. */
export function resumeCommand(io: CliIo): Command {
  const command = new Command("resume")
    .description(
      "continue a run: finished tasks are kept, the others continue from their last completed phase",
    )
    .argument("[run]", "run id or unique prefix (default: the newest run)")
    .option(...CWD_OPTION)
    .option(...MAX_PARALLEL_OPTION)
    .option("--agent <name>", "another default agent for the tasks still to run (default: the run's own)")
    .option("--timeout <duration>", "another limit of each agent run (default: the run's own)")
    .option(
      "--max-budget-usd <usd>",
      "a new budget for the whole run in USD (a run the budget stopped continues with a higher one; default: the run's own)",
    )
    .option(BUDGET_TOKENS_OPTION[0], "a new budget for the whole run in tokens (default: the run's own)")
    .option("--config <file>", "another config file (default: the one the run started with, read again)")
    .option("--keep-worktrees", "leave the task worktrees in place after the run")
    .option("--json", "JSON events on stdout, then the report");
  return addQueueOptions(command).action(async (run: string | undefined, options: ResumeCommandOptions) => {
    // The run's journaled settings (agent, limits, config file, switches) apply; a flag overrides one.
    const maxParallel = await parseMaxParallel(options.maxParallel);
    const timeoutSec = await parseTimeout(options.timeout);
    const maxBudgetUsd = await parseBudgetUsd(options.maxBudgetUsd);
    const maxBudgetTokens = await parseBudgetTokens(options.maxBudgetTokens);
    const cwd = resolve(options.cwd ?? process.cwd());
    const repoRoot = await repoRootOf(cwd);
    const runId = await resolveRunId(repoRoot, run);
    const { loadConfig, Orchestrator } = await import("@gadugi/orchestrator");
    const loaded = options.config
      ? await loadConfig(repoRoot, { file: resolve(cwd, options.config) })
      : undefined;
    const queue = await resumeQueueOptions(options, repoRoot, runId);
    const result = await withProgress(io, { json: options.json === true }, ({ signal, onEvent }) =>
      new Orchestrator({
        repoRoot,
        onEvent,
        ...(queue === undefined ? {} : { queue }),
        ...(loaded ? { config: loaded.config, ...(loaded.file ? { configFile: loaded.file } : {}) } : {}),
      }).resume({
        runId,
        signal,
        ...(maxParallel === undefined ? {} : { maxParallel }),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
        ...(timeoutSec === undefined ? {} : { timeoutSec }),
        ...(options.keepWorktrees ? { keepWorktrees: true } : {}),
        ...(maxBudgetUsd === undefined ? {} : { maxBudgetUsd }),
        ...(maxBudgetTokens === undefined ? {} : { maxBudgetTokens }),
      }),
    );
    if (options.json)
      io.stdout(
        `${JSON.stringify({ type: "run.report", report: result.report, files: result.reportFiles })}\n`,
      );
    else printSummary(io, result, repoRoot);
  });
}
