import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { markInterruptedRemoved } from "./cleanup.js";
import { type Context, clearAdminDir, now, ownerAlive } from "./context.js";
import { inProgress } from "./create.js";
import { repairInterrupted } from "./interrupted.js";
import { MARKER_FILE, readMarker } from "./marker.js";
import type { WorktreeRecord } from "./registry.js";

export interface PruneOptions {
  /**
   * Leave interrupted creations to `cleanup`/`remove`, which report them as entries (the CLI's
   * `worktrees clean` does). Default false: prune repairs them.
   */
  skipInterrupted?: boolean;
}

export interface PruneResult {
  /** Records whose directory was gone: metadata cleared, marked removed (branches kept). */
  pruned: WorktreeRecord[];
  /** Still present, but the process that made them is gone: left as they are, reported. */
  orphaned: WorktreeRecord[];
  /** Marked worktrees missing from the registry (a crash between creation and registration): re-added. */
  recovered: WorktreeRecord[];
  /** Removed records whose branch no longer exists: dropped from the registry. */
  forgotten: WorktreeRecord[];
  /**
   * Interrupted creations (a crash during `git worktree add`): the half-made checkout removed and
   * the record marked removed, branch kept; the next `create` of the run and task makes it afresh.
   */
  repaired: WorktreeRecord[];
}

/**
 * `prune`, with the repository lock held throughout: sorts every record (see PruneResult), finds
 * marked worktrees the registry lost, then writes the registry once.
 */
export async function pruneWorktrees(ctx: Context, options: PruneOptions): Promise<PruneResult> {
  const result: PruneResult = { pruned: [], orphaned: [], recovered: [], forgotten: [], repaired: [] };
  await ctx.locked(async () => {
    const records = await ctx.registry.read();
    for (const record of records) await pruneRecord(ctx, record, options, result);
    const unknown = await unregisteredMarked(ctx, records);
    result.recovered.push(...unknown);
    if (result.pruned.length + unknown.length + result.forgotten.length === 0) return;
    await writePruned(ctx, result, unknown);
  });
  return result;
}

/** One record: repaired (interrupted), pruned (directory gone), orphaned, forgotten, or left alone. */
async function pruneRecord(
  ctx: Context,
  record: WorktreeRecord,
  options: PruneOptions,
  result: PruneResult,
): Promise<void> {
  if (record.status === "creating") {
    // A creation under way writes its files outside the lock: not an interrupted one.
    if (!options.skipInterrupted && !inProgress(record)) await pruneInterrupted(ctx, record, result);
  } else if ((record.status === "active" || record.status === "pooled") && !existsSync(record.path)) {
    await clearAdminDir(ctx, record);
    result.pruned.push(record);
  } else if (record.status === "active" && !ownerAlive(record)) {
    result.orphaned.push(record);
  } else if (record.status === "removed" && !(await ctx.git.branchExists(record.branch))) {
    result.forgotten.push(record);
  }
}

/** The registry after a prune: pruned records marked removed, forgotten ones dropped, `unknown` added. */
async function writePruned(
  ctx: Context,
  result: PruneResult,
  unknown: readonly WorktreeRecord[],
): Promise<void> {
  await ctx.registry.update((all) => {
    const stamp = now();
    for (const r of all) {
      if (result.pruned.some((p) => p.runId === r.runId && p.taskId === r.taskId)) {
        r.status = "removed";
        r.updatedAt = stamp;
        r.removedAt ??= stamp;
      }
    }
    const kept = all.filter(
      (r) => !result.forgotten.some((f) => f.runId === r.runId && f.taskId === r.taskId),
    );
    all.splice(0, all.length, ...kept, ...unknown);
  });
}

/** An interrupted creation: cleared (repaired), adopted (recovered) or, when foreign, orphaned. */
async function pruneInterrupted(ctx: Context, record: WorktreeRecord, result: PruneResult): Promise<void> {
  const repaired = await repairInterrupted(ctx, record);
  if (repaired.kind === "adopted") result.recovered.push(repaired.record);
  else if (repaired.kind === "foreign") result.orphaned.push(record);
  else {
    await markInterruptedRemoved(ctx, record);
    result.repaired.push(record);
  }
}

/** Marked worktrees the registry does not know (a crash between `worktree add` and the write). */
async function unregisteredMarked(
  ctx: Context,
  records: readonly WorktreeRecord[],
): Promise<WorktreeRecord[]> {
  const found: WorktreeRecord[] = [];
  const adminRoot = path.join(ctx.commonDir, "worktrees");
  const names = existsSync(adminRoot) ? await readdir(adminRoot) : [];
  for (const name of names) {
    if (!existsSync(path.join(adminRoot, name, MARKER_FILE))) continue;
    const marker = await readMarker(path.join(adminRoot, name));
    if (!marker || records.some((r) => r.runId === marker.runId && r.taskId === marker.taskId)) continue;
    if (existsSync(marker.path)) found.push({ ...marker, adminName: name });
    else await rm(path.join(adminRoot, name), { recursive: true, force: true });
  }
  return found;
}
