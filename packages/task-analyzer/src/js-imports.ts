/**
 * Module specifiers of a TypeScript/JavaScript file, found by a small lexer instead of a parser.
 *
 * It knows comments, strings, template literals (with nested `${}`), regular expression literals
 * and enough of the import/export grammar to find: `import ... from "x"`, `import "x"`,
 * `import type ... from "x"`, `export ... from "x"`, `export * from "x"`, `import x = require("x")`,
 * `require("x")` and `import("x")` with a string literal. It finds what `ts.preProcessFile` finds
 * (the tests compare them) at a fraction of the cost of loading TypeScript, so a warm re-analysis
 * never pays for the compiler. Strings and regular expressions end at a line break, as in
 * TypeScript's scanner, which bounds the damage of a misread JSX text to one line.
 */

export type JsImportKind = "import" | "export" | "dynamic" | "require";

export interface JsImport {
  specifier: string;
  kind: JsImportKind;
}

const CH_LF = 10;
const CH_CR = 13;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_BACKSLASH = 92;
const CH_SQUOTE = 39;
const CH_DQUOTE = 34;
const CH_BACKTICK = 96;
const CH_DOLLAR = 36;
const CH_LBRACE = 123;
const CH_RBRACE = 125;
const CH_LBRACKET = 91;
const CH_RBRACKET = 93;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_DOT = 46;
const CH_COMMA = 44;
const CH_EQ = 61;
const CH_HASH = 35;
const CH_BANG = 33;

/** Keywords after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
  "extends",
]);

function isIdentStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === CH_DOLLAR || c > 127 || c === CH_HASH
  );
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isSpace(c: number): boolean {
  return (
    c === 32 || c === 9 || c === CH_LF || c === CH_CR || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff
  );
}

/** Index after whitespace and comments starting at `i`. */
function skipTrivia(src: string, i: number): number {
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c) || c === 0x2028 || c === 0x2029) {
      i++;
    } else if (c === CH_SLASH && src.charCodeAt(i + 1) === CH_SLASH) {
      i = lineEnd(src, i);
    } else if (c === CH_SLASH && src.charCodeAt(i + 1) === CH_STAR) {
      const end = src.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else {
      break;
    }
  }
  return i;
}

function lineEnd(src: string, i: number): number {
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === CH_LF || c === CH_CR) return i;
    i++;
  }
  return n;
}

/** End index (after the closing quote) of a '…' or "…" string starting at `i`; stops at a line break. */
function stringEnd(src: string, i: number): number {
  const quote = src.charCodeAt(i);
  const n = src.length;
  i++;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === quote) return i + 1;
    if (c === CH_BACKSLASH) {
      i += 2;
      continue;
    }
    if (c === CH_LF || c === CH_CR) return i;
    i++;
  }
  return n;
}

/** A string literal at `i` (quotes or a template without substitutions): its value and end. */
function readStringLiteral(src: string, i: number): { value: string; end: number } | undefined {
  const c = src.charCodeAt(i);
  if (c === CH_SQUOTE || c === CH_DQUOTE) {
    const end = stringEnd(src, i);
    if (src.charCodeAt(end - 1) !== c || end - i < 2) return undefined;
    return { value: unescapeString(src.slice(i + 1, end - 1)), end };
  }
  if (c === CH_BACKTICK) {
    const close = src.indexOf("`", i + 1);
    if (close === -1) return undefined;
    const raw = src.slice(i + 1, close);
    if (raw.includes("${") || raw.includes("\\")) return undefined;
    return { value: raw, end: close + 1 };
  }
  return undefined;
}

function unescapeString(raw: string): string {
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_m, esc: string) => {
    if (esc.startsWith("u{")) return String.fromCodePoint(Number.parseInt(esc.slice(2, -1), 16));
    if (esc.length > 1 && (esc[0] === "u" || esc[0] === "x")) {
      return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
    }
    return esc === "n" ? "\n" : esc === "t" ? "\t" : esc;
  });
}

function readIdent(src: string, i: number): { value: string; end: number } | undefined {
  if (!isIdentStart(src.charCodeAt(i))) return undefined;
  let end = i + 1;
  while (end < src.length && isIdentPart(src.charCodeAt(end))) end++;
  return { value: src.slice(i, end), end };
}

