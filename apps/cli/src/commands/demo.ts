import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import type { CliIo } from "../main.js";
import { printSummary, withProgress } from "./run-support.js";
import { MAX_PARALLEL_OPTION, parseMaxParallel } from "./shared.js";

/**
 * `gadugi demo`: the embedded default, offline. Creates the sample repository (eight prompts that
 * share files, import each other's modules and declare dependencies), runs the whole pipeline with
 * its built-in command agent, merges and tests the results, and prints the report.
 */
export function demoCommand(io: CliIo): Command {
  return new Command("demo")
    .description(
      "run the whole pipeline on a generated sample repository with the built-in command agent (offline)",
    )
    .option("--dir <path>", "where to create the sample repository (default: a new temporary directory)")
    .option(...MAX_PARALLEL_OPTION)
    .option("--json", "JSON events on stdout, then the report")
    .action(async (options: { dir?: string; maxParallel?: string; json?: boolean }) => {
      const maxParallel = await parseMaxParallel(options.maxParallel);
      const { createSampleRepo, loadConfig, Orchestrator } = await import("@gadugi/orchestrator");
      const dir = options.dir
        ? resolve(options.dir)
        : join(await mkdtemp(join(tmpdir(), "gadugi-demo-")), "sample");
      const sample = await createSampleRepo(dir);
      if (!options.json) io.stdout(`sample repository: ${dir} (${sample.promptFiles.length} prompts)\n\n`);
      const { config } = await loadConfig(dir);
      const result = await withProgress(io, { json: options.json === true }, ({ signal, onEvent }) =>
        new Orchestrator({ repoRoot: dir, config, github: false, onEvent }).run({
          promptFiles: sample.promptFiles,
          signal,
          ...(maxParallel === undefined ? {} : { maxParallel }),
        }),
      );
      if (options.json) {
        io.stdout(
          `${JSON.stringify({ type: "run.report", report: result.report, files: result.reportFiles })}\n`,
        );
        return;
      }
      printSummary(io, result, dir);
      io.stdout(
        `\nLook around: cd ${dir} && git log --oneline --graph ${result.report.integrationBranch ?? "--all"}\n`,
      );
    });
}
