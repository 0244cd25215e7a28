/** The files a prompt touches, from its frontmatter list or from the paths its text names. */
import type { FileAccess, PlanWarning, TargetFile } from "@gadugi/interfaces";
import { accessCue, codeLineCue, saysCreated, withoutAccessNote } from "./access-cues.js";
import type { FrontmatterTarget } from "./frontmatter.js";
import { splitMarkdown } from "./markdown.js";
import {
  hasKnownExtension,
  type Mention,
  mentionInCode,
  mentionsOnLine,
  pathLike,
  withoutLineSuffix,
} from "./path-mentions.js";
import { globToRegExp, isGlob, normalizeRepoPath } from "./paths.js";
import type { RepoFiles } from "./repo-files.js";
import { closestTrackedFile } from "./typos.js";

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
  const found = new FoundTargets(input.file, repo, input.exclude ?? new Set<string>());
  if (input.explicit) listedTargets(input.explicit, found);
  else mentionedTargets(input.body, (input.bodyLine ?? 1) - 1, found);
  return found.result();
}

/** The frontmatter's list: each path located in the repository; access as listed, else by existence. */
function listedTargets(explicit: readonly FrontmatterTarget[], found: FoundTargets): void {
  for (const listed of explicit) {
    const target = withoutAccessNote(listed);
    const located = locate(withoutLineSuffix(target.path), found.repo);
    if (located === "escapes") {
      found.warnEscape(target.path);
      continue;
    }
    const path = located?.path ?? target.path;
    if (found.exclude.has(path)) continue;
    found.note(path, target.access ?? (located?.exists ? "modifies" : "creates"));
  }
}

/** The paths the body names that are in the repository, or that it says are created. */
function mentionedTargets(body: string, lineOffset: number, found: FoundTargets): void {
  let heading: string | undefined;
  for (const l of splitMarkdown(body)) {
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
      const located = locate(m.raw, found.repo);
      if (located === "escapes") {
        if (m.raw.includes("/")) found.warnEscape(m.raw, line);
        continue;
      }
      if (!located || found.exclude.has(located.path)) continue;
      const cue = l.code ? codeLineCue(heading) : accessCue(m.text, m.start, m.end, heading);
      if (located.exists) found.note(located.path, cue === "reads" ? "reads" : "modifies");
      else notInRepository(located.path, m, cue, line, found);
    }
  }
}

/** A named file not in the repository: created when the text says so; a warning when it looks like a typo. */
function notInRepository(
  path: string,
  m: Mention,
  cue: FileAccess | undefined,
  line: number,
  found: FoundTargets,
): void {
  const file = !isGlob(path) && hasKnownExtension(path);
  const creates =
    file &&
    !path.endsWith("/") &&
    (path.includes("/") || (m.quoted && !/^[A-Z][a-z]+\.js$/.test(path))) &&
    (cue === "creates" || saysCreated(m.text, m.start, m.end));
  if (creates) found.note(path, "creates");
  // A typo of a tracked file is likely either way, even with "add to" before it.
  if (file && path.includes("/")) found.warnMissing(path, line);
}

/** The repository path `raw` names (file, `dir/`, or glob), and whether it exists. */
function locate(raw: string, repo: RepoFiles): { path: string; exists: boolean } | "escapes" | undefined {
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
}

/** Targets in first-mention order with every access a mention implied, and the warnings, each given once. */
class FoundTargets {
  private readonly order: string[] = [];
  private readonly accesses = new Map<string, FileAccess[]>();
  private readonly escaped = new Set<string>();
  private readonly missing = new Set<string>();
  private readonly warnings: PlanWarning[] = [];

  constructor(
    private readonly file: string,
    readonly repo: RepoFiles,
    readonly exclude: ReadonlySet<string>,
  ) {}

  note(path: string, access: FileAccess): void {
    const list = this.accesses.get(path);
    if (list) list.push(access);
    else {
      this.accesses.set(path, [access]);
      this.order.push(path);
    }
  }

  warnEscape(raw: string, line?: number): void {
    if (this.escaped.has(raw)) return;
    this.escaped.add(raw);
    this.warnings.push({
      message: `path "${raw}" is outside the repository and is ignored`,
      file: this.file,
      ...(line === undefined ? {} : { line }),
    });
  }

  /** A path the text names that is not in the repository but is one or two edits from one that is. */
  warnMissing(path: string, line: number): void {
    if (this.missing.has(path)) return;
    this.missing.add(path);
    const meant = closestTrackedFile(path, this.repo.list);
    if (meant === undefined) return;
    this.warnings.push({
      message: `\`${path}\` is not in the repository (did you mean \`${meant}\`?): the plan takes it for a new file or none, so conflicts on \`${meant}\` cannot be seen; fix the path, or list the files under \`files:\` in the frontmatter`,
      file: this.file,
      line,
    });
  }

  /** Each target once: modifies if any mention writes it, else creates if one creates it, else reads. */
  result(): ExtractTargetsResult {
    const targets: TargetFile[] = this.order.map((path) => {
      const list = this.accesses.get(path) ?? [];
      const access: FileAccess = list.includes("modifies")
        ? "modifies"
        : list.includes("creates")
          ? "creates"
          : list.every((a) => a === "reads")
            ? "reads"
            : "modifies";
      return { path, access };
    });
    return { targets, warnings: this.warnings };
  }
}
