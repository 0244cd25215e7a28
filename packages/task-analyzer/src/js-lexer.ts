/**
 * The lexical pieces of JavaScript/TypeScript source the import scanner steps over: whitespace,
 * comments, strings, regular expression literals, numbers and identifiers. Strings and regular
 * expressions end at a line break, as in TypeScript's scanner.
 */

export const CH_LF = 10;
export const CH_CR = 13;
export const CH_SLASH = 47;
export const CH_STAR = 42;
export const CH_BACKSLASH = 92;
export const CH_SQUOTE = 39;
export const CH_DQUOTE = 34;
export const CH_BACKTICK = 96;
export const CH_DOLLAR = 36;
export const CH_LBRACE = 123;
export const CH_RBRACE = 125;
export const CH_LBRACKET = 91;
export const CH_RBRACKET = 93;
export const CH_LPAREN = 40;
export const CH_RPAREN = 41;
export const CH_DOT = 46;
export const CH_COMMA = 44;
export const CH_EQ = 61;
export const CH_HASH = 35;
export const CH_BANG = 33;

export function isIdentStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === CH_DOLLAR || c > 127 || c === CH_HASH
  );
}

export function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whitespace and line terminators (including U+2028 and U+2029). */
export function isWhitespace(c: number): boolean {
  return (
    c === 32 ||
    c === 9 ||
    c === CH_LF ||
    c === CH_CR ||
    c === 11 ||
    c === 12 ||
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x2028 ||
    c === 0x2029
  );
}

/** Index after whitespace and comments starting at `i`. */
export function skipTrivia(src: string, i: number): number {
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (isWhitespace(c)) {
      i++;
    } else if (c === CH_SLASH && src.charCodeAt(i + 1) === CH_SLASH) {
      i = lineEnd(src, i);
    } else if (c === CH_SLASH && src.charCodeAt(i + 1) === CH_STAR) {
      i = blockCommentEnd(src, i);
    } else {
      break;
    }
  }
  return i;
}

/** Index after the block comment starting at `i`, or the source's length when it is not closed. */
export function blockCommentEnd(src: string, i: number): number {
  const end = src.indexOf("*/", i + 2);
  return end === -1 ? src.length : end + 2;
}

/** Index of the line break ending the line at `i`, or the source's length. */
export function lineEnd(src: string, i: number): number {
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === CH_LF || c === CH_CR) return i;
    i++;
  }
  return n;
}

/** End index (after the closing quote) of a '…' or "…" string starting at `i`; stops at a line break. */
export function stringEnd(src: string, i: number): number {
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

/**
 * End index of a regular expression literal whose `/` is at `i`: after the closing `/` (outside a
 * character class) and its flags, or the line's end.
 */
export function regexEnd(src: string, i: number): number {
  const n = src.length;
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
      return identEnd(src, j + 1);
    }
    j++;
  }
  return j;
}

/** End index of a numeric literal starting at `i` (digits, `.`, exponents, suffixes, separators). */
export function numberEnd(src: string, i: number): number {
  const n = src.length;
  i++;
  while (i < n && (isIdentPart(src.charCodeAt(i)) || src.charCodeAt(i) === CH_DOT)) i++;
  return i;
}

/** Index after the identifier characters starting at `i` (`i` itself when there are none). */
export function identEnd(src: string, i: number): number {
  const n = src.length;
  while (i < n && isIdentPart(src.charCodeAt(i))) i++;
  return i;
}

/** An identifier at `i`: its text and end. */
export function readIdent(src: string, i: number): { value: string; end: number } | undefined {
  if (!isIdentStart(src.charCodeAt(i))) return undefined;
  const end = identEnd(src, i + 1);
  return { value: src.slice(i, end), end };
}

/** A string literal at `i` (quotes or a template without substitutions): its value and end. */
export function readStringLiteral(src: string, i: number): { value: string; end: number } | undefined {
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
