import { readdir } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { ExecutionPlan } from "@gadugi/interfaces";
import type { LiveEvent, Orchestrator, RunResult } from "@gadugi/orchestrator";
import type { CliIo } from "../main.js";
import { formatDuration, table } from "./shared.js";

/** Where a request on stdin comes from; tests pass their own. */
export interface StdinSource extends AsyncIterable<Buffer | string> {
  isTTY?: boolean;
}

export async function readAll(stream: StdinSource): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
  return text;
}

const GLOB = /[*?[\]{}]/;

/**
 * The prompt files a run is given: arguments (globs expanded, relative to `cwd`), `-` or a
 * non-terminal stdin with the seed's "Execute these specific prompts in parallel:" list, or every
 * prompt of the prompts directory with `allPrompts` (the analyzer skips IMPLEMENTED/COMPLETED).
 */
export async function collectPromptFiles(options: {
  args: string[];
  cwd: string;
  repoRoot: string;
  promptsDir: string;
  allPrompts?: boolean;
  stdin: StdinSource;
}): Promise<string[]> {
  const { GadugiError } = await import("@gadugi/error-handling");
  const files: string[] = [];
  const add = (f: string) => {
    if (!files.includes(f)) files.push(f);
  };
  if (options.allPrompts) {
    const dir = resolve(options.repoRoot, options.promptsDir);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      throw new GadugiError(
        "GADUGI_FILE_NOT_FOUND",
        { path: dir },
        { hint: "Set promptsDir in gadugi.config.json, or pass prompt files." },
      );
    }
    for (const name of names.filter((n) => n.endsWith(".md")).sort())
      add(relative(options.cwd, join(dir, name)));
  }
  const fromStdin =
    options.args.includes("-") ||
    (options.args.length === 0 && !options.allPrompts && options.stdin.isTTY !== true);
  let listed: string[] = [];
  if (fromStdin) {
    const { parseExecuteRequest } = await import("@gadugi/task-analyzer");
    listed = parseExecuteRequest(await readAll(options.stdin)).files;
    if (listed.length === 0) {
      throw new GadugiError("GADUGI_NO_TASKS", {
        reason:
          'stdin lists no prompt files (expected "Execute these specific prompts in parallel:" and "- file.md" lines)',
      });
    }
    if (options.args.length === 0) for (const f of listed) add(f);
  }
  for (const arg of options.args) {
    // Where `-` stands, stdin's list goes.
    if (arg === "-") {
      for (const f of listed) add(f);
      continue;
    }
    if (!GLOB.test(arg)) {
      add(arg);
      continue;
    }
    const { glob } = await import("tinyglobby");
    const matches = await glob(arg, { cwd: options.cwd, absolute: false, onlyFiles: true, dot: true });
    if (matches.length === 0) {
      throw new GadugiError("GADUGI_FILE_NOT_FOUND", { path: arg }, { hint: "The pattern matched no file." });
    }
    for (const m of matches.sort()) add(m);
  }
  if (files.length === 0) {
    throw new GadugiError("GADUGI_NO_TASKS", { reason: "no prompt files were given" });
  }
  return files.map((f) => (isAbsolute(f) ? relative(options.cwd, f) : f));
}

/**
 * Runs `action` with live progress (a line per task on a terminal, plain lines in CI, JSON events
 * with --json) and shutdown handlers: SIGINT/SIGTERM cancel every task, kill their process groups
 * and record the run before the command ends with 130/143.
 */
export async function withProgress(
  io: CliIo,
  options: { json?: boolean; quiet?: boolean },
  action: (hooks: { signal: AbortSignal; onEvent: (event: unknown) => void }) => Promise<RunResult>,
): Promise<RunResult> {
  const { chooseProgressMode, createProgressRenderer, installShutdownHandlers } = await import(
    "@gadugi/execution-monitor"
  );
  const mode = chooseProgressMode({
    json: options.json === true,
    isTTY: process.stderr.isTTY === true,
    env: process.env,
  });
  const renderer = options.quiet
    ? undefined
    : createProgressRenderer(
        mode === "json"
          ? { mode, stream: { write: (t: string) => io.stdout(t) } }
          : { mode, stream: process.stderr },
      );
  const controller = new AbortController();
  let running: Promise<RunResult> | undefined;
  let signalExit: number | undefined;
  const uninstall = installShutdownHandlers(controller, {
    settle: () => running ?? Promise.resolve(),
    onStopping: (info) => {
      // Known at once: the run's own result arrives before the handlers finish settling.
      signalExit = info.exitCode;
      io.stderr(`\n${info.signal}: stopping every task (again to force)…\n`);
    },
  });
  try {
    running = action({
      signal: controller.signal,
      onEvent: (event) => {
        const e = event as LiveEvent;
        if (e.type === "agent.event" && e.live) return;
        renderer?.handle(event as Parameters<NonNullable<typeof renderer>["handle"]>[0]);
      },
    });
    const result = await running;
    renderer?.close();
    if (signalExit !== undefined) io.setExitCode?.(signalExit);
    else io.setExitCode?.(result.status === "completed" ? 0 : result.status === "cancelled" ? 130 : 1);
    return result;
  } finally {
    renderer?.close();
    uninstall();
  }
}

/** The end-of-run summary: per-task result, measured speedup, integration branch, report files. */
export function printSummary(io: CliIo, result: RunResult, repoRoot: string): void {
  const { report } = result;
  const m = report.metrics;
  const rows = [["TASK", "STATUS", "DURATION", "FILES", "MERGE", "NOTE"]];
  for (const t of report.tasks) {
    rows.push([
      t.slug,
      t.status,
      formatDuration(t.durationMs),
      String(t.filesChanged.length),
      t.merge
        ? `${t.merge.status}${t.merge.conflictFiles.length ? ` (${t.merge.conflictFiles.join(", ")})` : ""}`
        : "—",
      t.error ?? "",
    ]);
  }
  io.stdout(`\nrun ${report.runId}: ${report.status}\n`);
  io.stdout(table(rows));
  // The time of failed tasks over the wall time is no gain: a speedup is shown once a task completed
  // (the rule of the orchestrator's speedupText, which is not loaded here).
  const gain =
    m.tasksCompleted > 0
      ? `measured speedup ${m.speedup.toFixed(2)}× · parallel efficiency ${(m.parallelEfficiency * 100).toFixed(0)}% of ${m.maxParallel}`
      : "no speedup: no task completed";
  io.stdout(
    `\nwall ${formatDuration(m.wallTimeMs)} · sum of task durations ${formatDuration(m.sumTaskDurationsMs)} · ${gain}\n`,
  );
  if (report.integrationBranch) {
    const tests = report.integrationTests;
    const verdict =
      tests === undefined
        ? "not tested"
        : tests.command.length === 0
          ? (tests.reason ?? "not tested")
          : `tests ${tests.ok ? "passed" : "FAILED"} (${tests.command.join(" ")})`;
    io.stdout(`integration branch ${report.integrationBranch}: ${verdict}\n`);
  }
  for (const w of report.warnings) io.stdout(`warning: ${w}\n`);
  io.stdout(`report: ${relative(repoRoot, result.reportFiles.markdown)} (also .html, .json)\n`);
}

/** `--dry-run`: the plan, and nothing changed. */
export async function printPlan(io: CliIo, plan: ExecutionPlan, json: boolean): Promise<void> {
  if (json) {
    io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
    return;
  }
  const { renderPlanTable } = await import("@gadugi/task-analyzer");
  io.stdout(renderPlanTable(plan));
  io.stdout("\n(dry run: nothing was changed)\n");
}

export type { Orchestrator };
