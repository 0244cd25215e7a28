/** One cached pass over a repository's imports: what `buildImportGraph` and the analyzer walk. */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { GitClient } from "@gadugi/git";
import { workingTreeBlobIds } from "./blob-ids.js";
import {
  CACHE_VERSION,
  emptyCache,
  type ImportCacheData,
  readImportCache,
  writeImportCache,
} from "./cache.js";
import { directoriesOf } from "./paths.js";
import { decodePyImport } from "./python-imports.js";
import { PythonResolver } from "./python-resolver.js";
import { scanSourceFile, sourceLanguage, splitSpecs } from "./source-files.js";
import { loadTypeScript, TsResolver } from "./ts-resolver.js";

export interface ImportGraphStats {
  /** Source files in the graph. */
  files: number;
  /** Resolved import edges between repository files. */
  edges: number;
  /** Files read and scanned in this call (the rest came from the cache). */
  parsed: number;
  fromCache: number;
  /** Specifiers resolved by TypeScript in this call, and those taken from the cache. */
  resolved: number;
  resolvedFromCache: number;
  /** Whether TypeScript (ts-morph) had to be loaded: only when some specifier was not cached. */
  typescriptLoaded: boolean;
  ms: number;
}

export interface BuildImportGraphOptions {
  /** Limit the graph to these tracked files (repository-relative); default all tracked sources. */
  files?: readonly string[];
  /** Use and update the cache under `cacheDir`. Default true. */
  cache?: boolean;
  /** Default `<repoRoot>/.gadugi/cache`. */
  cacheDir?: string;
  /** Blob ids of the tracked files as they are on disk; read from git when absent. */
  blobIds?: ReadonlyMap<string, string>;
  git?: GitClient;
}

const RESOLUTION_INPUT = /(^|\/)(tsconfig[^/]*\.json|jsconfig[^/]*\.json|package\.json)$/;

/**
 * Hash of what TypeScript resolution depends on: the tracked file set and the config files. The
 * leading version changes when the resolver does (v2: `.`/`..` specifiers resolve), so older
 * cached resolutions are not reused.
 */
function resolutionKey(blobs: ReadonlyMap<string, string>): string {
  const parts = ["v2"];
  for (const [path, sha] of blobs) {
    parts.push(path.endsWith(".json") && RESOLUTION_INPUT.test(path) ? `${path}\t${sha}` : path);
  }
  return createHash("sha1").update(parts.join("\n")).digest("hex");
}

/** Whether a cached resolution entry (`"<blobKey> <index>…"`) is for the content `blobKey`. */
function isEntryFor(entry: string, blobKey: string): boolean {
  return entry === blobKey || entry.startsWith(`${blobKey} `);
}

/**
 * One pass over the repository's imports: reads the cache once, scans and resolves files on
 * demand (`importsOf`), and writes the cache once (`save`). `buildImportGraph` walks every source
 * file with it; the analyzer only walks the import neighbourhood of the files tasks write.
 */
export class ImportGraphSession {
  private readonly trackedList: string[];
  private readonly tracked: Set<string>;
  private readonly cache: ImportCacheData;
  private readonly key: string;
  private readonly oldResolution: Record<string, string>;
  private readonly seenFiles: Record<string, string> = {};
  private readonly seenResolution: Record<string, string> = {};
  private readonly memo = new Map<string, string[]>();
  /** Specifiers scanned in this session, by blob key (not yet in the cache). */
  private readonly scanned = new Map<string, string[]>();
  private indexOf: Map<string, number> | undefined;
  private ts: Awaited<ReturnType<typeof loadTypeScript>> | undefined;
  private tsResolver: TsResolver | undefined;
  private pyResolver: PythonResolver | undefined;
  private readonly counts = { parsed: 0, fromCache: 0, resolved: 0, resolvedFromCache: 0, edges: 0 };

