import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseJsonWith } from "@gadugi/error-handling";
import { writeFileAtomic } from "@gadugi/state";
import { z } from "zod";

/**
 * `creating`: recorded before the branch and `git worktree add` (intent first), so a crash during
 * the add leaves a record to repair; `active`: made and marked; `pooled`: its task is done, the
 * checkout stays (detached, cleaned, dependency folders kept) for the next task to take up
 * (pool.ts); `removed`: gone, or taken up by another task; branch kept or deleted. Files written
 * before `creating` existed parse unchanged.
 */
export const WorktreeStatus = z.enum(["creating", "active", "pooled", "removed"]);
export type WorktreeStatus = z.infer<typeof WorktreeStatus>;

/** Work saved from a worktree before it was removed. */
export const SavedWork = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("commit"), commit: z.string(), at: z.string() }),
  z.strictObject({ mode: z.literal("patch"), patchFile: z.string(), at: z.string() }),
]);
export type SavedWork = z.infer<typeof SavedWork>;

/** One worktree Gadugi made, as kept in `.gadugi/worktrees.json` and in its marker file. */
export const WorktreeRecord = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  slug: z.string().min(1),
  /** Absolute path of the worktree. */
  path: z.string().min(1),
  branch: z.string().min(1),
  /** What the branch was made from: a branch or tag name, or a commit for a detached HEAD. */
  baseRef: z.string().min(1),
  baseCommit: z.string().min(1),
  status: WorktreeStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The process that created it (or is creating it), for liveness checks by `list` and `prune`. */
  owner: z.strictObject({ pid: z.number().int(), host: z.string() }),
  /** Name of the worktree's directory under `<git common dir>/worktrees/` (once it is made). */
  adminName: z.string().optional(),
  removedAt: z.string().optional(),
  /** When it went into the pool (status `pooled`). */
  pooledAt: z.string().optional(),
  /** A pooled checkout taken up for this task (instead of a new `git worktree add`). */
  recycled: z.boolean().optional(),
  /**
   * A pooled checkout lent out as the throwaway detached checkout of this name (`checkoutDetached`,
   * e.g. the integration tests), by `owner`; not taken up by a task until it is given back.
   */
  lentAs: z.string().optional(),
  savedWork: z.array(SavedWork).default([]),
  /** Tip of the branch when it was deleted (with force), and the bundle holding its commits. */
  deletedBranch: z.strictObject({ tip: z.string(), bundle: z.string().optional() }).optional(),
});
export type WorktreeRecord = z.infer<typeof WorktreeRecord>;
export type WorktreeRecordInput = z.input<typeof WorktreeRecord>;

export const RegistryFile = z.strictObject({
  version: z.literal(1),
  worktrees: z.array(WorktreeRecord),
});
export type RegistryFile = z.infer<typeof RegistryFile>;

/**
 * The registry file. Reads need no lock (writes are atomic renames); `update` must be called with
 * the repository's worktree lock held, which WorktreeManager does.
 */
export class WorktreeRegistry {
  /**
   * The text this object last wrote (schema-checked records, every default filled in). The file
   * is read every time (another process may have changed it), but text equal to this is only
   * JSON-parsed: checking a registry that holds every worktree ever made against the schema was
   * most of a long run's registry cost.
   */
  #validText: string | undefined;

  constructor(readonly file: string) {}

  async read(): Promise<WorktreeRecord[]> {
    if (!existsSync(this.file)) return [];
    const text = await readFile(this.file, "utf8");
    if (text === this.#validText) return (JSON.parse(text) as RegistryFile).worktrees;
    return parseJsonWith(RegistryFile, text, this.file).worktrees;
  }

  /** Reads, lets `change` edit the records in place, writes them back; returns `change`'s value. */
  async update<T>(change: (records: WorktreeRecord[]) => T): Promise<T> {
    const records = await this.read();
    const value = change(records);
    const body: RegistryFile = { version: 1, worktrees: records };
    const text = `${JSON.stringify(body, null, 2)}\n`;
    await writeFileAtomic(this.file, text);
    // Records that came out of the schema, edited by typed code: what is written is valid.
    this.#validText = text;
    return value;
  }
}

/** `record` → the same key in `records` (run + task), or undefined. */
export function findRecord(
  records: readonly WorktreeRecord[],
  runId: string,
  taskId: string,
): WorktreeRecord | undefined {
  return records.find((r) => r.runId === runId && r.taskId === taskId);
}
