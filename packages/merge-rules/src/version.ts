import pep440 from "@renovatebot/pep440";
import { applyEdits, findNodeAtLocation, modify, parseTree } from "jsonc-parser";
import semver from "semver";
import { jsonFormatting, mergeKeyedMap } from "./keyed-map.js";
import { type MergeInput, type RuleResult, refuse } from "./result.js";
import { mergeText } from "./text-merge.js";
import { findTomlField } from "./toml-field.js";

type Format = "json" | "toml";

/** The version fields of a file when the rule's setting names none. */
export function defaultVersionFields(path: string): string[] {
  if (/(^|\/)pyproject\.toml$/.test(path)) return ["project.version", "tool.poetry.version"];
  return ["version"];
}

function read(format: Format, text: string, field: string): string | undefined {
  if (format === "toml") return findTomlField(text, field)?.value;
  const root = parseTree(text);
  const node = root && findNodeAtLocation(root, field.split("."));
  return node?.type === "string" ? (node.value as string) : undefined;
}

function write(format: Format, text: string, field: string, value: string): string {
  if (format === "toml") {
    const at = findTomlField(text, field);
    return at ? text.slice(0, at.start) + value + text.slice(at.end) : text;
  }
  const edits = modify(text, field.split("."), value, { formattingOptions: jsonFormatting(text) });
  return applyEdits(text, edits);
}

/**
 * The higher of two versions, compared as semantic versions (npm, Cargo) when both are, else as
 * PEP 440 versions (Python: `8.5.0.dev`, `2.1rc1`, `1.0.post1`); undefined when neither fits.
 */
export function higherVersion(a: string, b: string): string | undefined {
  if (semver.valid(a) !== null && semver.valid(b) !== null) return semver.gt(a, b) ? a : b;
  if (pep440.valid(a) !== null && pep440.valid(b) !== null) return pep440.gt(a, b) ? a : b;
  return undefined;
}

/**
 * Version fields (`package.json` `version`, `pyproject.toml` `[project] version`, configured
 * JSON/TOML paths): both sides get the higher semantic version, and the rest of the file must
 * then merge cleanly, line by line (or, for JSON, key by key), or the rule refuses.
 */
export function mergeVersion(
  path: string,
  input: MergeInput,
  fields = defaultVersionFields(path),
): RuleResult {
  const format: Format | undefined = /\.toml$/i.test(path)
    ? "toml"
    : /\.json$/i.test(path)
      ? "json"
      : undefined;
  if (format === undefined) return refuse("version fields are read from JSON or TOML files only");
  let { ours, theirs } = input;
  const chosen: string[] = [];
  const kept: string[] = [];
  for (const field of fields) {
    const a = read(format, ours, field);
    const b = read(format, theirs, field);
    if (a === undefined || b === undefined || a === b) continue;
    // One side left the field as it was: its change is the other side's, as in any merge.
    const was = input.base === undefined ? undefined : read(format, input.base, field);
    if (a === was || b === was) {
      kept.push(`${field} ${a === was ? b : a}`);
      continue;
    }
    const higher = higherVersion(a, b);
    if (higher === undefined) {
      return refuse(`${field} is not a semantic or PEP 440 version on both sides (${a}, ${b})`);
    }
    ours = write(format, ours, field, higher);
    theirs = write(format, theirs, field, higher);
    chosen.push(`${field} ${higher} (of ${a} and ${b})`);
  }
  const base = input.base ?? "";
  const text = mergeText(base, ours, theirs);
  const said = [
    ...(chosen.length > 0 ? [`higher version: ${chosen.join(", ")}`] : []),
    ...(kept.length > 0 ? [`${kept.join(", ")} from the one side that changed it`] : []),
  ];
  const picked = said.length > 0 ? said.join("; ") : "the versions agree";
  if (text.clean) return { ok: true, content: text.text, reason: `${picked}; the rest merged line by line` };
  if (format === "json") {
    const keyed = mergeKeyedMap(path, { ...input, ours, theirs });
    if (keyed.ok) return { ...keyed, reason: `${picked}; the rest by ${keyed.reason}` };
    return refuse(`${picked}, but the rest does not merge: ${keyed.reason}`);
  }
  return refuse(`${picked}, but the rest does not merge: both sides changed line ${text.line} of the base`);
}
