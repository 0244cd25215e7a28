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

/** Letters that may prefix a string literal (r, b, u, f and pairs such as rb, Rb, fr). */
const PREFIX_LETTERS = new Set("rRbBuUfF");
/** Characters that end a run of plain code: comments, strings, backslashes, line ends. */
const SPECIAL = /[#'"\\\n]/g;

/**
 * Where the string literal opened by `quote` at `start` ends: `contentEnd` is the index of its
 * closing quote (or of the line end / end of source when it is unterminated), `end` the index
 * just after it.
 */
function stringEnd(src: string, start: number, quote: string): { contentEnd: number; end: number } {
  const triple = quote.length === 3;
  let j = start + quote.length;
  while (j < src.length) {
    const c = src[j];
    if (c === "\\") j += 2;
    else if (src.startsWith(quote, j)) return { contentEnd: j, end: j + quote.length };
    else if (!triple && c === "\n") return { contentEnd: j, end: j };
    else j++;
  }
  return { contentEnd: src.length, end: src.length };
}

/**
 * Splits source into logical lines with comments removed and strings replaced by `"…"` (content
 * kept, so `import_module("a.b")` stays readable; triple-quoted strings become `""`). Linear: a
 * logical line is built from slices joined once, and nothing already collected is searched or
 * copied again, so a megabyte-long bracketed literal costs what its bytes cost.
 */
function logicalLines(src: string): string[] {
  const lines: string[] = [];
  let parts: string[] = [];
  let depth = 0;
  let i = 0;
  const endLine = (): void => {
    lines.push(parts.join(""));
    parts = [];
  };
  while (i < src.length) {
    SPECIAL.lastIndex = i;
    const next = SPECIAL.exec(src);
    const stop = next ? next.index : src.length;
    if (stop > i) {
      let run = src.slice(i, stop);
      depth = bracketDepth(run, depth);
      const ch = src[stop];
      if (ch === "'" || ch === '"') {
        // A string prefix (r, b, f…) was plain code just before the quote; drop it.
        let cut = run.length;
        while (cut > run.length - 2 && cut > 0 && PREFIX_LETTERS.has(run[cut - 1] as string)) cut--;
        run = run.slice(0, cut);
      }
      parts.push(run);
    }
    if (!next) break;
    i = stop;
    const ch = next[0];
    if (ch === "#") {
      const newline = src.indexOf("\n", i);
      i = newline < 0 ? src.length : newline;
    } else if (ch === "'" || ch === '"') {
      const quote = src.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      const { contentEnd, end } = stringEnd(src, i, quote);
      const value = src.slice(i + quote.length, contentEnd);
      parts.push(quote.length === 3 ? '""' : `"${value.replace(/"/g, "'")}"`);
      i = end;
    } else if (ch === "\\") {
      const skip = src[i + 1] === "\n" ? 2 : src[i + 1] === "\r" && src[i + 2] === "\n" ? 3 : 0;
      parts.push(skip > 0 ? " " : "\\");
      i += skip > 0 ? skip : 1;
    } else {
      if (depth > 0) parts.push(" ");
      else endLine();
      i++;
    }
  }
  if (parts.length > 0) endLine();
  return lines;
}

/** Bracket depth after `run` of plain code, starting at `depth` (never below zero). */
function bracketDepth(run: string, depth: number): number {
  let d = depth;
  for (let k = 0; k < run.length; k++) {
    // 40 41 `(` `)`, 91 93 `[` `]`, 123 125 `{` `}`
    const c = run.charCodeAt(k);
    if (c === 40 || c === 91 || c === 123) d++;
    else if (c === 41 || c === 93 || c === 125) d = Math.max(0, d - 1);
  }
  return d;
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
