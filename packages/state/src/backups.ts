import type { Dirent } from "node:fs";
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { fsyncDir, readJsonFile, type Schema, writeJsonAtomic } from "./atomic.js";
import { acquireLock, type LockHandle } from "./lock.js";
import { assertSafeId, type StatePaths, statePaths } from "./paths.js";
import { type Clock, errnoCode, fileStamp, ioError, randomHex, systemClock } from "./util.js";

export interface BackupInfo {
  /** `<timestamp>-<runId|all>`, also the directory name under `.gadugi/backups/`. */
  id: string;
  createdAt: string;
  /** The run backed up, or `all`. */
  scope: string;
  runIds: string[];
  /** Why it was made, e.g. `before restoring <id>`. */
  reason?: string;
  /** Absolute path of the backup directory. */
  path: string;
}

type Manifest = Omit<BackupInfo, "path">;

export interface RestoreResult {
  backup: BackupInfo;
  restoredRuns: string[];
  /** The backup of the state that was overwritten, when there was any. */
  safetyBackup?: BackupInfo;
}

const ManifestSchema: Schema<Manifest> = {
  safeParse(value) {
    const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const issues: { path: PropertyKey[]; message: string }[] = [];
    for (const key of ["id", "createdAt", "scope"] as const) {
      if (typeof v[key] !== "string" || v[key] === "")
        issues.push({ path: [key], message: "expected a string" });
    }
    if (!Array.isArray(v.runIds) || v.runIds.some((id) => typeof id !== "string")) {
      issues.push({ path: ["runIds"], message: "expected an array of run ids" });
    }
    if (v.reason !== undefined && typeof v.reason !== "string")
      issues.push({ path: ["reason"], message: "expected a string" });
    if (issues.length > 0) return { success: false, error: { issues } };
    return { success: true, data: v as unknown as Manifest };
  },
};

/** Lock files and temporary files are never copied. */
function copied(name: string): boolean {
  return name !== "lock" && !name.startsWith("lock.") && !(name.startsWith(".") && name.endsWith(".tmp"));
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (!copied(entry.name)) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await copyTree(source, target);
    else if (entry.isFile()) await copyFile(source, target);
  }
}

/** Copies a file so that readers of `to` see the old or the new content, never a partial copy. */
async function copyFileAtomic(from: string, to: string): Promise<void> {
  const temp = join(dirname(to), `.${randomHex(4)}.restore.tmp`);
  await copyFile(from, temp);
  const handle = await open(temp, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, to);
}

/** Lists the files of a tree, relative to `root`, skipping what a backup never holds. */
async function listTree(root: string, prefix = ""): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, prefix), { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (!copied(entry.name)) continue;
    const rel = prefix === "" ? entry.name : join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listTree(root, rel)));
    else if (entry.isFile()) files.push(rel);
  }
  return files;
}

/**
 * Copies of run state under `.gadugi/backups/<timestamp>-<runId|all>/` (a `manifest.json` and a
 * `runs/<runId>/` copy of each run, locks excluded). A backup directory appears complete or not at
 * all. Restoring over existing state first backs that state up, so nothing is lost.
 */
export class StateBackupRestore {
  readonly repoRoot: string;
  readonly #paths: StatePaths;
  readonly #now: Clock;

  constructor(repoRoot: string, options: { now?: Clock } = {}) {
    this.repoRoot = repoRoot;
    this.#paths = statePaths(repoRoot);
    this.#now = options.now ?? systemClock;
  }

