import { resolve } from "node:path";

/** The `--cwd` option every command takes. */
export const CWD_OPTION = [
  "--cwd <dir>",
  "run as if started in <dir> (default: the current directory)",
] as const;

/**
 * `--max-parallel <n>` of every command that runs tasks (run, execute, resume, demo): undefined when
 * not given, else a whole number from 1 to the config schema's maximum (GADUGI_INVALID_ARGUMENT).
 */
export async function parseMaxParallel(value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { checkMaxParallel } = await import("@gadugi/orchestrator");
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  try {
    checkMaxParallel(n);
  } catch (error) {
    const { GadugiError } = await import("@gadugi/error-handling");
    if (GadugiError.is(error, "GADUGI_INVALID_ARGUMENT")) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", { ...error.args, value });
    }
    throw error;
  }
  return n;
}

/** `--timeout <duration>`: seconds, read like every duration setting ("90s", "30m", "1h30m", 600). */
export async function parseTimeout(value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { DURATION_FORMS, parseDuration } = await import("@gadugi/interfaces");
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    const { GadugiError } = await import("@gadugi/error-handling");
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", { name: "--timeout", value, expected: DURATION_FORMS });
  }
  return seconds;
}

/** `--max-budget-usd` ("2", "0.50", "$5"): a USD amount above 0. */
export async function parseBudgetUsd(
  value: string | undefined,
  flag = "--max-budget-usd",
): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const usd = Number(value.trim().replace(/^\$/, ""));
  if (!Number.isFinite(usd) || usd <= 0) {
    const { GadugiError } = await import("@gadugi/error-handling");
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: flag,
      value,
      expected: "an amount in USD above 0, such as 5 or 0.50",
    });
  }
  return usd;
}

/** `--max-budget-tokens`: a whole number of tokens above 0. */
export async function parseBudgetTokens(value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const tokens = Number(value.replace(/[_,]/g, ""));
  if (!Number.isInteger(tokens) || tokens <= 0) {
    const { GadugiError } = await import("@gadugi/error-handling");
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "--max-budget-tokens",
      value,
      expected: "a whole number of tokens above 0, such as 2000000",
    });
  }
  return tokens;
}

/** The budget flags of `run` and `resume`. */
export const BUDGET_USD_OPTION = [
  "--max-budget-usd <usd>",
  "the whole run's budget in USD: no task starts once it is reached, and running agents are stopped (default: budget.maxUsd of the config)",
] as const;
export const BUDGET_TOKENS_OPTION = [
  "--max-budget-tokens <n>",
  "the whole run's budget in tokens (default: budget.maxTokens of the config)",
] as const;

/**
 * The config schema's maximum of `maxParallel` (`MAX_PARALLEL` of @gadugi/interfaces, which
 * shared.test.ts checks), held here so that building the program for `--help` loads no zod schema.
 */
export const MAX_PARALLEL = 64;

/** The `--max-parallel` option of the commands that run tasks. */
export const MAX_PARALLEL_OPTION = [
  "--max-parallel <n>",
  `tasks running at once, 1 to ${MAX_PARALLEL} (default: maxParallel of the config, 4)`,
] as const;

/** The repository root containing `cwd` (GADUGI_NOT_A_GIT_REPO outside one). */
export async function repoRootOf(cwd: string | undefined): Promise<string> {
  const { GitClient } = await import("@gadugi/git");
  return GitClient.findRoot(resolve(cwd ?? process.cwd()));
}

/** The run named by the user, or the newest run when none is named. */
export async function resolveRunId(repoRoot: string, runId: string | undefined): Promise<string> {
  const { GadugiError } = await import("@gadugi/error-handling");
  const { WorkflowStateManager } = await import("@gadugi/state");
  const runs = await new WorkflowStateManager(repoRoot).listRuns();
  if (runId === undefined) {
    const newest = runs[0];
    if (!newest)
      throw new GadugiError(
        "GADUGI_RUN_NOT_FOUND",
        { runId: "(latest)" },
        { hint: "Start one with `gadugi run <prompt files>`." },
      );
    return newest.runId;
  }
  const matches = runs.filter((r) => r.runId === runId || r.runId.startsWith(runId));
  if (matches.length === 1) return (matches[0] as { runId: string }).runId;
  if (matches.length > 1) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "<run>",
      value: runId,
      expected: `one run; it matches ${matches.map((m) => m.runId).join(", ")}`,
    });
  }
  throw new GadugiError("GADUGI_RUN_NOT_FOUND", { runId });
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s - m * 60)
    .toString()
    .padStart(2, "0")}s`;
}

/** Left-aligned columns for terminal tables. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return `${rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n")}\n`;
}