/** After `{` at `i`: index after the matching `}` of an import/export clause, or -1 if not one. */
function skipClauseBraces(src: string, i: number): number {
  const n = src.length;
  i++;
  while (i < n) {
    i = skipTrivia(src, i);
    const c = src.charCodeAt(i);
    if (c === CH_RBRACE) return i + 1;
    if (c === CH_COMMA) {
      i++;
      continue;
    }
    if (c === CH_SQUOTE || c === CH_DQUOTE) {
      const s = readStringLiteral(src, i);
      if (!s) return -1;
      i = s.end;
      continue;
    }
    const id = readIdent(src, i);
    if (!id) return -1;
    i = id.end;
  }
  return -1;
}

/** `from "x"` at `i` (after trivia): the specifier, or undefined. */
function readFrom(src: string, i: number): string | undefined {
  i = skipTrivia(src, i);
  const id = readIdent(src, i);
  if (id?.value !== "from") return undefined;
  const s = readStringLiteral(src, skipTrivia(src, id.end));
  return s?.value;
}

/** `require("x")` at `i` (after the identifier): the specifier, or undefined. */
function readCall(src: string, i: number): string | undefined {
  i = skipTrivia(src, i);
  if (src.charCodeAt(i) !== CH_LPAREN) return undefined;
  const s = readStringLiteral(src, skipTrivia(src, i + 1));
  if (!s) return undefined;
  const after = src.charCodeAt(skipTrivia(src, s.end));
  return after === CH_RPAREN || after === CH_COMMA ? s.value : undefined;
}

/** What follows the `import` keyword ending at `i`. */
function matchImport(src: string, i: number): JsImport | undefined {
  let p = skipTrivia(src, i);
  const c = src.charCodeAt(p);
  if (c === CH_LPAREN) {
    const spec = readCall(src, i);
    return spec === undefined ? undefined : { specifier: spec, kind: "dynamic" };
  }
  if (c === CH_DOT) return undefined; // import.meta
  const bare = readStringLiteral(src, p);
  if (bare && c !== CH_BACKTICK) return { specifier: bare.value, kind: "import" };
  // Import clause: identifiers (type, defer, default binding), `* as x`, `{ ... }`, commas.
  for (let steps = 0; steps < 16; steps++) {
    p = skipTrivia(src, p);
    const ch = src.charCodeAt(p);
    if (ch === CH_LBRACE) {
      p = skipClauseBraces(src, p);
      if (p < 0) return undefined;
      continue;
    }
    if (ch === CH_STAR || ch === CH_COMMA) {
      p++;
      continue;
    }
    // `import x = require("y")`: the scanner reports the require() call itself.
    if (ch === CH_EQ) return undefined;
    const id = readIdent(src, p);
    if (!id) return undefined;
    if (id.value === "from") {
      const s = readStringLiteral(src, skipTrivia(src, id.end));
      if (s) return { specifier: s.value, kind: "import" };
    }
    p = id.end;
  }
  return undefined;
}

/** What follows the `export` keyword ending at `i`: only re-exports carry a specifier. */
function matchExport(src: string, i: number): JsImport | undefined {
  let p = skipTrivia(src, i);
  const id = readIdent(src, p);
  if (id?.value === "type") p = skipTrivia(src, id.end);
  else if (id) return undefined;
  const c = src.charCodeAt(p);
  if (c === CH_STAR) {
    p = skipTrivia(src, p + 1);
    const as = readIdent(src, p);
    if (as?.value === "as") {
      p = skipTrivia(src, as.end);
      const name = readIdent(src, p) ?? readStringLiteral(src, p);
      if (!name) return undefined;
      p = name.end;
    }
  } else if (c === CH_LBRACE) {
    p = skipClauseBraces(src, p);
    if (p < 0) return undefined;
  } else {
    return undefined;
  }
  const spec = readFrom(src, p);
  return spec === undefined ? undefined : { specifier: spec, kind: "export" };
}

