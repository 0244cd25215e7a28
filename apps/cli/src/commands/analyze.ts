import { resolve } from "node:path";
import { Command, Option } from "commander";
import type { CliIo } from "../main.js";
import { collectPromptFiles, type StdinSource } from "./run-support.js";
import { CWD_OPTION, repoRootOf } from "./shared.js";

interface AnalyzeCommandOptions {
  cwd?: string;
  config?: string;
  json?: boolean;
  mermaid?: boolean;
  softEdges?: "serialize" | "warn";
  importDepth?: string;
  cache: boolean;
  /** `--no-merge-rules`: false. */
  mergeRules: boolean;
  allPrompts?: boolean;
}

/**
 * `gadugi analyze <prompt files or globs...>`: the execution plan for a set of prompts (tasks,
 * what waits for what and why, parallel levels), as a table, JSON (`--json`, the ExecutionPlan
 * schema) or a Mermaid flowchart. The prompts are given as `gadugi run` takes them: files, globs
 * (expanded here too, so a quoted `"prompts/*.md"` works), `--all-prompts`, or `-` (or no files
 * and stdin not a terminal) for the "Execute these specific prompts in parallel:" list on stdin.
 * The config's `analysis` settings and `promptsDir` apply; `--soft-edges` and `--import-depth`
 * override them.
 */
export function analyzeCommand(io: CliIo, stdin: StdinSource = process.stdin): Command {
  const command = new Command("analyze")
    .description(
      "show the execution plan for prompt files: target files, dependencies, conflicts, import coupling and parallel levels",
    )
    .argument(
      "[prompts...]",
      'prompt files (markdown) or globs; "-" reads an "Execute these specific prompts" list from stdin',
    )
    .option("--all-prompts", "every prompt in the prompts directory not marked IMPLEMENTED/COMPLETED")
    .option(...CWD_OPTION)
    .option("--config <file>", "config file (default: gadugi.config.json/.yaml in the repository root)")
    .option("--json", "print the plan as JSON (the ExecutionPlan schema)")
    .addOption(new Option("--mermaid", "print the plan as a Mermaid flowchart").conflicts("json"))
    .addOption(
      new Option(
        "--soft-edges <policy>",
        "import coupling: serialize the coupled tasks, or only warn",
      ).choices(["serialize", "warn"]),
    )
    .option("--import-depth <n>", "import hops that still couple two tasks (1-10, default 1)")
    .option("--no-cache", "do not read or write the import-graph cache (.gadugi/cache)")
    .option("--no-merge-rules", "plan without merge rules: tasks sharing any file wait for each other");
  // Usage errors go through main's error handler (exit 2) and the given io, like the program's.
  command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return command.action(async (prompts: string[], options: AnalyzeCommandOptions) => {
    const { GadugiError } = await import("@gadugi/error-handling");
    const importDepth = parseImportDepth(options.importDepth, GadugiError);
    const cwd = resolve(options.cwd ?? process.cwd());
    const repoRoot = await repoRootOf(cwd);
    const { loadConfig } = await import("@gadugi/orchestrator");
    const { config } = await loadConfig(
      repoRoot,
      options.config ? { file: resolve(cwd, options.config) } : {},
    );
    const { analyze, renderPlanMermaid, renderPlanTable } = await import("@gadugi/task-analyzer");
    const files = await collectPromptFiles({
      args: prompts,
      cwd,
      repoRoot,
      promptsDir: config.promptsDir,
      allPrompts: options.allPrompts === true,
      stdin,
    });
    const { plan, graph } = await analyze({
      repoRoot,
      cwd,
      promptFiles: files,
      promptsDir: config.promptsDir,
      cache: options.cache,
      mergeRules: options.mergeRules === false ? false : config.integration.mergeRules,
      config: {
        ...config.analysis,
        ...(options.softEdges ? { softEdges: options.softEdges } : {}),
        ...(importDepth !== undefined ? { importDepth } : {}),
      },
    });
    if (options.json) {
      io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
      return;
    }
    if (options.mermaid) {
      io.stdout(renderPlanMermaid(plan));
      return;
    }
    io.stdout(renderPlanTable(plan));
    if (graph) {
      io.stderr(
        `import coupling: read the imports of ${graph.files} files (${graph.fromCache} from cache), found ${graph.edges}, in ${graph.ms} ms\n`,
      );
    }
  });
}

/** `--import-depth`: a whole number from 1 to 10, or unset. */
function parseImportDepth(
  value: string | undefined,
  GadugiError: typeof import("@gadugi/error-handling").GadugiError,
): number | undefined {
  if (value === undefined) return undefined;
  const depth = Number(value);
  if (!Number.isInteger(depth) || depth < 1 || depth > 10) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "--import-depth",
      value,
      expected: "a whole number from 1 to 10",
    });
  }
  return depth;
}