  /** Backs up one run, or every run when `runId` is omitted. Unknown run: GADUGI_RUN_NOT_FOUND. */
  async backup(runId?: string): Promise<BackupInfo> {
    if (runId !== undefined) {
      assertSafeId("runId", runId);
      if (!(await this.#isDir(this.#paths.run(runId))))
        throw new GadugiError("GADUGI_RUN_NOT_FOUND", { runId });
      return this.#create([runId], runId);
    }
    return this.#create(await this.#allRuns(), "all");
  }

  /** Every complete backup, oldest first. */
  async list(): Promise<BackupInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.#paths.backups);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return [];
      throw ioError("list", this.#paths.backups, error);
    }
    const backups: BackupInfo[] = [];
    for (const name of names) {
      if (name.startsWith(".")) continue;
      const manifest = await this.#peekManifest(name);
      if (manifest !== undefined) backups.push(manifest);
    }
    return backups.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** The newest backup holding `runId` (any backup when omitted). */
  async latest(runId?: string): Promise<BackupInfo | undefined> {
    const backups = await this.list();
    return backups.reverse().find((b) => runId === undefined || b.runIds.includes(runId));
  }

  /**
   * Puts the runs of a backup back in place. Takes each run's lock (GADUGI_LOCK_HELD while an
   * orchestrator owns it), backs up the runs about to be overwritten, then replaces their files
   * (each atomically) with the backup's. Runs not in the backup are left alone.
   */
  async restore(backupId: string): Promise<RestoreResult> {
    const backup = await this.#manifest(backupId);
    const locks: LockHandle[] = [];
    try {
      for (const runId of backup.runIds) {
        locks.push(await acquireLock(this.#paths.lock(runId), { resource: `run ${runId}` }));
      }
      const existing: string[] = [];
      for (const runId of backup.runIds) {
        if ((await listTree(this.#paths.run(runId))).length > 0) existing.push(runId);
      }
      const safetyBackup =
        existing.length > 0
          ? await this.#create(
              existing,
              existing.length === 1 ? (existing[0] as string) : "all",
              `before restoring ${backupId}`,
            )
          : undefined;
      for (const runId of backup.runIds) await this.#restoreRun(backup, runId);
      return {
        backup,
        restoredRuns: [...backup.runIds],
        ...(safetyBackup === undefined ? {} : { safetyBackup }),
      };
    } finally {
      for (const lock of locks) await lock.release();
    }
  }

  async #restoreRun(backup: BackupInfo, runId: string): Promise<void> {
    const from = join(backup.path, "runs", runId);
    const to = this.#paths.run(runId);
    const wanted = await listTree(from);
    // The journal first: a reader meanwhile sees an older state.json caught up from it at worst.
    wanted.sort((a, b) => Number(b === "events.jsonl") - Number(a === "events.jsonl"));
    try {
      for (const rel of wanted) {
        await mkdir(dirname(join(to, rel)), { recursive: true });
        await copyFileAtomic(join(from, rel), join(to, rel));
      }
      const keep = new Set(wanted);
      for (const rel of await listTree(to)) {
        if (!keep.has(rel)) await rm(join(to, rel), { force: true });
      }
      await fsyncDir(to);
    } catch (error) {
      throw ioError("restore", to, error);
    }
  }

  async #create(runIds: string[], scope: string, reason?: string): Promise<BackupInfo> {
    const now = this.#now();
    let id = `${fileStamp(now)}-${scope}`;
    while (await this.#isDir(join(this.#paths.backups, id)))
      id = `${fileStamp(now)}-${randomHex(2)}-${scope}`;
    const path = join(this.#paths.backups, id);
    const partial = join(this.#paths.backups, `.${id}.partial-${randomHex(3)}`);
    const manifest: Manifest = {
      id,
      createdAt: now.toISOString(),
      scope,
      runIds,
      ...(reason ? { reason } : {}),
    };
    try {
      for (const runId of runIds) await copyTree(this.#paths.run(runId), join(partial, "runs", runId));
      await writeJsonAtomic(join(partial, "manifest.json"), manifest);
      await rename(partial, path);
      await fsyncDir(this.#paths.backups);
    } catch (error) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      throw ioError("write the backup", path, error);
    }
    return { ...manifest, path };
  }

  async #manifest(backupId: string): Promise<BackupInfo> {
    assertSafeId("backupId", backupId);
    const path = join(this.#paths.backups, backupId);
    const manifest = await readJsonFile(ManifestSchema, join(path, "manifest.json"), { now: this.#now });
    for (const runId of manifest.runIds) assertSafeId("runId", runId);
    return { ...manifest, id: backupId, path };
  }

  /** For listing: an unreadable manifest (or a foreign directory) is skipped and left alone. */
  async #peekManifest(name: string): Promise<BackupInfo | undefined> {
    const path = join(this.#paths.backups, name);
    try {
      const parsed = ManifestSchema.safeParse(
        JSON.parse(await readFile(join(path, "manifest.json"), "utf8")),
      );
      return parsed.success && parsed.data.id === name ? { ...parsed.data, path } : undefined;
    } catch {
      return undefined;
    }
  }

  async #allRuns(): Promise<string[]> {
    try {
      const entries = await readdir(this.#paths.runs, { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory() && !e.name.startsWith("."))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return [];
      throw ioError("list", this.#paths.runs, error);
    }
  }

  async #isDir(path: string): Promise<boolean> {
    try {
      return (await stat(path)).isDirectory();
    } catch {
      return false;
    }
  }
}
