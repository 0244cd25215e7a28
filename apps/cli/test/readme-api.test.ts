import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Every package README documents its public API: each runtime export of `src/index.ts` is named
// in the README, and every name a README imports from a `@gadugi/*` package is still exported.
// Nothing is imported: the sources are read as text, so this also covers packages the CLI does
// not depend on.

const packagesDir = fileURLToPath(new URL("../../../packages", import.meta.url));
const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, "src/index.ts")))
  .map((entry) => entry.name)
  .sort();

interface ExportedName {
  name: string;
  typeOnly: boolean;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The named exports of a module, following `export * from "./x.js"` into sibling sources. */
function exportedNames(file: string, seen = new Set<string>()): ExportedName[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = stripComments(readFileSync(file, "utf8"));
  const names: ExportedName[] = [];

  // export { a, b as c, type T } from "…";  export type { T, U } from "…";  export { a };
  for (const match of source.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    const wholeTypeOnly = match[1] !== undefined;
    for (const raw of (match[2] ?? "").split(",")) {
      const specifier = raw.trim();
      if (specifier === "") continue;
      const typeOnly = wholeTypeOnly || /^type\s/.test(specifier);
      const parts = specifier.replace(/^type\s+/, "").split(/\s+as\s+/);
      const name = (parts[1] ?? parts[0] ?? "").trim();
      if (name !== "") names.push({ name, typeOnly });
    }
  }

  // export * from "./x.js";
  for (const match of source.matchAll(/export\s+\*\s+from\s+["'](\.[^"']+)["']/g)) {
    const target = resolve(dirname(file), (match[1] ?? "").replace(/\.js$/, ".ts"));
    names.push(...exportedNames(target, seen));
  }

  // export function / async function / class / abstract class / const / let / var / enum NAME
  for (const match of source.matchAll(
    /export\s+(?:declare\s+)?(?:async\s+function\*?|function\*?|abstract\s+class|class|const\s+enum|enum|const|let|var)\s+([A-Za-z_$][\w$]*)/g,
  )) {
    names.push({ name: match[1] ?? "", typeOnly: false });
  }
  // export interface NAME / export type NAME =
  for (const match of source.matchAll(/export\s+(?:declare\s+)?(?:interface|type)\s+([A-Za-z_$][\w$]*)/g)) {
    names.push({ name: match[1] ?? "", typeOnly: true });
  }
  return names;
}

function packageExports(pkg: string): ExportedName[] {
  return exportedNames(join(packagesDir, pkg, "src/index.ts"));
}

function runtimeExports(pkg: string): string[] {
  // A zod schema is exported as a value and a type of the same name: it counts as runtime.
  const runtime = new Set(
    packageExports(pkg)
      .filter((n) => !n.typeOnly && n.name !== "")
      .map((n) => n.name),
  );
  return [...runtime].sort();
}

function readme(pkg: string): string {
  return readFileSync(join(packagesDir, pkg, "README.md"), "utf8");
}

function mentions(text: string, name: string): boolean {
  const escaped = name.replace(/\$/g, "\\$");
  return new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`).test(text);
}

/** `type A as B` → `A`: the name the package must export. */
function importedName(specifier: string): string {
  const [name = ""] = specifier
    .trim()
    .replace(/^type\s+/, "")
    .split(/\s+as\s+/);
  return name.trim();
}

/** Names a README's code imports from `@gadugi/<pkg>`, by package. */
function readmeImports(text: string): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const match of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+["']@gadugi\/([\w-]+)["']/g)) {
    const pkg = match[2] ?? "";
    const names = (match[1] ?? "")
      .split(",")
      .map(importedName)
      .filter((s) => s !== "");
    imports.set(pkg, [...(imports.get(pkg) ?? []), ...names]);
  }
  return imports;
}

describe("package READMEs", () => {
  it("finds the packages and their exports", () => {
    expect(packages).toContain("interfaces");
    expect(runtimeExports("git")).toContain("GitClient");
    expect(runtimeExports("git")).not.toContain("RunResult");
  });

  for (const pkg of packages) {
    describe(`packages/${pkg}/README.md`, () => {
      it("names every runtime export of src/index.ts", () => {
        const text = readme(pkg);
        const missing = runtimeExports(pkg).filter((name) => !mentions(text, name));
        expect(missing, `exported by packages/${pkg}/src/index.ts but not in its README`).toEqual([]);
      });

      it("imports only names its packages still export", () => {
        const stale: string[] = [];
        for (const [from, names] of readmeImports(readme(pkg))) {
          if (!packages.includes(from)) continue;
          const exported = new Set(packageExports(from).map((n) => n.name));
          for (const name of names) if (!exported.has(name)) stale.push(`${name} from @gadugi/${from}`);
        }
        expect(stale, `imported in packages/${pkg}/README.md but not exported`).toEqual([]);
      });
    });
  }
});
