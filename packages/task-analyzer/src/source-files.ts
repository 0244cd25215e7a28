/** Which tracked files are TypeScript/JavaScript or Python sources, and the import specifiers of one. */
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { scanJsImports } from "./js-imports.js";
import { encodePyImport, scanPythonImports } from "./python-imports.js";

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

/**
 * The distinct import specifiers of the file at `absolute`, in the cache's form: Python imports
 * encoded (`encodePyImport`), TS/JS ones as `i:<specifier>` or `r:<specifier>` (require), without
 * Node built-ins. An unreadable or oversized file has none.
 */
export function scanSourceFile(absolute: string, language: SourceLanguage): string[] {
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

/** Specifiers of one file content, as cached: one per line. */
export function splitSpecs(text: string): string[] {
  return text === "" ? [] : text.split("\n");
}
