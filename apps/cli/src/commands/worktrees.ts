import { Command } from "commander";
import type { CliIo } from "../main.js";

interface CommonOptions {
  cwd: string;
  json?: boolean;
}

interface ListOptions extends CommonOptions {
  run?: string;
  all?: boolean;
}

interface CleanOptions extends CommonOptions {
  run?: string;
  task?: string;
  force?: boolean;
  deleteBranches?: boolean;
  patch?: boolean;
}

/** `gadugi worktrees list|clean`: the task worktrees Gadugi made, and their safe removal. */
export function worktreesCommand(io: CliIo): Command {
  const command = new Command("worktrees").description(
    "list or clean the git worktrees Gadugi made for tasks (others are never touched)",
  );

  command
    .command("list")
    .description(
      "list Gadugi's worktrees with their branch, dirty state and commits ahead/behind their base " +
        "(also those whose creation a crash interrupted)",
    )
    .option("--run <id>", "only this run's worktrees")
    .option("--all", "also list worktrees Gadugi did not make (marked foreign)")
    .option("--cwd <dir>", "repository (default: the current directory)", process.cwd())
    .option("--json", "print JSON")
    .action((options: ListOptions) => listWorktrees(io, options));

  command
    .command("clean")
    .description(
      "remove Gadugi's worktrees (all whose process has ended, or those selected; a half-made one whose creation a crash " +
        "interrupted always goes): uncommitted work is first committed " +
        "to the task branch (or saved as a patch with --patch); branches are kept unless --delete-branches, and " +
        "branches with commits only go with --force too (bundled under .gadugi/patches first)",
    )
    .argument("[target]", "one worktree: its task id or path")
    .option("--run <id>", "only this run's worktrees")
    .option("--task <id>", "only this task's worktree")
    .option("--delete-branches", "delete task branches without commits of their own (with --force: all)")
    .option("--patch", "save uncommitted work as .gadugi/patches/<run>/<task>.patch instead of committing it")
    .option("--force", "also remove locked worktrees and ones whose process still runs")
    .option("--cwd <dir>", "repository (default: the current directory)", process.cwd())
    .option("--json", "print JSON")
    .action((target: string | undefined, options: CleanOptions) => cleanWorktrees(io, target, options));

  return command;
}

async function listWorktrees(io: CliIo, options: ListOptions): Promise<void> {
  const { WorktreeManager } = await import("@gadugi/worktree-manager");
  const manager = new WorktreeManager({ repoRoot: options.cwd });
  const worktrees = await manager.list({
    ...(options.run ? { runId: options.run } : {}),
    includeForeign: options.all ?? false,
  });
  if (options.json) {
    io.stdout(`${JSON.stringify(worktrees, null, 2)}\n`);
    return;
  }
  if (worktrees.length === 0) {
    io.stdout("No Gadugi worktrees.\n");
    return;
  }
  const rows = worktrees.map((w) =>
    w.foreign
      ? ["-", "-", w.branch ?? "(detached)", "foreign", "-", w.path]
      : [
          w.taskId,
          w.runId,
          // A pooled checkout is detached: its last task's branch is no longer checked out there.
          w.status === "pooled" ? "(detached)" : w.branch,
          stateOf(w),
          w.ahead === undefined ? "-" : `+${w.ahead}/-${w.behind ?? 0}`,
          w.path,
        ],
  );
  io.stdout(table(["TASK", "RUN", "BRANCH", "STATE", "AHEAD/BEHIND", "PATH"], rows));
  if (worktrees.some((w) => !w.foreign && w.interrupted)) {
    io.stdout(
      "\nA crash interrupted the creation of some worktrees: `gadugi resume` makes them again, `gadugi worktrees clean` removes them.\n",
    );
  }
}

async function cleanWorktrees(io: CliIo, target: string | undefined, options: CleanOptions): Promise<void> {
  const { WorktreeManager } = await import("@gadugi/worktree-manager");
  const { GadugiError } = await import("@gadugi/error-handling");
  const manager = new WorktreeManager({ repoRoot: options.cwd });
  const common = {
    force: options.force ?? false,
    save: options.patch ? ("patch" as const) : ("commit" as const),
    ...(options.run ? { runId: options.run } : {}),
  };
  // Interrupted creations are left to cleanup/remove, which report them.
  await manager.prune({ skipInterrupted: true });
  const entries = target
    ? [await manager.remove(target, { ...common, deleteBranch: options.deleteBranches ?? false })]
    : (
        await manager.cleanup({
          ...common,
          ...(options.task ? { taskId: options.task } : {}),
          deleteBranches: options.deleteBranches ?? false,
        })
      ).entries;
  if (options.json) io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
  else if (entries.length === 0) io.stdout("Nothing to clean.\n");
  else for (const e of entries) io.stdout(`${describeEntry(e)}\n`);
  const failed = entries.filter((e) => e.action === "failed");
  if (failed.length > 0) {
    throw new GadugiError("GADUGI_COMMAND_FAILED", {
      command: "gadugi worktrees clean",
      exitCode: null,
      stderr: failed.map((e) => `${e.taskId}: ${e.reason ?? e.code ?? "failed"}`).join("\n"),
    });
  }
}

/** One line of `worktrees clean`: what happened to the worktree, its work and its branch. */
function describeEntry(e: import("@gadugi/worktree-manager").CleanupEntry): string {
  const saved = e.savedWork
    ? e.savedWork.mode === "commit"
      ? `, work committed as ${e.savedWork.commit.slice(0, 12)}`
      : `, work saved to ${e.savedWork.patchFile}`
    : "";
  const branch = e.branchDeleted
    ? `, branch ${e.branch} deleted${e.bundle ? ` (commits bundled in ${e.bundle})` : ""}`
    : `, branch ${e.branch} kept`;
  const reason = e.reason ? ` — ${e.reason}` : "";
  return `${e.action.padEnd(8)} ${e.taskId} (${e.path})${saved}${branch}${reason}`;
}

/** The STATE column of one of Gadugi's worktrees. */
function stateOf(w: {
  status: string;
  exists: boolean;
  marked: boolean;
  dirty?: boolean;
  interrupted?: boolean;
  lentAs?: string;
  owner: { pid: number };
}): string {
  if (w.status === "creating") {
    return w.interrupted ? "interrupted while being created" : `being created (pid ${w.owner.pid})`;
  }
  if (!w.exists) return "missing";
  if (!w.marked) return "unmarked";
  if (w.status === "pooled") {
    return w.lentAs ? `pooled, lent as ${w.lentAs}` : "pooled (the next task takes it up)";
  }
  return w.dirty ? "dirty" : "clean";
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
