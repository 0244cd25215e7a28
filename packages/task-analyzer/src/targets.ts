import { posix } from "node:path";
import type { FileAccess, PlanWarning, TargetFile } from "@gadugi/interfaces";
import type { FrontmatterTarget } from "./frontmatter.js";
import { type MdLine, splitMarkdown } from "./markdown.js";
import { globToRegExp, isGlob, normalizeRepoPath } from "./paths.js";
import { closestTrackedFile } from "./typos.js";

/** What target extraction knows about the repository. */
export interface RepoFiles {
  root: string;
  /** Tracked files, repository-relative, in git's order. */
  list: readonly string[];
  set: ReadonlySet<string>;
  /** Every directory holding a tracked file. */
  dirs: ReadonlySet<string>;
  /** basename → tracked paths with it. */
  byBasename: ReadonlyMap<string, readonly string[]>;
}

/** The repository's tracked files with the lookups target extraction needs (built on first use). */
export function repoFiles(root: string, tracked: readonly string[]): RepoFiles {
  let dirs: Set<string> | undefined;
  let byBasename: Map<string, string[]> | undefined;
  let set: Set<string> | undefined;
  return {
    root,
    list: tracked,
    get set() {
      set ??= new Set(tracked);
      return set;
    },
    get dirs() {
      if (!dirs) {
        dirs = new Set<string>();
        for (const file of tracked) {
          for (let slash = file.lastIndexOf("/"); slash > 0; slash = file.lastIndexOf("/", slash - 1)) {
            const dir = file.slice(0, slash);
            if (dirs.has(dir)) break;
            dirs.add(dir);
          }
        }
      }
      return dirs;
    },
    get byBasename() {
      if (!byBasename) {
        byBasename = new Map<string, string[]>();
        for (const file of tracked) {
          const base = file.slice(file.lastIndexOf("/") + 1);
          const list = byBasename.get(base);
          if (list) list.push(file);
          else byBasename.set(base, [file]);
        }
      }
      return byBasename;
    },
  };
}

/** Extensions a file mentioned in prose may have (others are words like `e.g.` or versions). */
const EXTENSIONS = new Set(
  (
    "ts tsx mts cts js jsx mjs cjs d.ts py pyi ipynb md mdx markdown rst txt json jsonc json5 yaml yml toml ini cfg conf env " +
    "sh bash zsh ps1 bat css scss sass less html htm vue svelte astro go rs java kt kts scala rb php c h cc cpp hpp cs fs " +
    "swift m mm sql graphql gql proto xml gradle lock csv tsv svg lua r dart ex exs erl hs clj tf hcl dockerfile makefile"
  ).split(" "),
);

/** Words before a path saying the task only reads it. */
const READ_CUE =
  /\b(?:read|reads|reading|see|refer to|reference|references|referencing|consult|look at|looking at|based on|similar to|like|following the pattern (?:of|in)|pattern in|example in|examples? from|inspired by|mirror|mirrors|documented in|described in|defined in|as in|compare with|context|no changes? (?:to|in|for))\b/g;
/** Words before a path saying the task writes it. */
const WRITE_CUE =
  /\b(?:modify|modifies|modifying|update|updates|updating|change|changes|changing|edit|edits|editing|fix|fixes|fixing|refactor|refactoring|rewrite|rewriting|add|adds|adding|extend|extending|implement|implementing|remove|removing|delete|deleting|rename|renaming|move|moving|replace|replacing|write|writing|patch|create|creates|creating|touch|migrate|convert|split|adjust|improve|correct)\b/g;