  private constructor(
    readonly root: string,
    private readonly blobs: ReadonlyMap<string, string>,
    private readonly useCache: boolean,
    private readonly cacheDir: string,
    private readonly started: number,
  ) {
    this.trackedList = [...blobs.keys()];
    this.tracked = new Set(this.trackedList);
    this.cache = useCache ? readImportCache(cacheDir) : emptyCache();
    this.key = resolutionKey(blobs);
    this.oldResolution = this.cache.resolution.key === this.key ? this.cache.resolution.files : {};
  }

  static async open(repoRoot: string, options: BuildImportGraphOptions = {}): Promise<ImportGraphSession> {
    const started = performance.now();
    const root = realpathSync(repoRoot);
    const blobs = options.blobIds ?? (await workingTreeBlobIds(root, options.git ?? new GitClient(root)));
    return new ImportGraphSession(
      root,
      blobs,
      options.cache !== false,
      options.cacheDir ?? join(root, ".gadugi", "cache"),
      started,
    );
  }

  /** Tracked files, in git's order. */
  get files(): readonly string[] {
    return this.trackedList;
  }

  /** Repository files `file` imports (deduplicated, in source order); [] for anything but a tracked source. */
  async importsOf(file: string): Promise<string[]> {
    const found = this.importsOfSync(file);
    if (found) return found;
    this.ts = await loadTypeScript();
    return this.importsOfSync(file) as string[];
  }

  /**
   * `importsOf` without waiting: undefined only when TypeScript is needed and not loaded yet
   * (a specifier that is not in the cache); `importsOf` then loads it.
   */
  importsOfSync(file: string): string[] | undefined {
    const known = this.memo.get(file);
    if (known) return known;
    const blob = this.blobs.get(file);
    const language = blob === undefined ? undefined : sourceLanguage(file);
    if (blob === undefined || language === undefined) return [];
    const blobKey = `${blob}.${language}`;
    let specsText = this.cache.files[blobKey];
    let specs: string[] | undefined;
    if (specsText === undefined) {
      specs = this.scanned.get(blobKey);
      if (!specs) {
        specs = scanSourceFile(join(this.root, file), language);
        this.scanned.set(blobKey, specs);
        this.counts.parsed++;
      }
      specsText = specs.join("\n");
    }
    const targets =
      language === "python"
        ? this.pythonTargets(file, specs ?? splitSpecs(specsText))
        : this.jsTargets(file, blobKey, specs ?? splitSpecs(specsText));
    if (targets === undefined) return undefined;
    if (specs === undefined) this.counts.fromCache++;
    this.seenFiles[blobKey] = specsText;
    this.memo.set(file, targets);
    this.counts.edges += targets.length;
    return targets;
  }

  private pythonTargets(file: string, specs: readonly string[]): string[] {
    this.pyResolver ??= new PythonResolver(this.tracked);
    const targets: string[] = [];
    for (const spec of specs) {
      for (const target of this.pyResolver.resolve(file, decodePyImport(spec))) {
        if (!targets.includes(target)) targets.push(target);
      }
    }
    return targets;
  }

  /** The tracked files `specs` of `file` resolve to; undefined when TypeScript is needed and not loaded. */
  private jsTargets(file: string, blobKey: string, specs: readonly string[]): string[] | undefined {
    const entry = this.resolveJs(file, blobKey, specs);
    if (entry === undefined) return undefined;
    this.seenResolution[file] = entry;
    const targets: string[] = [];
    const parts = entry.split(" ");
    for (let i = 1; i < parts.length; i++) {
      const index = Number(parts[i]);
      const target = index >= 0 ? this.trackedList[index] : undefined;
      if (target !== undefined && target !== file && !targets.includes(target)) targets.push(target);
    }
    return targets;
  }

