/**
 * Where a prompt's text names a path: code spans, link targets, bare path-like words, and lines
 * of code blocks that hold only a path (file lists, trees).
 */
import { posix } from "node:path";
import type { MdLine } from "./markdown.js";

/** A candidate path on a line, with where it is on the line. */
export interface Mention {
  raw: string;
  line: number;
  start: number;
  end: number;
  /** In a code span or a link target. */
  quoted: boolean;
  /** The whole line. */
  text: string;
}

/** Extensions a file mentioned in prose may have (others are words like `e.g.` or versions). */
const EXTENSIONS = new Set(
  (
    "ts tsx mts cts js jsx mjs cjs d.ts py pyi ipynb md mdx markdown rst txt json jsonc json5 yaml yml toml ini cfg conf env " +
    "sh bash zsh ps1 bat css scss sass less html htm vue svelte astro go rs java kt kts scala rb php c h cc cpp hpp cs fs " +
    "swift m mm sql graphql gql proto xml gradle lock csv tsv svg lua r dart ex exs erl hs clj tf hcl dockerfile makefile"
  ).split(" "),
);

const TOKEN = /[^\s,;()[\]<>"'`|{}]+/g;
const TRIM_START = /^[*_~>]+/;
const TRIM_END = /[.:,;!?*_~>]+$/;

/** Candidate paths on one prose line: code spans, link targets and bare path-like words. */
export function mentionsOnLine(l: MdLine): Mention[] {
  const out: Mention[] = [];
  const text = l.text;
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    const start = m.index ?? 0;
    spans.push([start, start + m[0].length]);
    const inner = (m[1] as string).trim();
    if (!/\s/.test(inner))
      out.push({ raw: inner, line: l.line, start, end: start + m[0].length, quoted: true, text });
  }
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const start = (m.index ?? 0) + 2;
    spans.push([start - 2, start + (m[1] as string).length + 1]);
    out.push({
      raw: m[1] as string,
      line: l.line,
      start,
      end: start + (m[1] as string).length,
      quoted: true,
      text,
    });
  }
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index ?? 0;
    if (spans.some(([a, b]) => start >= a && start < b)) continue;
    const word = m[0].replace(TRIM_START, "").replace(TRIM_END, "");
    if (word === "") continue;
    out.push({ raw: word, line: l.line, start, end: start + m[0].length, quoted: false, text });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** A fenced line that is only a path (file lists, trees): `src/a.ts`, `├── a.ts`, `- a.ts`. */
export function mentionInCode(l: MdLine): Mention | undefined {
  const t = l.text
    .replace(/^[\s│├└─|`\-*+#]+/, "")
    .replace(/\s+#.*$/, "")
    .trim();
  if (t === "" || /\s/.test(t) || /^(`{3}|~{3})/.test(l.text.trim())) return undefined;
  return { raw: t, line: l.line, start: 0, end: l.text.length, quoted: false, text: l.text };
}

export function hasKnownExtension(path: string): boolean {
  const base = posix.basename(path).toLowerCase();
  if (base === "dockerfile" || base === "makefile") return true;
  const dot = base.lastIndexOf(".");
  return dot > 0 && EXTENSIONS.has(base.slice(dot + 1));
}

/** `src/a.ts:12`, `src/a.ts:12:3`, `src/a.ts#L5-L9` → `src/a.ts`. */
export function withoutLineSuffix(raw: string): string {
  return raw.replace(/(?::\d+(?::\d+)?|#L\d+(?:-L?\d+)?)$/, "");
}

/** Whether a mention looks like a path: has a slash, a known extension, or is a dotfile name. */
export function pathLike(raw: string): boolean {
  if (/:\/\/|^(?:https?|mailto|www)\b/i.test(raw) || raw.startsWith("@") || raw.startsWith("#")) return false;
  // `/**` and ` */` of a doc comment, `/` alone, a protocol-relative `//host/x`: not paths.
  if (!/[A-Za-z0-9]/.test(raw) || raw.startsWith("//")) return false;
  if (!/^[\w.~/*?-][\w.@~+\-/*?[\]{}]*$/.test(raw)) return false;
  return raw.includes("/") || hasKnownExtension(raw) || /^\.[\w-]+$/.test(raw);
}
