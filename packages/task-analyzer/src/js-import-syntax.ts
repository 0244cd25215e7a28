/**
 * Enough of the import/export grammar to read the specifier after an `import`, `export` or
 * `require` keyword: `import ... from "x"`, `import "x"`, `import type ... from "x"`,
 * `import("x")`, `export ... from "x"`, `export * from "x"`, `require("x")`.
 */
import type { JsImport } from "./js-imports.js";
import {
  CH_BACKTICK,
  CH_COMMA,
  CH_DOT,
  CH_DQUOTE,
  CH_EQ,
  CH_LBRACE,
  CH_LPAREN,
  CH_RBRACE,
  CH_RPAREN,
  CH_SQUOTE,
  CH_STAR,
  readIdent,
  readStringLiteral,
  skipTrivia,
} from "./js-lexer.js";

/** Whether `word` is a keyword an import can follow (checked first: most identifiers are not). */
export function isImportKeyword(word: string): boolean {
  return word === "import" || word === "export" || word === "require";
}

/** The import the keyword `word` ending at `end` starts, if it is `import`, `export` or `require`. */
export function importAfterKeyword(word: string, src: string, end: number): JsImport | undefined {
  if (word === "import") return matchImport(src, end);
  if (word === "export") return matchExport(src, end);
  if (word === "require") {
    const spec = readCall(src, end);
    return spec === undefined ? undefined : { specifier: spec, kind: "require" };
  }
  return undefined;
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
