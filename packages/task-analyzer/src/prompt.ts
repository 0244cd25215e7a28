/** A prompt file read and parsed: frontmatter (frontmatter.ts), title, description and sections (prompt-body.ts). */
import { readFileSync, realpathSync, type Stats, statSync } from "node:fs";
import { basename, extname, relative, resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { PlanWarning } from "@gadugi/interfaces";
import { invalidPrompt, type PromptFrontmatter, parseFrontmatter, splitFrontmatter } from "./frontmatter.js";
import { cleanInline, splitMarkdown } from "./markdown.js";
import { toPosix } from "./paths.js";
import { doneMarker, promptSections, type SectionKey } from "./prompt-body.js";

/** Prompts at or above this size are rejected: they are not hand-written task descriptions. */
export const MAX_PROMPT_BYTES = 1024 * 1024;

const DONE_STATUSES = new Set(["done", "complete", "completed", "implemented", "skip", "skipped", "closed"]);

export interface ParsedPrompt {
  /** Repository-relative POSIX path. */
  file: string;
  frontmatter: PromptFrontmatter;
  title: string;
  description: string;
  sections: Partial<Record<SectionKey, string>>;
  /** The markdown after the frontmatter. */
  body: string;
  /** File line number of the body's first line. */
  bodyLine: number;
  /** Why the prompt is not a task to run (already implemented, status done), when it is not. */
  skipReason?: string;
  warnings: PlanWarning[];
}

/** A readable title from a file name: `fix-import_bug.md` → `fix import bug`. */
function titleFromFile(file: string): string {
  return basename(file, extname(file)).replace(/[-_]+/g, " ").trim() || file;
}

/**
 * Parses prompt markdown already read from `file` (repository-relative; used in messages). Name:
 * frontmatter `title`, else the first `#` heading, else the file name. Description: an
 * Overview/Description/Summary section, else the first paragraph. Kept sections: requirements,
 * implementation plan, testing requirements, success criteria.
 */
export function parsePromptText(text: string, file: string): ParsedPrompt {
  const warnings: PlanWarning[] = [];
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const split = splitFrontmatter(source, file);
  const frontmatter =
    split.yaml === undefined
      ? { dependsOn: [] }
      : parseFrontmatter(split.yaml, split.yamlLine, file, warnings);
  const lines = splitMarkdown(split.body);
  if (lines.every((l) => l.text.trim() === "") && frontmatter.title === undefined) {
    throw invalidPrompt(file, "the prompt is empty");
  }
  const h1 = lines.find((l) => l.heading?.level === 1 && l.heading.text !== "");
  const title = frontmatter.title ?? h1?.heading?.text ?? titleFromFile(file);
  const { description, sections } = promptSections(lines, h1);

  const status = frontmatter.status?.toLowerCase();
  const skipReason =
    status !== undefined && DONE_STATUSES.has(status)
      ? `its frontmatter status is "${frontmatter.status}"`
      : doneMarker(lines);

  return {
    file,
    frontmatter,
    title: cleanInline(title),
    description,
    sections,
    body: split.body,
    bodyLine: split.bodyLine,
    ...(skipReason ? { skipReason } : {}),
    warnings,
  };
}

export interface ParsePromptOptions {
  /** The repository the prompt belongs to; the prompt must be inside it. */
  repoRoot: string;
  /** Base for a relative `path`. Default: repoRoot. */
  cwd?: string;
}

/**
 * Reads and parses one prompt file. Errors (GadugiError): GADUGI_FILE_NOT_FOUND,
 * GADUGI_FILE_UNREADABLE (a directory, no permission), GADUGI_PROMPT_INVALID (outside the
 * repository, 1 MiB or larger, binary or not UTF-8, empty, malformed frontmatter with its line).
 */
export function parsePromptFile(path: string, options: ParsePromptOptions): ParsedPrompt {
  const absolute = resolve(options.cwd ?? options.repoRoot, path);
  const stats = regularFileStats(absolute, path);
  const { real, rel } = insideRepository(absolute, path, options.repoRoot);
  if (stats.size >= MAX_PROMPT_BYTES) {
    throw invalidPrompt(
      rel,
      `it is ${(stats.size / 1024 / 1024).toFixed(1)} MiB; prompt files must be smaller than 1 MiB`,
    );
  }
  return parsePromptText(readText(real, path, rel), rel);
}

/** The stats of the prompt at `absolute`, which must be a regular file (`path` as given, for messages). */
function regularFileStats(absolute: string, path: string): Stats {
  let stats: Stats;
  try {
    stats = statSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new GadugiError("GADUGI_FILE_NOT_FOUND", { path });
    throw new GadugiError(
      "GADUGI_FILE_UNREADABLE",
      { path, reason: (error as Error).message },
      { cause: error },
    );
  }
  if (stats.isDirectory()) {
    throw new GadugiError(
      "GADUGI_FILE_UNREADABLE",
      { path, reason: "it is a directory, not a prompt file" },
      { hint: "Pass the markdown files inside it, e.g. `prompts/*.md`." },
    );
  }
  if (!stats.isFile())
    throw new GadugiError("GADUGI_FILE_UNREADABLE", { path, reason: "it is not a regular file" });
  return stats;
}

/** The prompt's real path and its repository-relative POSIX path; a prompt outside the repository is an error. */
function insideRepository(absolute: string, path: string, repoRoot: string): { real: string; rel: string } {
  const root = realpathSync(repoRoot);
  const real = realpathSync(absolute);
  const rel = toPosix(relative(root, real));
  if (rel.startsWith("../") || rel === ".." || resolve(root, rel) !== real) {
    throw new GadugiError(
      "GADUGI_PROMPT_INVALID",
      { file: path, reason: `it is outside the repository ${root}` },
      { hint: "Move the prompt into the repository (for example prompts/), so every task worktree has it." },
    );
  }
  return { real, rel };
}

/** The prompt's text, which must be UTF-8 and not binary. */
function readText(real: string, path: string, rel: string): string {
  let buffer: Buffer;
  try {
    buffer = readFileSync(real);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new GadugiError("GADUGI_FILE_UNREADABLE", { path, reason }, { cause: error });
  }
  if (buffer.subarray(0, 8000).includes(0))
    throw invalidPrompt(rel, "it is a binary file, not markdown text");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buffer);
  } catch {
    throw invalidPrompt(rel, "it is not UTF-8 text");
  }
}