/** A negated write ("do not modify", "without changing", "must not be modified") is a read. */
const NEGATED_WRITE =
  /\b(?:do not|don't|must not|should not|never|without)\s+(?:\w+\s+){0,2}?(?:modify|modifying|modified|change|changing|changed|edit|editing|edited|touch|touching|touched|update|updating|updated|alter|altering|altered|rewrite|rewriting)\b/g;
/**
 * "Keep"/"leave" before a path is a read when the rest of its sentence says the file stays as it
 * is ("keep `x` unchanged", "leave `x` and `y` as is"); alone it says nothing ("keep `x` in sync").
 */
const KEEP_CUE = /\b(?:keep|keeps|keeping|leave|leaves|leaving)\b/g;
const KEPT_AS_IS = /\b(?:unchanged|untouched|intact|as[- ]is|as it is|alone|read[- ]?only)\b/i;
/** Words right after a path saying the task only reads it: "(read-only)", "stays unchanged", "needs no change". */
const READ_AFTER = new RegExp(
  "^[`'\"*_]*\\s*(?:" +
    [
      String.raw`\((?:read[- ]?only|for reference|reference|unchanged|no changes?|do not (?:modify|change|edit|touch))\b[^)]*\)`,
      String.raw`\s+(?:unchanged|untouched|intact)\b`,
      String.raw`\s+(?:is|are|stays?|remains?|(?:should|must|will|can) (?:stay|remain|be left|be kept)) (?:unchanged|untouched|intact|as[- ]is)\b`,
      String.raw`\s+(?:needs?|requires|gets|should get|will need) no (?:changes?|edits?|modifications?|updates?)\b`,
      String.raw`\s+(?:must|should|does|do|will|need|needs to|is|are) not (?:be )?(?:change|changed|modif(?:y|ied)|edit|edited|touch|touched|alter|altered|update|updated)\b`,
      String.raw`\s+as (?:a )?(?:reference|an example|example)`,
      String.raw`\s+for reference`,
    ].join("|") +
    ")",
  "i",
);
/** A note after a path in a frontmatter list (`src/x.ts (read-only)`) saying how it is touched. */
const ACCESS_NOTE = /\s+\((read[- ]?only|reads?|reference|unchanged|modifies|creates|new)\)$/i;

/** A frontmatter target with its trailing access note, if any, taken off the path. */
function withoutAccessNote(target: FrontmatterTarget): FrontmatterTarget {
  const note = ACCESS_NOTE.exec(target.path.trim());
  if (!note) return target;
  const word = (note[1] as string).toLowerCase();
  const noted: FileAccess =
    word === "modifies" ? "modifies" : word === "creates" || word === "new" ? "creates" : "reads";
  return { path: target.path.trim().slice(0, note.index), access: target.access ?? noted };
}

const CREATE_CUE =
  /\b(?:create|creates|creating|new|add|adds|adding|introduce|introducing|generate|generating|scaffold|write a|add a)\b/i;

const READ_HEADING =
  /\b(?:read|reference|references|context|related|background|see also|existing|inspiration|examples?|do not (?:modify|change))\b/i;
const CREATE_HEADING = /\b(?:create|new files?|files? to create|to add)\b/i;

function lastIndex(re: RegExp, text: string): number {
  let last = -1;
  for (const m of text.matchAll(re)) last = m.index ?? last;
  return last;
}

/** Access a mention implies from the words before and after it in its sentence, or its section heading. */
function accessCue(
  line: string,
  start: number,
  end: number,
  heading: string | undefined,
): FileAccess | undefined {
  const after = line.slice(end);
  if (READ_AFTER.test(after)) return "reads";
  const before = line.slice(0, start);
  const prefix = before.slice(Math.max(before.lastIndexOf(". "), before.lastIndexOf("; ")) + 1).toLowerCase();
  const negated = [...prefix.matchAll(NEGATED_WRITE)].map(
    (m) => [m.index ?? 0, (m.index ?? 0) + m[0].length] as const,
  );
  let read = lastIndex(READ_CUE, prefix);
  for (const [a] of negated) read = Math.max(read, a);
  const sentenceEnd = after.search(/[.;]\s|[.;]$/);
  if (KEPT_AS_IS.test(sentenceEnd < 0 ? after : after.slice(0, sentenceEnd))) {
    read = Math.max(read, lastIndex(KEEP_CUE, prefix));
  }
  let write = -1;
  for (const m of prefix.matchAll(WRITE_CUE)) {
    const at = m.index ?? 0;
    if (!negated.some(([a, b]) => at >= a && at < b)) write = at;
  }
  if (read > write) return "reads";
  if (write >= 0) return "modifies";
  if (heading && CREATE_HEADING.test(heading)) return "creates";
  if (heading && READ_HEADING.test(heading)) return "reads";
  return undefined;
}

interface Mention {
  raw: string;
  line: number;
  start: number;
  end: number;
  quoted: boolean;
  text: string;
}

const TOKEN = /[^\s,;()[\]<>"'`|{}]+/g;
const TRIM_START = /^[*_~>]+/;
const TRIM_END = /[.:,;!?*_~>]+$/;

/** Candidate paths on one prose line: code spans, link targets and bare path-like words. */
function mentionsOnLine(l: MdLine): Mention[] {
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
function mentionInCode(l: MdLine): Mention | undefined {
  const t = l.text
    .replace(/^[\s│├└─|`\-*+#]+/, "")
    .replace(/\s+#.*$/, "")
    .trim();
  if (t === "" || /\s/.test(t) || /^(`{3}|~{3})/.test(l.text.trim())) return undefined;
  return { raw: t, line: l.line, start: 0, end: l.text.length, quoted: false, text: l.text };
}

function hasKnownExtension(path: string): boolean {
  const base = posix.basename(path).toLowerCase();
  if (base === "dockerfile" || base === "makefile") return true;
  const dot = base.lastIndexOf(".");
  return dot > 0 && EXTENSIONS.has(base.slice(dot + 1));
}

/** `src/a.ts:12`, `src/a.ts:12:3`, `src/a.ts#L5-L9` → `src/a.ts`. */
function withoutLineSuffix(raw: string): string {
  return raw.replace(/(?::\d+(?::\d+)?|#L\d+(?:-L?\d+)?)$/, "");
}

function pathLike(raw: string): boolean {
  if (/:\/\/|^(?:https?|mailto|www)\b/i.test(raw) || raw.startsWith("@") || raw.startsWith("#")) return false;
  // `/**` and ` */` of a doc comment, `/` alone, a protocol-relative `//host/x`: not paths.
  if (!/[A-Za-z0-9]/.test(raw) || raw.startsWith("//")) return false;
  if (!/^[\w.~/*?-][\w.@~+\-/*?[\]{}]*$/.test(raw)) return false;
  return raw.includes("/") || hasKnownExtension(raw) || /^\.[\w-]+$/.test(raw);
}

export interface ExtractTargetsInput {
  /** Repository-relative prompt path (for warnings). */
  file: string;
  /** Markdown after the frontmatter, and the file line it starts at. */
  body: string;
  bodyLine?: number;
  /** The frontmatter's `files`/`targets`, which win over the text when present. */
  explicit?: readonly FrontmatterTarget[];
  /** Paths never taken as targets (the run's prompt files). */
  exclude?: ReadonlySet<string>;
}

export interface ExtractTargetsResult {
  targets: TargetFile[];
  warnings: PlanWarning[];
}

/**
 * The files a prompt touches, with how (modifies / creates / reads). The frontmatter list wins;
 * otherwise paths are taken from the text (code spans, links, bare paths, path-only lines in code
 * blocks) and kept only when they name a tracked file, a directory of them or a glob matching
 * them, or a new file the text says is created. Leading dots are kept (`.claude/x.py`); `./` is
 * dropped; a bare file name counts when exactly one tracked file has it. Paths escaping the
 * repository are dropped with a warning. Access comes from the words around the path in its
 * sentence ("see", "based on", "do not modify", "keep `x` unchanged", "`x` needs no change",
 * "`x` (read-only)" → reads; "update", "fix", "add to" → modifies), or its section heading
 * ("Files to create", "Reference"); modifies by default. A frontmatter path may end in an access
 * note: `src/x.ts (read-only)`.
 */
export function extractTargetFiles(input: ExtractTargetsInput, repo: RepoFiles): ExtractTargetsResult {
  const warnings: PlanWarning[] = [];
  const lineOffset = (input.bodyLine ?? 1) - 1;
  const exclude = input.exclude ?? new Set<string>();
  const order: string[] = [];
  const accesses = new Map<string, FileAccess[]>();
  const escaped = new Set<string>();
  const note = (path: string, access: FileAccess): void => {
    const list = accesses.get(path);
    if (list) list.push(access);
    else {
      accesses.set(path, [access]);
      order.push(path);
    }
  };
  const warnEscape = (raw: string, line?: number): void => {
    if (escaped.has(raw)) return;
    escaped.add(raw);
    warnings.push({
      message: `path "${raw}" is outside the repository and is ignored`,
      file: input.file,
      ...(line === undefined ? {} : { line }),
    });
  };

  const missing = new Set<string>();
  /** A path the text names that is not in the repository but is one or two edits from one that is. */
  const warnMissing = (path: string, line: number): void => {
    if (missing.has(path)) return;
    missing.add(path);
    const meant = closestTrackedFile(path, repo.list);
    if (meant === undefined) return;
    warnings.push({
      message: `\`${path}\` is not in the repository (did you mean \`${meant}\`?): the plan takes it for a new file or none, so conflicts on \`${meant}\` cannot be seen; fix the path, or list the files under \`files:\` in the frontmatter`,
      file: input.file,
      line,
    });
  };

  /** The repository path `raw` names (file, `dir/`, or glob), and whether it exists. */
  const locate = (raw: string): { path: string; exists: boolean } | "escapes" | undefined => {
    let cleaned = raw;
    if (cleaned.startsWith("/") && !cleaned.startsWith(`${repo.root}/`)) {
      const asRepoPath = cleaned.replace(/^\/+/, "");
      if (repo.set.has(asRepoPath) || repo.dirs.has(asRepoPath.replace(/\/$/, ""))) cleaned = asRepoPath;
    }
    const path = normalizeRepoPath(cleaned, repo.root);
    if (path === undefined) return "escapes";
    if (isGlob(path)) {
      const re = globToRegExp(path);
      return repo.list.some((f) => re.test(f)) ? { path, exists: true } : undefined;
    }
    const bare = path.replace(/\/$/, "");
    if (repo.set.has(bare)) return { path: bare, exists: true };
    if (repo.dirs.has(bare)) return { path: `${bare}/`, exists: true };
    if (!bare.includes("/")) {
      const same = repo.byBasename.get(bare);
      if (same?.length === 1) return { path: same[0] as string, exists: true };
    }
    return { path, exists: false };
  };

  if (input.explicit) {
    for (const listed of input.explicit) {
      const target = withoutAccessNote(listed);
      const found = locate(withoutLineSuffix(target.path));
      if (found === "escapes") {
        warnEscape(target.path);
        continue;
      }
      const path = found?.path ?? target.path;
      if (exclude.has(path)) continue;
      note(path, target.access ?? (found?.exists ? "modifies" : "creates"));
    }
  } else {
    const lines = splitMarkdown(input.body);
    let heading: string | undefined;
    for (const l of lines) {
      if (l.heading) {
        heading = l.heading.text;
        continue;
      }
      const mentions = l.code
        ? [mentionInCode(l)].filter((m): m is Mention => m !== undefined)
        : mentionsOnLine(l);
      for (const mention of mentions) {
        const m = { ...mention, raw: withoutLineSuffix(mention.raw) };
        if (!pathLike(m.raw)) continue;
        const line = m.line + lineOffset;
        const found = locate(m.raw);
        if (found === "escapes") {
          if (m.raw.includes("/")) warnEscape(m.raw, line);
          continue;
        }
        if (!found || exclude.has(found.path)) continue;
        const cue = l.code
          ? heading && READ_HEADING.test(heading)
            ? "reads"
            : undefined
          : accessCue(m.text, m.start, m.end, heading);
        if (found.exists) {
          note(found.path, cue === "reads" ? "reads" : "modifies");
          continue;
        }
        // Not in the repository: a file the task creates, if the text says so.
        const creates =
          !isGlob(found.path) &&
          !found.path.endsWith("/") &&
          hasKnownExtension(found.path) &&
          (found.path.includes("/") || (m.quoted && !/^[A-Z][a-z]+\.js$/.test(found.path))) &&
          (cue === "creates" ||
            CREATE_CUE.test(m.text.slice(0, m.start)) ||
            /\(new\)/i.test(m.text.slice(m.end, m.end + 8)));
        if (creates) note(found.path, "creates");
        // A typo of a tracked file is likely either way, even with "add to" before it.
        if (found.path.includes("/") && hasKnownExtension(found.path) && !isGlob(found.path))
          warnMissing(found.path, line);
      }
    }
  }

  const targets: TargetFile[] = order.map((path) => {
    const list = accesses.get(path) ?? [];
    const access: FileAccess = list.includes("modifies")
      ? "modifies"
      : list.includes("creates")
        ? "creates"
        : list.every((a) => a === "reads")
          ? "reads"
          : "modifies";
    return { path, access };
  });
  return { targets, warnings };
}
