import { readFileSync, realpathSync, statSync } from "node:fs";
import { basename, extname, relative, resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { toArgv } from "@gadugi/git";
import {
  type Complexity,
  DURATION_FORMS,
  type FileAccess,
  type PlanWarning,
  type Priority,
  parseDuration,
  type TaskType,
} from "@gadugi/interfaces";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { cleanInline, contentOf, type MdLine, sectionsOf, splitMarkdown } from "./markdown.js";
import { toPosix } from "./paths.js";

/** Prompts at or above this size are rejected: they are not hand-written task descriptions. */
export const MAX_PROMPT_BYTES = 1024 * 1024;

const PRIORITIES: readonly Priority[] = ["low", "medium", "high", "critical"];
const TYPES: readonly TaskType[] = ["test", "bugfix", "feature", "refactor", "docs"];
const COMPLEXITIES: readonly Complexity[] = ["low", "medium", "high"];
const ACCESSES: readonly FileAccess[] = ["modifies", "creates", "reads"];
const DONE_STATUSES = new Set(["done", "complete", "completed", "implemented", "skip", "skipped", "closed"]);
const KNOWN_KEYS = new Set([
  "id",
  "title",
  "depends_on",
  "dependsOn",
  "depends",
  "files",
  "targets",
  "agent",
  "run",
  "priority",
  "timeout",
  "status",
  "type",
  "complexity",
  "issue",
]);

/** What a prompt's YAML frontmatter may say; every key is optional. */
export interface PromptFrontmatter {
  id?: string;
  title?: string;
  dependsOn: string[];
  /**
   * `files`/`targets`: when present, the task's target files (text extraction is skipped). Access
   * is undefined when the prompt did not say; the analyzer then uses modifies, or creates for a
   * path that does not exist yet.
   */
  targets?: FrontmatterTarget[];
  agent?: string;
  /** A command line or an argument array, checked to need no shell (`toArgv`). */
  run?: string | string[];
  priority?: Priority;
  timeoutSec?: number;
  status?: string;
  type?: TaskType;
  complexity?: Complexity;
  issueNumber?: number;
}

export interface FrontmatterTarget {
  path: string;
  access?: FileAccess;
}

/** Section keys kept from a prompt (TaskData.sections). */
export type SectionKey = "requirements" | "implementationPlan" | "testingRequirements" | "successCriteria";

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

function invalid(file: string, reason: string, line?: number): GadugiError {
  return new GadugiError(
    "GADUGI_PROMPT_INVALID",
    line === undefined ? { file, reason } : { file, line, reason },
  );
}

/** Frontmatter text and the file line where it starts, or none. Throws when it is not closed. */
function splitFrontmatter(
  text: string,
  file: string,
): { yaml?: string; yamlLine: number; body: string; bodyLine: number } {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return { yamlLine: 0, body: text, bodyLine: 1 };
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]?.trim();
    if (l === "---" || l === "...") {
      return {
        yaml: lines.slice(1, i).join("\n"),
        yamlLine: 2,
        body: lines.slice(i + 1).join("\n"),
        bodyLine: i + 2,
      };
    }
  }
  throw invalid(file, "the frontmatter opened by `---` on line 1 is never closed by another `---` line", 1);
}

function stringList(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return [];
  if (typeof value === "string" || typeof value === "number") return [String(value)];
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) {
    return value.map(String);
  }
  return undefined;
}

function parseTargets(value: unknown): FrontmatterTarget[] | undefined {
  const out: FrontmatterTarget[] = [];
  const add = (path: unknown, access: unknown): boolean => {
    if (typeof path !== "string" || path.trim() === "") return false;
    if (access !== undefined && !ACCESSES.includes(access as FileAccess)) return false;
    out.push(
      access === undefined ? { path: path.trim() } : { path: path.trim(), access: access as FileAccess },
    );
    return true;
  };
  if (typeof value === "string") return add(value, undefined) ? out : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "string") {
        if (!add(item, undefined)) return undefined;
      } else if (item && typeof item === "object") {
        const { path, access, ...rest } = item as Record<string, unknown>;
        if (Object.keys(rest).length > 0 || !add(path, access)) return undefined;
      } else {
        return undefined;
      }
    }
    return out;
  }
  if (value && typeof value === "object") {
    // { modifies: [...], creates: [...], reads: [...] }
    for (const [access, paths] of Object.entries(value as Record<string, unknown>)) {
      const list = stringList(paths);
      if (!ACCESSES.includes(access as FileAccess) || !list) return undefined;
      for (const p of list) if (!add(p, access)) return undefined;
    }
    return out;
  }
  return undefined;
}

