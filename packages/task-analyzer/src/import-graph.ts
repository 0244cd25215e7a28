/**
 * The import graph of a repository's tracked TypeScript/JavaScript and Python files, whole
 * (`buildImportGraph`) or around some files (`importNeighborhood`), read through an
 * ImportGraphSession (import-graph-session.ts).
 */
import {
  type BuildImportGraphOptions,
  ImportGraphSession,
  type ImportGraphStats,
} from "./import-graph-session.js";
import { sourceLanguage } from "./source-files.js";

export interface ImportGraph {
  /** Tracked TypeScript/JavaScript/Python files, repository-relative. */
  files: readonly string[];
  /** file → repository files it imports (deduplicated, in source order). */
  imports: ReadonlyMap<string, readonly string[]>;
  /** Files that import `file` directly. */
  importersOf(file: string): readonly string[];
  stats: ImportGraphStats;
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
    reverse ??= importersIndex(imports);
    return reverse.get(file) ?? [];
  };

  return { files: [...imports.keys()], imports, importersOf, stats };
}

/** file → the files that import it. */
function importersIndex(imports: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const reverse = new Map<string, string[]>();
  for (const [from, tos] of imports) {
    for (const to of tos) {
      const list = reverse.get(to);
      if (list) list.push(from);
      else reverse.set(to, [from]);
    }
  }
  return reverse;
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
