/**
 * Import statements of a Python file: `import a.b as c, d`, `from .x import (y, z)`,
 * `from . import m`, and `importlib.import_module("a.b")` / `__import__("a.b")` with a string
 * literal. Comments and string contents (docstrings included) are never read as code; statements
 * continue across parentheses and backslash line ends; `;` separates statements.
 */

export interface PyImport {
  /** Leading dots of a relative import (0 for absolute). */
  level: number;
  /** Dotted module name after the dots; "" for `from . import x`. */
  module: string;
  /** Names after `from ... import`; empty for `import a.b`. `*` is kept. */
  names: string[];
}

const STRING_PREFIX = /[rRbBuUfF]{0,2}$/;

/** Splits source into logical lines with comments removed and strings replaced by `"…"` (content kept). */
function logicalLines(src: string): string[] {
  const lines: string[] = [];
  let current = "";
  let depth = 0;
  const n = src.length;
  let i = 0;
  while (i < n) {
    const ch = src[i] as string;
    if (ch === "#") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const triple = src.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      let j = i + quote.length;
      let value = "";
      while (j < n) {
        if (src[j] === "\\") {
          value += src.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (src.startsWith(quote, j)) break;
        if (!triple && src[j] === "\n") break;
        value += src[j];
        j++;
      }
      i = Math.min(n, j + (src.startsWith(quote, j) ? quote.length : 0));
      // A string prefix (r, b, f…) was already copied as identifier characters; drop it.
      current = current.replace(STRING_PREFIX, "");
      current += triple ? '""' : `"${value.replace(/"/g, "'")}"`;
      continue;
    }
    if (ch === "\\" && src[i + 1] === "\n") {
      current += " ";
      i += 2;
      continue;
    }
    if (ch === "\\" && src[i + 1] === "\r" && src[i + 2] === "\n") {
      current += " ";
      i += 3;
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth = Math.max(0, depth - 1);
    if (ch === "\n") {
      if (depth > 0) {
        current += " ";
      } else {
        lines.push(current);
        current = "";
      }
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current !== "") lines.push(current);
  return lines;
}

const IMPORT_RE = /^import\s+(.+)$/;
const FROM_RE = /^from\s+(\.*)\s*([A-Za-z_][\w.]*)?\s+import\s+(.+)$/;
const DYNAMIC_RE = /(?:\bimportlib\s*\.\s*import_module|\b__import__)\s*\(\s*"([A-Za-z_][\w.]*)"/g;
const NAME_RE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/;

function stripAlias(part: string): string {
  return part
    .trim()
    .replace(/\s+as\s+\w+$/, "")
    .trim();
}

/** Every import of Python source `src`, in order. */
export function scanPythonImports(src: string): PyImport[] {
  const out: PyImport[] = [];
  for (const line of logicalLines(src)) {
    for (const raw of line.split(";")) {
      const stmt = raw.trim();
      if (stmt === "") continue;
      const imp = IMPORT_RE.exec(stmt);
      if (imp) {
        for (const part of (imp[1] as string).split(",")) {
          const module = stripAlias(part);
          if (NAME_RE.test(module)) out.push({ level: 0, module, names: [] });
        }
        continue;
      }
      const from = FROM_RE.exec(stmt);
      if (from) {
        const level = (from[1] as string).length;
        const module = from[2] ?? "";
        if (level === 0 && module === "") continue;
        const names = (from[3] as string)
          .replace(/[()]/g, " ")
          .split(",")
          .map(stripAlias)
          .filter((name) => name === "*" || /^[A-Za-z_]\w*$/.test(name));
        out.push({ level, module, names });
        continue;
      }
      if (stmt.includes("import")) {
        for (const m of stmt.matchAll(DYNAMIC_RE)) out.push({ level: 0, module: m[1] as string, names: [] });
      }
    }
  }
  return out;
}

/** Compact text form for the cache: `level|module|name,name`. */
export function encodePyImport(imp: PyImport): string {
  return `${imp.level}|${imp.module}|${imp.names.join(",")}`;
}

export function decodePyImport(text: string): PyImport {
  const [level = "0", module = "", names = ""] = text.split("|");
  return { level: Number(level), module, names: names === "" ? [] : names.split(",") };
}
