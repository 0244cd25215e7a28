import { createHash } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, posix } from "node:path";
import { GitClient } from "@gadugi/git";
import {
  CACHE_VERSION,
  emptyCache,
  type ImportCacheData,
  readImportCache,
  writeImportCache,
} from "./cache.js";
import { scanJsImports } from "./js-imports.js";
import { decodePyImport, encodePyImport, scanPythonImports } from "./python-imports.js";
import { PythonResolver } from "./python-resolver.js";
import { loadTypeScript, TsResolver } from "./ts-resolver.js";

const JS_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"]);
const PY_EXTENSIONS = new Set([".py", ".pyi"]);
/** Larger source files (bundles, generated code) are nodes without imports. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

export type SourceLanguage = "js" | "python";

/** The language whose imports the graph reads from `file`, if any. */
export function sourceLanguage(file: string): SourceLanguage | undefined {
  const dot = file.lastIndexOf(".");
  if (dot <= file.lastIndexOf("/") + 1) return undefined;
  const ext = file.slice(dot);
  const language = JS_EXTENSIONS.has(ext) ? "js" : PY_EXTENSIONS.has(ext) ? "python" : undefined;
  if (language && file.includes("node_modules") && file.split("/").includes("node_modules")) return undefined;
  return language;
}

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

export interface ImportGraph {
  /** Tracked TypeScript/JavaScript/Python files, repository-relative. */
  files: readonly string[];
  /** file → repository files it imports (deduplicated, in source order). */
  imports: ReadonlyMap<string, readonly string[]>;
  /** Files that import `file` directly. */
  importersOf(file: string): readonly string[];
  stats: ImportGraphStats;
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

/** The id git gives a blob with these bytes (`git hash-object` without filters). */
export function gitBlobId(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

/**
 * Blob id of every tracked file as it is in the working tree: the index's ids, with files whose
 * stat data differs from the index hashed again here (no `git hash-object` process) and deleted
 * files left out. One `git ls-files` call lists both the index (`H` lines) and those files (`C`).
 * The ids are cache keys: a file with a clean/smudge filter may get a different id than git
 * would give it, which only costs a cache miss.
 */
export async function workingTreeBlobIds(
  root: string,
  git: GitClient = new GitClient(root),
): Promise<Map<string, string>> {
  const out = await git.raw(["ls-files", "-z", "--stage", "--modified", "-t"]);
  const ids = new Map<string, string>();
  const dirty = new Set<string>();
  for (const entry of out.split("\0")) {
    // "<tag> <mode> <sha> <stage>\t<path>"
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const path = entry.slice(tab + 1);
    if (entry.startsWith("C ")) {
      dirty.add(path);
      continue;
    }
    const sha = entry.slice(entry.indexOf(" ", 2) + 1, entry.lastIndexOf(" ", tab));
    if (entry.endsWith(" 0", tab) || !ids.has(path)) ids.set(path, sha);
  }
  for (const path of dirty) {
    try {
      const absolute = join(root, path);
      if (!statSync(absolute).isFile()) throw new Error("not a file");
      ids.set(path, gitBlobId(readFileSync(absolute)));
    } catch {
      ids.delete(path);
    }
  }
  return ids;
}

function scanFile(absolute: string, language: SourceLanguage): string[] {
  let text: string;
  try {
    const buffer = readFileSync(absolute);
    if (buffer.length > MAX_SOURCE_BYTES) return [];
    text = buffer.toString("utf8");
  } catch {
    return [];
  }
  const specs = new Set<string>();
  if (language === "python") {
    for (const imp of scanPythonImports(text)) specs.add(encodePyImport(imp));
  } else {
    for (const imp of scanJsImports(text)) {
      if (imp.specifier === "" || isBuiltin(imp.specifier)) continue;
      specs.add(`${imp.kind === "require" ? "r" : "i"}:${imp.specifier}`);
    }
  }
  return [...specs];
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

function directoriesOf(files: Iterable<string>): Set<string> {
  const dirs = new Set<string>();
  for (const file of files) {
    let dir = posix.dirname(file);
    while (dir !== "." && !dirs.has(dir)) {
      dirs.add(dir);
      dir = posix.dirname(dir);
    }
  }
  return dirs;
}

/** Specifiers of one file content, as cached: one per line. */
function splitSpecs(text: string): string[] {
  return text === "" ? [] : text.split("\n");
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
        specs = scanFile(join(this.root, file), language);
        this.scanned.set(blobKey, specs);
        this.counts.parsed++;
      }
      specsText = specs.join("\n");
    }
    const targets: string[] = [];
    if (language === "python") {
      this.pyResolver ??= new PythonResolver(this.tracked);
      for (const spec of specs ?? splitSpecs(specsText)) {
        for (const target of this.pyResolver.resolve(file, decodePyImport(spec))) {
          if (!targets.includes(target)) targets.push(target);
        }
      }
    } else {
      const entry = this.resolveJs(file, blobKey, specs ?? splitSpecs(specsText));
      if (entry === undefined) return undefined;
      this.seenResolution[file] = entry;
      const parts = entry.split(" ");
      for (let i = 1; i < parts.length; i++) {
        const index = Number(parts[i]);
        const target = index >= 0 ? this.trackedList[index] : undefined;
        if (target !== undefined && target !== file && !targets.includes(target)) targets.push(target);
      }
    }
    if (specs === undefined) this.counts.fromCache++;
    this.seenFiles[blobKey] = specsText;
    this.memo.set(file, targets);
    this.counts.edges += targets.length;
    return targets;
  }

