/**
 * A prompt's YAML frontmatter: split from the markdown between `---` lines, parsed with `yaml`,
 * and each known key checked and read into a PromptFrontmatter. Errors name the file line.
 */
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
import { isMap, isScalar, isSeq, LineCounter, type Pair, parseDocument } from "yaml";

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
  /** `max_budget_usd`: the most this task may spend, in USD. */
  maxBudgetUsd?: number;
  status?: string;
  type?: TaskType;
  complexity?: Complexity;
  issueNumber?: number;
}

export interface FrontmatterTarget {
  path: string;
  access?: FileAccess;
}

const PRIORITIES: readonly Priority[] = ["low", "medium", "high", "critical"];
const TYPES: readonly TaskType[] = ["test", "bugfix", "feature", "refactor", "docs"];
const COMPLEXITIES: readonly Complexity[] = ["low", "medium", "high"];
const ACCESSES: readonly FileAccess[] = ["modifies", "creates", "reads"];

/** GADUGI_PROMPT_INVALID for `file`, at `line` when it is known. */
export function invalidPrompt(file: string, reason: string, line?: number): GadugiError {
  return new GadugiError(
    "GADUGI_PROMPT_INVALID",
    line === undefined ? { file, reason } : { file, line, reason },
  );
}

/** Frontmatter text and the file line where it starts, or none. Throws when it is not closed. */
export function splitFrontmatter(
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
  throw invalidPrompt(
    file,
    "the frontmatter opened by `---` on line 1 is never closed by another `---` line",
    1,
  );
}

/** Parses and checks frontmatter YAML starting at file line `yamlLine`; unknown keys become warnings. */
export function parseFrontmatter(
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
    throw invalidPrompt(file, `malformed YAML frontmatter: ${reason}`, lineAt(error.pos[0]));
  }
  const result: PromptFrontmatter = { dependsOn: [] };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return result;
  if (!isMap(doc.contents)) {
    throw invalidPrompt(file, "the frontmatter must be a YAML mapping of `key: value` lines", yamlLine);
  }
  for (const pair of doc.contents.items) {
    const field = fieldOf(pair, file, yamlLine, lineAt);
    const read = READERS.get(field.key);
    if (read) read(field, result);
    else
      warnings.push({
        message: `unknown frontmatter key \`${field.key}\` is ignored`,
        file,
        line: field.line,
      });
  }
  return result;
}

/** One `key: value` pair of the frontmatter, with where it is for error messages. */
interface Field {
  key: string;
  value: unknown;
  file: string;
  line: number;
}

function fieldOf(pair: Pair, file: string, yamlLine: number, lineAt: (offset: number) => number): Field {
  const keyNode = pair.key;
  const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
  const line = isScalar(keyNode) && keyNode.range ? lineAt(keyNode.range[0]) : yamlLine;
  const node = pair.value;
  const value: unknown = node && (isScalar(node) || isMap(node) || isSeq(node)) ? node.toJSON() : null;
  return { key, value, file, line };
}

function bad(field: Field, expected: string): GadugiError {
  return invalidPrompt(
    field.file,
    `frontmatter key \`${field.key}\` must be ${expected}, got ${JSON.stringify(field.value)}`,
    field.line,
  );
}

/** The value as trimmed text (undefined when empty or absent); anything but a scalar is an error. */
function text(field: Field, expected = "a string"): string | undefined {
  const { value } = field;
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" || typeof value === "number") return String(value).trim() || undefined;
  throw bad(field, expected);
}

/** The value lowercased, which must be one of `allowed`. */
function oneOf<T extends string>(field: Field, allowed: readonly T[]): T | undefined {
  const word = text(field)?.toLowerCase();
  if (word !== undefined && !allowed.includes(word as T)) throw bad(field, `one of ${allowed.join(", ")}`);
  return word as T | undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (value === null || value === undefined) return [];
  if (typeof value === "string" || typeof value === "number") return [String(value)];
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) {
    return value.map(String);
  }
  return undefined;
}

/** `files`/`targets`: a path, a list of paths or `{ path, access }`, or a `{ modifies, creates, reads }` mapping. */
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

type Reader = (field: Field, into: PromptFrontmatter) => void;

const readDependsOn: Reader = (field, into) => {
  const list = stringList(field.value);
  if (!list) throw bad(field, "a task id, slug or file name, or a list of them");
  into.dependsOn.push(...list.map((d) => d.trim()).filter((d) => d !== ""));
};

const readTargets: Reader = (field, into) => {
  const targets = parseTargets(field.value);
  if (!targets) {
    throw bad(
      field,
      "a list of paths, of `{ path, access }` (access: modifies|creates|reads), or a `{ modifies, creates, reads }` mapping",
    );
  }
  into.targets = [...(into.targets ?? []), ...targets];
};

const readRun: Reader = (field, into) => {
  const { value } = field;
  const run = Array.isArray(value) && value.every((v) => typeof v === "string") ? value : text(field);
  try {
    if (run !== undefined) toArgv(run);
  } catch (error) {
    if (!GadugiError.is(error, "GADUGI_COMMAND_SYNTAX")) throw error;
    throw new GadugiError("GADUGI_COMMAND_SYNTAX", {
      ...error.args,
      where: `${field.file}:${field.line}: run`,
    });
  }
  into.run = run;
};

const readTimeout: Reader = (field, into) => {
  if (field.value === null) return;
  const seconds = parseDuration(field.value);
  if (seconds === undefined) throw bad(field, DURATION_FORMS);
  into.timeoutSec = seconds;
};

const readBudget: Reader = (field, into) => {
  const { value } = field;
  if (value === null) return;
  const usd = typeof value === "string" ? Number(value.trim().replace(/^\$/, "")) : value;
  if (typeof usd !== "number" || !Number.isFinite(usd) || usd <= 0) {
    throw bad(field, "an amount in USD above 0, such as 0.50 or $2");
  }
  into.maxBudgetUsd = usd;
};

const readIssue: Reader = (field, into) => {
  const { value } = field;
  if (value === null) return;
  const n = typeof value === "string" ? Number(value.replace(/^#/, "")) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) throw bad(field, "a GitHub issue number");
  into.issueNumber = n;
};

/** A reader storing the value's text under `key`. */
function textInto(key: "id" | "title" | "agent" | "status"): Reader {
  return (field, into) => {
    into[key] = text(field);
  };
}

/** A reader storing the value under `key`, which must be one of `allowed`. */
function choiceInto<K extends "priority" | "type" | "complexity">(
  key: K,
  allowed: readonly NonNullable<PromptFrontmatter[K]>[],
): Reader {
  return (field, into) => {
    into[key] = oneOf(field, allowed);
  };
}

/** How each key the frontmatter may hold is read (aliases share a reader); other keys are warned about. */
const READERS: ReadonlyMap<string, Reader> = new Map([
  ["id", textInto("id")],
  ["title", textInto("title")],
  ["depends_on", readDependsOn],
  ["dependsOn", readDependsOn],
  ["depends", readDependsOn],
  ["files", readTargets],
  ["targets", readTargets],
  ["agent", textInto("agent")],
  ["run", readRun],
  ["priority", choiceInto("priority", PRIORITIES)],
  ["timeout", readTimeout],
  ["max_budget_usd", readBudget],
  ["maxBudgetUsd", readBudget],
  ["status", textInto("status")],
  ["type", choiceInto("type", TYPES)],
  ["complexity", choiceInto("complexity", COMPLEXITIES)],
  ["issue", readIssue],
]);
