import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@gadugi/state";

/** Bump when the cached data's meaning changes; an old cache is then ignored and rewritten. */
export const CACHE_VERSION = 2;
export const CACHE_FILE = "import-graph.json";

/**
 * The import-graph cache, `<repo>/.gadugi/cache/import-graph.json`. Values are flat strings so
 * a warm run parses little and keeps few objects alive:
 * - `files`: the import specifiers of one file content, one per line, keyed by git blob id and
 *   language, so an unchanged file is never read again and a renamed one is still a hit;
 * - `resolution`: per TS/JS file, `"<blobKey> <index> <index>…"`, one index per specifier into
 *   the tracked file list (-1: not a repository file). It is valid while the tracked file list
 *   and every tsconfig/jsconfig/package.json stay the same (`key` hashes those), so a warm run
 *   never loads TypeScript unless a new specifier appears.
 */
export interface ImportCacheData {
  version: number;
  fileCount: number;
  resolutionCount: number;
  files: Record<string, string>;
  resolution: { key: string; files: Record<string, string> };
}

export function emptyCache(): ImportCacheData {
  return {
    version: CACHE_VERSION,
    fileCount: 0,
    resolutionCount: 0,
    files: {},
    resolution: { key: "", files: {} },
  };
}

/** Reads the cache; a missing, unreadable, corrupt or outdated cache is an empty one. */
export function readImportCache(dir: string): ImportCacheData {
  try {
    const data = JSON.parse(readFileSync(join(dir, CACHE_FILE), "utf8")) as Partial<ImportCacheData>;
    if (
      data.version !== CACHE_VERSION ||
      typeof data.fileCount !== "number" ||
      typeof data.resolutionCount !== "number" ||
      typeof data.files !== "object" ||
      data.files === null ||
      typeof data.resolution?.key !== "string" ||
      typeof data.resolution.files !== "object" ||
      data.resolution.files === null
    ) {
      return emptyCache();
    }
    return data as ImportCacheData;
  } catch {
    return emptyCache();
  }
}

/** Writes the cache atomically; also drops a `.gitignore` so the cache never shows in `git status`. */
export async function writeImportCache(dir: string, data: ImportCacheData): Promise<void> {
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, ".gitignore"), "*\n", { flag: "wx" });
  } catch {
    // already there
  }
  await writeFileAtomic(join(dir, CACHE_FILE), JSON.stringify(data));
}