  /**
   * `"<blobKey> <index> <index>…"`: the tracked-file index each specifier resolves to (-1: not a
   * repository file), from the cache where it can be, else from TypeScript; undefined when
   * TypeScript is needed and not loaded.
   */
  private resolveJs(file: string, blobKey: string, specs: readonly string[]): string | undefined {
    const old = this.oldResolution[file];
    if (old !== undefined && (old === blobKey || old.startsWith(`${blobKey} `))) {
      this.counts.resolvedFromCache += specs.length;
      return old;
    }
    // Reuse what the file's previous content resolved; resolve only new specifiers.
    const previous = new Map<string, string>();
    if (old !== undefined) {
      const [oldKey = "", ...oldIndexes] = old.split(" ");
      const oldSpecs = splitSpecs(this.cache.files[oldKey] ?? "");
      if (oldSpecs.length === oldIndexes.length) {
        oldSpecs.forEach((spec, i) => {
          previous.set(spec, oldIndexes[i] as string);
        });
      }
    }
    if (!this.ts && specs.some((spec) => !previous.has(spec))) return undefined;
    let entry = blobKey;
    for (const spec of specs) {
      const known = previous.get(spec);
      if (known !== undefined) {
        entry += ` ${known}`;
        this.counts.resolvedFromCache++;
        continue;
      }
      this.tsResolver ??= new TsResolver(
        this.ts as NonNullable<typeof this.ts>,
        this.root,
        this.tracked,
        directoriesOf(this.trackedList),
      );
      this.indexOf ??= new Map(this.trackedList.map((path, i) => [path, i]));
      const target = this.tsResolver.resolve(
        file,
        spec.slice(2),
        spec.startsWith("r:") ? "require" : "import",
      );
      entry += ` ${target === undefined ? -1 : (this.indexOf.get(target) ?? -1)}`;
      this.counts.resolved++;
    }
    return entry;
  }

  /**
   * Writes the cache when something changed. `complete`: every source file was visited, so
   * entries of files not visited are dropped; otherwise entries still matching a tracked file's
   * current content are kept for the next run.
   */
  async save(complete: boolean): Promise<void> {
    if (!this.useCache) return;
    let files = this.seenFiles;
    let resolution = this.seenResolution;
    if (!complete) {
      files = { ...files };
      resolution = { ...resolution };
      for (const [path, blob] of this.blobs) {
        const language = sourceLanguage(path);
        if (!language) continue;
        const blobKey = `${blob}.${language}`;
        const specs = this.cache.files[blobKey];
        if (specs !== undefined && !(blobKey in files)) files[blobKey] = specs;
        const old = this.oldResolution[path];
        if (
          old !== undefined &&
          (old === blobKey || old.startsWith(`${blobKey} `)) &&
          !(path in resolution)
        ) {
          resolution[path] = old;
        }
      }
    }
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

  stats(): ImportGraphStats {
    return {
      files: this.memo.size,
      ...this.counts,
      typescriptLoaded: this.ts !== undefined,
      ms: Math.round(performance.now() - this.started),
    };
  }
}

/**
 * The import graph of the repository's tracked TypeScript/JavaScript and Python files. Imports
 * are scanned without type checking; TS/JS specifiers are resolved by TypeScript (through
 * ts-morph, loaded only when a specifier is not in the cache), Python ones by PythonResolver.
 * Results are cached per file content (git blob id) under `.gadugi/cache`.
 */
export async function buildImportGraph(
  repoRoot: string,
  options: BuildImportGraphOptions = {},
): Promise<ImportGraph> {
  const session = await ImportGraphSession.open(repoRoot, options);
  const wanted = options.files ? new Set(options.files) : undefined;
  const imports = new Map<string, string[]>();
  for (const file of session.files) {
    if (sourceLanguage(file) === undefined || (wanted && !wanted.has(file))) continue;
    imports.set(file, session.importsOfSync(file) ?? (await session.importsOf(file)));
  }
  await session.save(wanted === undefined);
  const stats = session.stats();

  let reverse: Map<string, string[]> | undefined;
  const importersOf = (file: string): readonly string[] => {
    if (!reverse) {
      reverse = new Map();
      for (const [from, tos] of imports) {
        for (const to of tos) {
          const list = reverse.get(to);
          if (list) list.push(from);
          else reverse.set(to, [from]);
        }
      }
    }
    return reverse.get(file) ?? [];
  };

  return { files: [...imports.keys()], imports, importersOf, stats };
}

/**
 * The imports of every file within `depth - 1` import hops of `starts` (so chains of up to
 * `depth` hops from a start can be followed), through `session`.
 */
export async function importNeighborhood(
  session: ImportGraphSession,
  starts: Iterable<string>,
  depth: number,
): Promise<Map<string, string[]>> {
  const imports = new Map<string, string[]>();
  let frontier = [...new Set(starts)];
  for (let hop = 0; hop < depth && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const file of frontier) {
      if (imports.has(file)) continue;
      const list = await session.importsOf(file);
      imports.set(file, list);
      next.push(...list);
    }
    frontier = [...new Set(next)].filter((file) => !imports.has(file));
  }
  return imports;
}
