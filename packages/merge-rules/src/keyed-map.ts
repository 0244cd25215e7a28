import { isDeepStrictEqual } from "node:util";
import { applyEdits, type FormattingOptions, modify, type ParseError, parse } from "jsonc-parser";
import { isMap as isYamlMap, parseDocument } from "yaml";
import { type MergeInput, type RuleResult, refuse } from "./result.js";
import { type Edit, isMap, mergeStructure, showPath } from "./structure.js";

export type MapFormat = "json" | "yaml";

export function mapFormat(path: string): MapFormat | undefined {
  if (/\.(json|jsonc|json5)$/i.test(path)) return "json";
  if (/\.ya?ml$/i.test(path)) return "yaml";
  return undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  return errors.length === 0 ? { ok: true, value } : { ok: false };
}

function parseYaml(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = parseDocument(text);
  return doc.errors.length === 0 ? { ok: true, value: doc.toJS() } : { ok: false };
}

/** The indentation and line ending ours already uses, so inserted keys look like their neighbours. */
export function jsonFormatting(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  return {
    insertSpaces: !indent.startsWith("\t"),
    tabSize: indent.startsWith("\t") ? 1 : indent.length,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
}

function applyJson(text: string, edits: readonly Edit[]): string {
  const formattingOptions = jsonFormatting(text);
  let out = text;
  for (const edit of edits) out = applyEdits(out, modify(out, edit.path, edit.value, { formattingOptions }));
  return out;
}

function applyYaml(text: string, edits: readonly Edit[]): string {
  const doc = parseDocument(text);
  for (const edit of edits) {
    if (edit.value === undefined) doc.deleteIn(edit.path);
    else doc.setIn(edit.path, doc.createNode(edit.value));
  }
  return doc.toString();
}

/**
 * Keyed maps (JSON or YAML objects: registries, `exports` maps): a structural three-way merge when
 * the sides touched different keys. Theirs' changes are laid onto ours' text, so ours keeps its
 * layout (and YAML its comments); the result is parsed again and must equal the merge.
 */
export function mergeKeyedMap(path: string, input: MergeInput): RuleResult {
  const format = mapFormat(path);
  if (format === undefined) return refuse("not a JSON or YAML file");
  const read = format === "json" ? parseJson : parseYaml;
  const ours = read(input.ours);
  const theirs = read(input.theirs);
  const base = input.base === undefined ? { ok: true as const, value: {} } : read(input.base);
  if (!ours.ok || !theirs.ok || !base.ok) return refuse(`a side is not valid ${format.toUpperCase()}`);
  if (!isMap(ours.value) || !isMap(theirs.value) || !isMap(base.value)) {
    return refuse("the document is not a map of keys");
  }
  if (format === "yaml" && !isYamlMap(parseDocument(input.ours).contents))
    return refuse("the document is not a map of keys");
  const merge = mergeStructure(base.value, ours.value, theirs.value);
  if (!merge.clean) return refuse(`both sides changed ${showPath(merge.path)}`);
  const content = format === "json" ? applyJson(input.ours, merge.edits) : applyYaml(input.ours, merge.edits);
  const check = read(content);
  if (!check.ok || !isDeepStrictEqual(check.value, merge.merged)) {
    return refuse("the merged document could not be written back without losing a change");
  }
  const keys = merge.edits.map((e) => showPath(e.path));
  return {
    ok: true,
    content,
    reason: `structural merge: theirs changed ${keys.length > 0 ? keys.join(", ") : "nothing ours lacks"}`,
  };
}
