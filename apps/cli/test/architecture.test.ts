import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// docs/ARCHITECTURE.md draws exactly what the code imports: each package's `@gadugi/*` imports
// in its sources (tests and test helpers aside) are its package.json dependencies; the package
// graph's arrows are those dependencies less the ones a longer path already implies (the
// transitive reduction); and the dependency table lists each package's direct dependencies.
// Sources are read as text, so this covers every package.

const root = fileURLToPath(new URL("../../../", import.meta.url));

interface Workspace {
  /** Short name: `git` for @gadugi/git, `cli` for @gadugi/cli. */
  name: string;
  dir: string;
  dependencies: string[];
  devDependencies: string[];
  private: boolean;
}

function shortName(pkg: string): string {
  return pkg.replace(/^@gadugi\//, "");
}

function workspaces(): Workspace[] {
  const dirs = [
    ...readdirSync(join(root, "packages")).map((d) => join(root, "packages", d)),
    join(root, "apps", "cli"),
  ].filter((dir) => existsSync(join(dir, "package.json")));
  return dirs.map((dir) => {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
      private?: boolean;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const ours = (deps: Record<string, string> | undefined) =>
      Object.keys(deps ?? {})
        .filter((d) => d.startsWith("@gadugi/"))
        .map(shortName)
        .sort();
    return {
      name: shortName(pkg.name),
      dir,
      dependencies: ours(pkg.dependencies),
      devDependencies: ours(pkg.devDependencies),
      private: pkg.private === true,
    };
  });
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "test-helpers" && entry.name !== "node_modules") out.push(...sourceFiles(path));
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** The `@gadugi/*` packages a workspace's sources import (static, dynamic and type imports). */
function importedPackages(workspace: Workspace): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(join(workspace.dir, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(
      /(?:from\s+|import\s*\(\s*|import\s+)["']@gadugi\/([a-z-]+)(?:\/[^"']*)?["']/g,
    )) {
      const name = match[1] ?? "";
      if (!found.has(name)) found.set(name, relative(root, file));
    }
  }
  return found;
}

function architectureDoc(): string {
  return readFileSync(join(root, "docs", "ARCHITECTURE.md"), "utf8");
}

/** The arrows of the package graph in docs/ARCHITECTURE.md: package → packages it depends on. */
function drawnGraph(): Map<string, string[]> {
  const block = /```mermaid\n(graph BT[\s\S]*?)```/.exec(architectureDoc())?.[1];
  if (block === undefined) throw new Error("docs/ARCHITECTURE.md has no ```mermaid graph BT block");
  const ids = new Map<string, string>();
  for (const match of block.matchAll(/^\s*(\w+)\["@gadugi\/([a-z-]+)/gm))
    ids.set(match[1] ?? "", match[2] ?? "");
  const graph = new Map<string, string[]>();
  for (const name of ids.values()) graph.set(name, []);
  for (const match of block.matchAll(/^\s*(\w+)\s*-->\s*(\w+)\s*$/gm)) {
    const from = ids.get(match[1] ?? "");
    const to = ids.get(match[2] ?? "");
    if (from === undefined || to === undefined) throw new Error(`unknown node in arrow: ${match[0].trim()}`);
    graph.get(from)?.push(to);
  }
  for (const [name, deps] of graph) graph.set(name, deps.sort());
  return graph;
}

/** The rows of the "Direct dependencies" table: package → the packages it lists. */
function dependencyTable(): Map<string, string[]> {
  const doc = architectureDoc();
  const section = doc.slice(doc.indexOf("## Direct dependencies"));
  const rows = new Map<string, string[]>();
  for (const match of section.matchAll(/^\| `@gadugi\/([a-z-]+)` \| ([^|]*) \|$/gm)) {
    const deps = [...(match[2] ?? "").matchAll(/`([a-z-]+)`/g)].map((m) => m[1] ?? "");
    rows.set(match[1] ?? "", deps.sort());
  }
  return rows;
}

/** Each dependency a longer path does not already imply. */
function transitiveReduction(graph: Map<string, string[]>): Map<string, string[]> {
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (graph.get(from) ?? []).some((next) => reaches(next, to, seen));
  };
  const reduced = new Map<string, string[]>();
  for (const [name, deps] of graph) {
    reduced.set(
      name,
      deps.filter((dep) => !deps.some((other) => other !== dep && reaches(other, dep))).sort(),
    );
  }
  return reduced;
}

const all = workspaces();
const published = all.filter((w) => !w.private);
const dependencies = new Map(published.map((w) => [w.name, w.dependencies]));

describe("docs/ARCHITECTURE.md and the code", () => {
  it.each(all.map((w) => [w.name, w] as const))(
    "%s: its imports are its package.json dependencies",
    (_n, w) => {
      const imported = importedPackages(w);
      const missing = [...imported.keys()]
        .filter((name) => name !== w.name && !w.dependencies.includes(name))
        .map((name) => `${name} (imported by ${imported.get(name)})`);
      expect(missing, "imported but not a dependency").toEqual([]);
      expect(
        w.dependencies.filter((name) => !imported.has(name)),
        "a dependency nothing in src imports",
      ).toEqual([]);
    },
  );

  it("the package graph's arrows are the dependencies no longer path implies", () => {
    expect(Object.fromEntries(drawnGraph())).toEqual(Object.fromEntries(transitiveReduction(dependencies)));
  });

  it("the dependency table lists every published package's direct dependencies", () => {
    expect(Object.fromEntries(dependencyTable())).toEqual(Object.fromEntries(dependencies));
  });

  it("test-utils is for tests only: no published package depends on it outside devDependencies", () => {
    expect(published.filter((w) => w.dependencies.includes("test-utils")).map((w) => w.name)).toEqual([]);
  });
});