/** Every module specifier `src` imports, re-exports, requires or dynamically imports, in order. */
export function scanJsImports(src: string): JsImport[] {
  const out: JsImport[] = [];
  const n = src.length;
  let i = 0;
  // Hashbang.
  if (src.charCodeAt(0) === CH_HASH && src.charCodeAt(1) === CH_BANG) i = lineEnd(src, 0);
  /** Whether a `/` here would start a regular expression. */
  let regexOk = true;
  /** Whether the previous significant token was `.` (so `x.import` is not a keyword). */
  let afterDot = false;
  let braceDepth = 0;
  /** Brace depths at which an open template's `${` started. */
  const templates: number[] = [];

  /** Scans template characters from `i` (inside the literal) to its end or to a `${`. */
  const scanTemplate = (start: number): number => {
    let j = start;
    while (j < n) {
      const c = src.charCodeAt(j);
      if (c === CH_BACKSLASH) {
        j += 2;
        continue;
      }
      if (c === CH_BACKTICK) return j + 1;
      if (c === CH_DOLLAR && src.charCodeAt(j + 1) === CH_LBRACE) {
        templates.push(braceDepth);
        braceDepth++;
        return j + 2;
      }
      j++;
    }
    return n;
  };

  while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c) || c === 0x2028 || c === 0x2029) {
      i++;
      continue;
    }
    if (c === CH_SLASH) {
      const next = src.charCodeAt(i + 1);
      if (next === CH_SLASH) {
        i = lineEnd(src, i);
        continue;
      }
      if (next === CH_STAR) {
        const end = src.indexOf("*/", i + 2);
        i = end === -1 ? n : end + 2;
        continue;
      }
      if (regexOk) {
        // Regular expression literal: to the closing `/` outside a class, or the line's end.
        let j = i + 1;
        let inClass = false;
        while (j < n) {
          const r = src.charCodeAt(j);
          if (r === CH_BACKSLASH) {
            j += 2;
            continue;
          }
          if (r === CH_LF || r === CH_CR) break;
          if (inClass) {
            if (r === CH_RBRACKET) inClass = false;
          } else if (r === CH_LBRACKET) {
            inClass = true;
          } else if (r === CH_SLASH) {
            j++;
            while (j < n && isIdentPart(src.charCodeAt(j))) j++;
            break;
          }
          j++;
        }
        i = j;
        regexOk = false;
        afterDot = false;
        continue;
      }
      i++;
      regexOk = true;
      afterDot = false;
      continue;
    }
    if (c === CH_SQUOTE || c === CH_DQUOTE) {
      i = stringEnd(src, i);
      regexOk = false;
      afterDot = false;
      continue;
    }
    if (c === CH_BACKTICK) {
      const before = templates.length;
      i = scanTemplate(i + 1);
      regexOk = templates.length > before;
      afterDot = false;
      continue;
    }
    if (c === CH_LBRACE) {
      braceDepth++;
      i++;
      regexOk = true;
      afterDot = false;
      continue;
    }
    if (c === CH_RBRACE) {
      braceDepth = Math.max(0, braceDepth - 1);
      i++;
      if (templates.length > 0 && templates[templates.length - 1] === braceDepth) {
        templates.pop();
        const before = templates.length;
        i = scanTemplate(i);
        regexOk = templates.length > before;
      } else {
        regexOk = true;
      }
      afterDot = false;
      continue;
    }
    if (isDigit(c) || (c === CH_DOT && isDigit(src.charCodeAt(i + 1)))) {
      i++;
      while (i < n && (isIdentPart(src.charCodeAt(i)) || src.charCodeAt(i) === CH_DOT)) i++;
      regexOk = false;
      afterDot = false;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(src.charCodeAt(j))) j++;
      const word = src.slice(i, j);
      if (!afterDot) {
        let found: JsImport | undefined;
        if (word === "import") found = matchImport(src, j);
        else if (word === "export") found = matchExport(src, j);
        else if (word === "require") {
          const spec = readCall(src, j);
          if (spec !== undefined) found = { specifier: spec, kind: "require" };
        }
        if (found) out.push(found);
      }
      i = j;
      regexOk = REGEX_AFTER.has(word);
      afterDot = false;
      continue;
    }
    // Punctuation.
    i++;
    if (c === CH_DOT) {
      afterDot = true;
      regexOk = false;
      continue;
    }
    afterDot = false;
    regexOk = c !== CH_RPAREN && c !== CH_RBRACKET;
    if (c === CH_LPAREN || c === CH_LBRACKET) regexOk = true;
  }
  return out;
}
