/**
 * Module specifiers of a TypeScript/JavaScript file, found by a small lexer instead of a parser.
 *
 * It knows comments, strings, template literals (with nested `${}`), regular expression literals
 * (js-lexer.ts) and enough of the import/export grammar (js-import-syntax.ts) to find:
 * `import ... from "x"`, `import "x"`, `import type ... from "x"`, `export ... from "x"`,
 * `export * from "x"`, `import x = require("x")`, `require("x")` and `import("x")` with a string
 * literal. It finds what `ts.preProcessFile` finds (the tests compare them) at a fraction of the
 * cost of loading TypeScript, so a warm re-analysis never pays for the compiler. Strings and
 * regular expressions end at a line break, as in TypeScript's scanner, which bounds the damage of
 * a misread JSX text to one line.
 */
import { importAfterKeyword, isImportKeyword } from "./js-import-syntax.js";
import {
  blockCommentEnd,
  CH_BACKSLASH,
  CH_BACKTICK,
  CH_BANG,
  CH_DOLLAR,
  CH_DOT,
  CH_DQUOTE,
  CH_HASH,
  CH_LBRACE,
  CH_LBRACKET,
  CH_LPAREN,
  CH_RBRACE,
  CH_RBRACKET,
  CH_RPAREN,
  CH_SLASH,
  CH_SQUOTE,
  CH_STAR,
  identEnd,
  isDigit,
  isIdentStart,
  isWhitespace,
  lineEnd,
  numberEnd,
  regexEnd,
  stringEnd,
} from "./js-lexer.js";

export type JsImportKind = "import" | "export" | "dynamic" | "require";

export interface JsImport {
  specifier: string;
  kind: JsImportKind;
}

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

/** Brace depth, and the depth at which each open template literal's `${` started. */
interface Nesting {
  depth: number;
  templates: number[];
}

/**
 * Scans template characters from `start` (inside the literal) to the closing backtick or to a
 * `${`, which opens a substitution at the current depth. Returns the index after either, and
 * whether a substitution was opened (then a `/` next starts a regular expression).
 */
function templatePart(src: string, start: number, nesting: Nesting): { end: number; opened: boolean } {
  const n = src.length;
  let j = start;
  while (j < n) {
    const c = src.charCodeAt(j);
    if (c === CH_BACKSLASH) {
      j += 2;
      continue;
    }
    if (c === CH_BACKTICK) return { end: j + 1, opened: false };
    if (c === CH_DOLLAR && src.charCodeAt(j + 1) === CH_LBRACE) {
      nesting.templates.push(nesting.depth);
      nesting.depth++;
      return { end: j + 2, opened: true };
    }
    j++;
  }
  return { end: n, opened: false };
}

/** Every module specifier `src` imports, re-exports, requires or dynamically imports, in order. */
export function scanJsImports(src: string): JsImport[] {
  const out: JsImport[] = [];
  const n = src.length;
  const nesting: Nesting = { depth: 0, templates: [] };
  const hashbang = src.charCodeAt(0) === CH_HASH && src.charCodeAt(1) === CH_BANG;
  let i = hashbang ? lineEnd(src, 0) : 0;
  /** Whether a `/` here would start a regular expression. */
  let regexOk = true;
  /** Whether the previous significant token was `.` (so `x.import` is not a keyword). */
  let afterDot = false;

  while (i < n) {
    const c = src.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
      continue;
    }
    if (c === CH_SLASH) {
      const next = src.charCodeAt(i + 1);
      if (next === CH_SLASH || next === CH_STAR) {
        i = next === CH_SLASH ? lineEnd(src, i) : blockCommentEnd(src, i);
        continue;
      }
      if (regexOk) {
        i = regexEnd(src, i);
        regexOk = false;
      } else {
        i++; // division
        regexOk = true;
      }
    } else if (c === CH_SQUOTE || c === CH_DQUOTE) {
      i = stringEnd(src, i);
      regexOk = false;
    } else if (c === CH_BACKTICK) {
      const part = templatePart(src, i + 1, nesting);
      i = part.end;
      regexOk = part.opened;
    } else if (c === CH_LBRACE) {
      nesting.depth++;
      i++;
      regexOk = true;
    } else if (c === CH_RBRACE) {
      nesting.depth = Math.max(0, nesting.depth - 1);
      i++;
      regexOk = true;
      const open = nesting.templates.length;
      if (open > 0 && nesting.templates[open - 1] === nesting.depth) {
        // The `}` closes a template's `${`: the template goes on.
        nesting.templates.pop();
        const part = templatePart(src, i, nesting);
        i = part.end;
        regexOk = part.opened;
      }
    } else if (isDigit(c) || (c === CH_DOT && isDigit(src.charCodeAt(i + 1)))) {
      i = numberEnd(src, i);
      regexOk = false;
    } else if (isIdentStart(c)) {
      const end = identEnd(src, i + 1);
      const word = src.slice(i, end);
      if (!afterDot && isImportKeyword(word)) {
        const found = importAfterKeyword(word, src, end);
        if (found) out.push(found);
      }
      i = end;
      regexOk = REGEX_AFTER.has(word);
    } else {
      // Punctuation.
      i++;
      afterDot = c === CH_DOT;
      regexOk = !afterDot && c !== CH_RPAREN && c !== CH_RBRACKET;
      if (c === CH_LPAREN || c === CH_LBRACKET) regexOk = true;
      continue;
    }
    afterDot = false;
  }
  return out;
}
