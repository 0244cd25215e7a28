import { resolve } from "node:path";

/** The `--cwd` option every command takes. */
export const CWD_OPTION = [
  "--cwd <dir>",
  "run as if started in <dir> (default: the current directory)",
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