/** Parses and checks frontmatter YAML; errors name the file line. */
function parseFrontmatter(
  yamlText: string,
  yamlLine: number,
  file: string,
  warnings: PlanWarning[],
): PromptFrontmatter {
  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => counter.linePos(offset).line + yamlLine - 1;
  const error = doc.errors[0];
  if (error) {
    const reason = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw invalid(file, `malformed YAML frontmatter: ${reason}`, lineAt(error.pos[0]));
  }
  const result: PromptFrontmatter = { dependsOn: [] };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return result;
  if (!isMap(doc.contents)) {
    throw invalid(file, "the frontmatter must be a YAML mapping of `key: value` lines", yamlLine);
  }
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const line = isScalar(keyNode) && keyNode.range ? lineAt(keyNode.range[0]) : yamlLine;
    const node = pair.value;
    const value: unknown = node && (isScalar(node) || isMap(node) || isSeq(node)) ? node.toJSON() : null;
    const bad = (expected: string): GadugiError =>
      invalid(file, `frontmatter key \`${key}\` must be ${expected}, got ${JSON.stringify(value)}`, line);
    const text = (expected = "a string"): string | undefined => {
      if (value === null || value === undefined) return undefined;
      if (typeof value === "string" || typeof value === "number") return String(value).trim() || undefined;
      throw bad(expected);
    };
    switch (key) {
      case "id":
        result.id = text();
        break;
      case "title":
        result.title = text();
        break;
      case "depends_on":
      case "dependsOn":
      case "depends": {
        const list = stringList(value);
        if (!list) throw bad("a task id, slug or file name, or a list of them");
        result.dependsOn.push(...list.map((d) => d.trim()).filter((d) => d !== ""));
        break;
      }
      case "files":
      case "targets": {
        const targets = parseTargets(value);
        if (!targets) {
          throw bad(
            "a list of paths, of `{ path, access }` (access: modifies|creates|reads), or a `{ modifies, creates, reads }` mapping",
          );
        }
        result.targets = [...(result.targets ?? []), ...targets];
        break;
      }
      case "agent":
        result.agent = text();
        break;
      case "run": {
        const run = Array.isArray(value) && value.every((v) => typeof v === "string") ? value : text();
        try {
          if (run !== undefined) toArgv(run);
        } catch (error) {
          if (!GadugiError.is(error, "GADUGI_COMMAND_SYNTAX")) throw error;
          throw new GadugiError("GADUGI_COMMAND_SYNTAX", { ...error.args, where: `${file}:${line}: run` });
        }
        result.run = run;
        break;
      }
      case "priority": {
        const p = text()?.toLowerCase();
        if (p !== undefined && !PRIORITIES.includes(p as Priority))
          throw bad(`one of ${PRIORITIES.join(", ")}`);
        result.priority = p as Priority | undefined;
        break;
      }
      case "timeout": {
        if (value === null) break;
        const seconds = parseDuration(value);
        if (seconds === undefined) throw bad(DURATION_FORMS);
        result.timeoutSec = seconds;
        break;
      }
      case "status":
        result.status = text();
        break;
      case "type": {
        const t = text()?.toLowerCase();
        if (t !== undefined && !TYPES.includes(t as TaskType)) throw bad(`one of ${TYPES.join(", ")}`);
        result.type = t as TaskType | undefined;
        break;
      }
      case "complexity": {
        const c = text()?.toLowerCase();
        if (c !== undefined && !COMPLEXITIES.includes(c as Complexity))
          throw bad(`one of ${COMPLEXITIES.join(", ")}`);
        result.complexity = c as Complexity | undefined;
        break;
      }
      case "issue": {
        if (value === null) break;
        const n = typeof value === "string" ? Number(value.replace(/^#/, "")) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) throw bad("a GitHub issue number");
        result.issueNumber = n;
        break;
      }
      default:
        if (!KNOWN_KEYS.has(key)) {
          warnings.push({ message: `unknown frontmatter key \`${key}\` is ignored`, file, line });
        }
    }
  }
  return result;
}

const DESCRIPTION_HEADINGS =
  /^(overview|description|summary|task overview|task description|task summary|problem statement|objective|objectives|goal|goals)$/;

/** The section key a heading names, if it is one Gadugi keeps. */
export function sectionKeyOf(heading: string): SectionKey | "description" | undefined {
  const h = heading
    .toLowerCase()
    .replace(/^[\d.)\s]+/, "")
    .replace(/^(step|phase|part)\s+\d+\s*[:.-]\s*/, "")
    .replace(/[^a-z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (DESCRIPTION_HEADINGS.test(h)) return "description";
  if (/\b(success criteria|acceptance criteria|definition of done|done when|success metrics)\b/.test(h)) {
    return "successCriteria";
  }
  if (/\b(test|tests|testing|verification|validation)\b/.test(h)) return "testingRequirements";
  if (/\brequirements?\b/.test(h)) return "requirements";
  if (/\b(implementation|plan|steps|approach)\b/.test(h)) return "implementationPlan";
  return undefined;
}

/** First paragraph of prose: consecutive non-blank lines that are not headings, code, rules or images. */
function firstParagraph(lines: readonly MdLine[]): string {
  const para: string[] = [];
  for (const l of lines) {
    const t = l.text.trim();
    const prose =
      !l.code && !l.heading && t !== "" && !/^(-{3,}|\*{3,}|_{3,}|!\[.*\]\(.*\)|<!--.*-->)$/.test(t);
    if (prose) para.push(t);
    else if (para.length > 0) break;
  }
  return para.join(" ");
}

/** Whether the first non-blank line marks the prompt as done (IMPLEMENTED/COMPLETED in capitals). */
function doneMarker(lines: readonly MdLine[]): string | undefined {
  const first = lines.find((l) => l.text.trim() !== "");
  const m = first ? /\b(IMPLEMENTED|COMPLETED)\b/.exec(first.text) : null;
  return m ? `its first line says ${m[1]}` : undefined;
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
    throw invalid(file, "the prompt is empty");
  }
  const h1 = lines.find((l) => l.heading?.level === 1 && l.heading.text !== "");
  const title = frontmatter.title ?? h1?.heading?.text ?? titleFromFile(file);

  let description: string | undefined;
  const sections: Partial<Record<SectionKey, string>> = {};
  let coveredUntil = -1;
  for (const section of sectionsOf(lines)) {
    if (section.start < coveredUntil || lines[section.start] === h1) continue;
    const key = sectionKeyOf(section.heading.text);
    if (!key) continue;
    const content = contentOf(lines, section);
    if (content === "") continue;
    coveredUntil = section.end;
    if (key === "description") {
      description ??= content;
      continue;
    }
    const previous = sections[key];
    sections[key] =
      previous === undefined
        ? content
        : `${previous}\n\n${"#".repeat(section.heading.level)} ${section.heading.text}\n${content}`;
  }
  const afterTitle = h1 ? lines.slice(lines.indexOf(h1) + 1) : lines;
  description ??= firstParagraph(afterTitle);

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
  let stats: ReturnType<typeof statSync>;
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

  const root = realpathSync(options.repoRoot);
  const real = realpathSync(absolute);
  const rel = toPosix(relative(root, real));
  if (rel.startsWith("../") || rel === ".." || resolve(root, rel) !== real) {
    throw new GadugiError(
      "GADUGI_PROMPT_INVALID",
      { file: path, reason: `it is outside the repository ${root}` },
      { hint: "Move the prompt into the repository (for example prompts/), so every task worktree has it." },
    );
  }
  if (stats.size >= MAX_PROMPT_BYTES) {
    throw invalid(
      rel,
      `it is ${(stats.size / 1024 / 1024).toFixed(1)} MiB; prompt files must be smaller than 1 MiB`,
    );
  }
  let buffer: Buffer;
  try {
    buffer = readFileSync(real);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new GadugiError("GADUGI_FILE_UNREADABLE", { path, reason }, { cause: error });
  }
  if (buffer.subarray(0, 8000).includes(0)) throw invalid(rel, "it is a binary file, not markdown text");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buffer);
  } catch {
    throw invalid(rel, "it is not UTF-8 text");
  }
  return parsePromptText(text, rel);
}
