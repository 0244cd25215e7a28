import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix } from "node:path";
import type { ts as TsNamespace } from "ts-morph";

type Ts = typeof TsNamespace;
type CompilerOptions = TsNamespace.CompilerOptions;

let tsModule: Ts | undefined;

/**
 * TypeScript's compiler API, through ts-morph, loaded on first use only (it costs ~0.4 s).
 * `require` rather than `import()`: ts-morph is CommonJS, and importing it from ESM would first
 * run Node's export-name scan over its 800 kB bundle.
 */
export async function loadTypeScript(): Promise<Ts> {
  tsModule ??= (createRequire(import.meta.url)("ts-morph") as { ts: Ts }).ts;
  return tsModule;
}

interface ConfigEntry {
  options: CompilerOptions;
  cache: TsNamespace.ModuleResolutionCache;
}

/**
 * Resolves module specifiers the way TypeScript does (tsconfig `paths`/`baseUrl`, `.js`→`.ts`,
 * index files, package `exports`, workspace symlinks) with `ts.resolveModuleName` and one shared
 * ModuleResolutionCache per tsconfig. Files are compared with the tracked file set instead of the
 * disk, so resolution inside the repository costs no system calls; only `node_modules` is read.
 * The nearest `tsconfig.json` (or `jsconfig.json`) above a file supplies its options; without one,
 * bundler-style resolution is used. `allowJs` is always on so JavaScript files resolve too.
 */
export class TsResolver {
  private readonly configs = new Map<string, ConfigEntry>();
  private readonly configOfDir = new Map<string, string>();
  private readonly host: TsNamespace.ModuleResolutionHost;
  private readonly prefix: string;

  constructor(
    private readonly ts: Ts,
    private readonly root: string,
    private readonly tracked: ReadonlySet<string>,
    private readonly trackedDirs: ReadonlySet<string>,
  ) {
    this.prefix = root.endsWith("/") ? root : `${root}/`;
    const sys = ts.sys;
    this.host = {
      fileExists: (p) => {
        const rel = this.inRepo(p);
        return rel === undefined ? sys.fileExists(p) : this.tracked.has(rel);
      },
      directoryExists: (p) => {
        // For `.`, `..`, `./` and `../` TypeScript asks about the directory with a trailing slash.
        const rel = this.inRepo(p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p);
        return rel === undefined ? sys.directoryExists(p) : rel === "" || this.trackedDirs.has(rel);
      },
      readFile: (p) => sys.readFile(p),
      realpath: (p) => (sys.realpath ? sys.realpath(p) : p),
      getCurrentDirectory: () => root,
      getDirectories: (p) => sys.getDirectories(p),
      useCaseSensitiveFileNames: sys.useCaseSensitiveFileNames,
    };
  }

  /** Repository-relative path of absolute `p` when it is a repository path outside node_modules. */
  private inRepo(p: string): string | undefined {
    if (p === this.root) return "";
    if (!p.startsWith(this.prefix)) return undefined;
    const rel = p.slice(this.prefix.length);
    return rel.includes("node_modules") ? undefined : rel;
  }

  /** The tsconfig/jsconfig governing files in repository directory `dir` ("" for none). */
  private configFor(dir: string): string {
    const known = this.configOfDir.get(dir);
    if (known !== undefined) return known;
    let found = "";
    for (const name of ["tsconfig.json", "jsconfig.json"]) {
      const rel = dir === "" || dir === "." ? name : `${dir}/${name}`;
      if (this.tracked.has(rel) || existsSync(join(this.root, rel))) {
        found = rel;
        break;
      }
    }
    if (found === "" && dir !== "" && dir !== ".") {
      const parent = posix.dirname(dir);
      found = this.configFor(parent === "." ? "" : parent);
    }
    this.configOfDir.set(dir, found);
    return found;
  }

  private entry(configRel: string): ConfigEntry {
    const known = this.configs.get(configRel);
    if (known) return known;
    const ts = this.ts;
    let options: CompilerOptions = {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    };
    if (configRel !== "") {
      const path = join(this.root, configRel);
      const read = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
      if (read.config) {
        const parsed = ts.parseJsonConfigFileContent(
          read.config,
          {
            useCaseSensitiveFileNames: ts.sys.useCaseSensitiveFileNames,
            // Only options matter here; never enumerate the project's files.
            readDirectory: () => [],
            fileExists: (p) => ts.sys.fileExists(p),
            readFile: (p) => ts.sys.readFile(p),
          },
          dirname(path),
          undefined,
          path,
        );
        options = parsed.options;
      }
    }
    options = { ...options, allowJs: true, resolveJsonModule: true };
    const cache = ts.createModuleResolutionCache(this.root, (s) => s, options);
    const entry = { options, cache };
    this.configs.set(configRel, entry);
    return entry;
  }

  /**
   * The tracked file `specifier` in `fromFile` (both repository-relative) resolves to, or
   * undefined (external packages, missing files). `require` resolves in CommonJS mode; other
   * imports in the file's own module format, falling back to the other mode.
   */
  resolve(fromFile: string, specifier: string, kind: "require" | "import"): string | undefined {
    const ts = this.ts;
    const dir = posix.dirname(fromFile);
    const { options, cache } = this.entry(this.configFor(dir === "." ? "" : dir));
    const containing = join(this.root, fromFile);
    const cjs = ts.ModuleKind.CommonJS;
    const esm = ts.ModuleKind.ESNext;
    const implied =
      kind === "require"
        ? cjs
        : (ts.getImpliedNodeFormatForFile(containing, cache.getPackageJsonInfoCache(), this.host, options) ??
          esm);
    const modes = implied === cjs ? [cjs, esm] : [esm, cjs];
    for (const mode of modes) {
      const result = ts.resolveModuleName(
        specifier,
        containing,
        options,
        this.host,
        cache,
        undefined,
        mode as TsNamespace.ResolutionMode,
      );
      const file = result.resolvedModule?.resolvedFileName;
      if (file) {
        const rel = this.inRepoAny(file);
        return rel !== undefined && this.tracked.has(rel) ? rel : undefined;
      }
    }
    return undefined;
  }

  private inRepoAny(p: string): string | undefined {
    return p.startsWith(this.prefix) ? p.slice(this.prefix.length) : undefined;
  }
}
