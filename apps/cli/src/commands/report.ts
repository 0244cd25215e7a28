import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import type { CliIo } from "../main.js";
import { CWD_OPTION, repoRootOf, resolveRunId } from "./shared.js";

/** `gadugi report [run]`: the report written at the end of a run. */
export function reportCommand(io: CliIo): Command {
  return new Command("report")
    .description("print a run's report: tasks, phases, merges, measured speedup and a Gantt chart")
    .argument("[run]", "run id or unique prefix (default: the newest run)")
    .option(...CWD_OPTION)
    .option("--json", "print the report as JSON")
    .addOption(
      new Option("--format <format>", "markdown, json, html, or path (the report files)").choices([
        "markdown",
        "json",
        "html",
        "path",
      ]),
    )
    .action(async (run: string | undefined, options: { cwd?: string; json?: boolean; format?: string }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const runId = await resolveRunId(repoRoot, run);
      const { Orchestrator, runFiles } = await import("@gadugi/orchestrator");
      const report = await new Orchestrator({ repoRoot }).report(runId);
      const files = runFiles(repoRoot, runId);
      const format = options.json ? "json" : (options.format ?? "markdown");
      if (format === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else if (format === "path")
        io.stdout(`${files.reportMarkdown}\n${files.reportHtml}\n${files.reportJson}\n`);
      else if (format === "html") io.stdout(await readFile(files.reportHtml, "utf8"));
      else io.stdout(await readFile(files.reportMarkdown, "utf8"));
    });
}
