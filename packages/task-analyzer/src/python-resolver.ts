import { posix } from "node:path";
import type { PyImport } from "./python-imports.js";

/**
 * Resolves Python imports to repository files. Absolute modules are looked up under the source
 * roots, in order: the repository root, `src/`, the parent of every top-level package (a directory
 * with `__init__.py` whose parent has none). A top-level script (a file whose directory is not a
 * package) also finds modules beside it, as Python puts a script's directory on `sys.path`; a
 * module inside a package never does, so `import logging` in `pkg/utils/compat.py` is the
 * standard library, not `pkg/utils/logging.py`. A module is `a/b.py` or the package
 * `a/b/__init__.py` (or their `.pyi` stubs). Modules found nowhere (the standard library,
 * installed packages) are not repository files and are dropped.
 */
export class PythonResolver {
  private readonly files: Set<string>;
  /** Directories holding at least one Python file (namespace packages count). */
  private readonly dirs = new Set<string>();
  readonly roots: string[];

  constructor(tracked: Iterable<string>) {
    this.files = new Set();
    for (const file of tracked) {
      if (!file.endsWith(".py") && !file.endsWith(".pyi")) continue;
      this.files.add(file);
      let dir = posix.dirname(file);
      while (dir !== "." && !this.dirs.has(dir)) {
        this.dirs.add(dir);
        dir = posix.dirname(dir);
      }
    }
    const roots = new Set<string>([""]);
    if ([...this.dirs].some((d) => d === "src")) roots.add("src");
    for (const file of this.files) {
      if (posix.basename(file) !== "__init__.py") continue;
      const pkg = posix.dirname(file);
      const parent = posix.dirname(pkg);
      const parentInit = parent === "." ? "__init__.py" : `${parent}/__init__.py`;
      if (!this.files.has(parentInit)) roots.add(parent === "." ? "" : parent);
    }
    this.roots = [...roots].sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)));
  }

  private join(base: string, dotted: string): string {
    const rel = dotted.replace(/\./g, "/");
    return base === "" || base === "." ? rel : rel === "" ? base : `${base}/${rel}`;
  }

  /** The file defining module path `p` (`p.py`, `p/__init__.py`, `p.pyi`), if tracked. */
  private moduleFile(p: string): string | undefined {
    for (const candidate of [`${p}.py`, `${p}/__init__.py`, `${p}.pyi`, `${p}/__init__.pyi`]) {
      if (this.files.has(candidate)) return candidate;
    }
    return undefined;
  }

  /** Whether directory `dir` is a regular package (holds `__init__.py` or its stub). */
  private isPackage(dir: string): boolean {
    const base = dir === "." || dir === "" ? "" : `${dir}/`;
    return this.files.has(`${base}__init__.py`) || this.files.has(`${base}__init__.pyi`);
  }

  /** Root-relative path of absolute module `dotted` (a module file or a package directory). */
  private absoluteBase(dotted: string, fromFile: string): string | undefined {
    const ownDir = posix.dirname(fromFile);
    const dirs = this.isPackage(ownDir) ? this.roots : [...this.roots, ownDir];
    for (const root of dirs) {
      const p = this.join(root, dotted);
      if (this.moduleFile(p) !== undefined || this.dirs.has(p)) return p;
    }
    return undefined;
  }

  /** Repository files `imp` in `fromFile` refers to (submodules first, then the module itself). */
  resolve(fromFile: string, imp: PyImport): string[] {
    let base: string | undefined;
    if (imp.level > 0) {
      let dir = posix.dirname(fromFile);
      for (let up = 1; up < imp.level; up++) {
        if (dir === "." || dir === "") return [];
        dir = posix.dirname(dir);
      }
      base = this.join(dir === "." ? "" : dir, imp.module);
    } else {
      base = this.absoluteBase(imp.module, fromFile);
    }
    if (base === undefined) return [];
    const out: string[] = [];
    let needModule = imp.names.length === 0;
    for (const name of imp.names) {
      const sub = name === "*" ? undefined : this.moduleFile(this.join(base, name));
      if (sub) out.push(sub);
      else needModule = true;
    }
    if (needModule) {
      const own = this.moduleFile(base);
      if (own) out.push(own);
    }
    return out.filter((file) => file !== fromFile);
  }
}
