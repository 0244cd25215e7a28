import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "@gadugi/state";
import { type WorktreeRecord, WorktreeRecord as WorktreeRecordSchema } from "./registry.js";

/** Name of the marker inside a worktree's own git directory (`.git/worktrees/<name>/`). */
export const MARKER_FILE = "gadugi.json";

interface MarkerBody {
  tool: "gadugi";
  version: 1;
  record: WorktreeRecord;
}

/**
 * The worktree's own git directory, read from its `.git` file (`gitdir: <path>`) without spawning
 * git; undefined when `worktree` has no such file (not a linked worktree, or gone).
 */
export async function worktreeGitDir(worktree: string): Promise<string | undefined> {
  const dotGit = path.join(worktree, ".git");
  let text: string;
  try {
    text = await readFile(dotGit, "utf8");
  } catch {
    return undefined;
  }
  const match = /^gitdir:\s*(.+?)\s*$/m.exec(text);
  if (!match?.[1]) return undefined;
  return path.resolve(worktree, match[1]);
}

/**
 * Written atomically: a marker a crash tore (truncated, not yet rewritten) would make the
 * worktree look foreign, and it would be left behind by every cleanup.
 */
export async function writeMarker(adminDir: string, record: WorktreeRecord): Promise<void> {
  const body: MarkerBody = { tool: "gadugi", version: 1, record };
  await writeFileAtomic(path.join(adminDir, MARKER_FILE), `${JSON.stringify(body, null, 2)}\n`);
}

/** The record in a marker, or undefined when there is no (valid) marker. */
export async function readMarker(adminDir: string): Promise<WorktreeRecord | undefined> {
  const file = path.join(adminDir, MARKER_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const body = JSON.parse(await readFile(file, "utf8")) as Partial<MarkerBody>;
    if (body.tool !== "gadugi") return undefined;
    const parsed = WorktreeRecordSchema.safeParse(body.record);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The record of the marker inside `worktree`'s git directory, if Gadugi made it. */
export async function readWorktreeMarker(worktree: string): Promise<WorktreeRecord | undefined> {
  const gitDir = await worktreeGitDir(worktree);
  return gitDir ? readMarker(gitDir) : undefined;
}