  /**
   * `"<blobKey> <index> <index>…"`: the tracked-file index each specifier resolves to (-1: not a
   * repository file), from the cache where it can be, else from TypeScript; undefined when
   * TypeScript is needed and not loaded.
   */
  private resolveJs(file: string, blobKey: string, specs: readonly string[]): string | undefined {
    const old = this.oldResolution[file];
    if (old !== undefined && isEntryFor(old, blobKey)) {
      this.counts.resolvedFromCache += specs.length;
      return old;
    }
    const previous = this.previousResolutions(old);
    if (!this.ts && specs.some((spec) => !previous.has(spec))) return undefined;
    let entry = blobKey;
    for (const spec of specs) {
      const known = previous.get(spec);
      if (known !== undefined) {
        entry += ` ${known}`;
        this.counts.resolvedFromCache++;
        continue;
      }
      const target = this.typescript().resolve(
        file,
        spec.slice(2),
        spec.startsWith("r:") ? "require" : "import",
      );
      this.indexOf ??= new Map(this.trackedList.map((path, i) => [path, i]));
      entry += ` ${target === undefined ? -1 : (this.indexOf.get(target) ?? -1)}`;
      this.counts.resolved++;
    }
    return entry;
  }

  /** What the file's previous content resolved, by specifier, so only new specifiers are resolved. */
  private previousResolutions(old: string | undefined): Map<string, string> {
    const previous = new Map<string, string>();
    if (old === undefined) return previous;
    const [oldKey = "", ...oldIndexes] = old.split(" ");
    const oldSpecs = splitSpecs(this.cache.files[oldKey] ?? "");
    if (oldSpecs.length === oldIndexes.length) {
      oldSpecs.forEach((spec, i) => {
        previous.set(spec, oldIndexes[i] as string);
      });
    }
    return previous;
  }

  private typescript(): TsResolver {
    this.tsResolver ??= new TsResolver(
      this.ts as NonNullable<typeof this.ts>,
      this.root,
      this.tracked,
      directoriesOf(this.trackedList),
    );
    return this.tsResolver;
  }

  /**
   * Writes the cache when something changed. `complete`: every source file was visited, so
   * entries of files not visited are dropped; otherwise entries still matching a tracked file's
   * current content are kept for the next run.
   */
  async save(complete: boolean): Promise<void> {
    if (!this.useCache) return;
    const { files, resolution } = complete
      ? { files: this.seenFiles, resolution: this.seenResolution }
      : this.seenAndStillCurrent();
    const changed =
      this.counts.parsed > 0 ||
      this.counts.resolved > 0 ||
      this.cache.resolution.key !== this.key ||
      this.cache.fileCount !== Object.keys(files).length ||
      this.cache.resolutionCount !== Object.keys(resolution).length;
    if (!changed) return;
    try {
      await writeImportCache(this.cacheDir, {
        version: CACHE_VERSION,
        fileCount: Object.keys(files).length,
        resolutionCount: Object.keys(resolution).length,
        files,
        resolution: { key: this.key, files: resolution },
      });
    } catch {
      // A read-only checkout still gets its graph; only the next run is slower.
    }
  }

  /** The entries seen in this session, with the cached ones still matching a tracked file's content. */
  private seenAndStillCurrent(): { files: Record<string, string>; resolution: Record<string, string> } {
    const files = { ...this.seenFiles };
    const resolution = { ...this.seenResolution };
    for (const [path, blob] of this.blobs) {
      const language = sourceLanguage(path);
      if (!language) continue;
      const blobKey = `${blob}.${language}`;
      const specs = this.cache.files[blobKey];
      if (specs !== undefined && !(blobKey in files)) files[blobKey] = specs;
      const old = this.oldResolution[path];
      if (old !== undefined && isEntryFor(old, blobKey) && !(path in resolution)) resolution[path] = old;
    }
    return { files, resolution };
  }

  stats(): ImportGraphStats {
    return {
      files: this.memo.size,
      ...this.counts,
      typescriptLoaded: this.ts !== undefined,
      ms: Math.round(performance.now() - this.started),
    };
  }
}
