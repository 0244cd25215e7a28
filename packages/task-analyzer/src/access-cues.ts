/**
 * How a prompt says a file is touched (reads / modifies / creates): the words before and after a
 * path in its sentence, its section heading, or an access note after a frontmatter path.
 */
import type { FileAccess } from "@gadugi/interfaces";
import type { FrontmatterTarget } from "./frontmatter.js";

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

const CREATE_CUE =
  /\b(?:create|creates|creating|new|add|adds|adding|introduce|introducing|generate|generating|scaffold|write a|add a)\b/i;

const READ_HEADING =
  /\b(?:read|reference|references|context|related|background|see also|existing|inspiration|examples?|do not (?:modify|change))\b/i;
const CREATE_HEADING = /\b(?:create|new files?|files? to create|to add)\b/i;

/** A frontmatter target with its trailing access note, if any, taken off the path. */
export function withoutAccessNote(target: FrontmatterTarget): FrontmatterTarget {
  const note = ACCESS_NOTE.exec(target.path.trim());
  if (!note) return target;
  const word = (note[1] as string).toLowerCase();
  const noted: FileAccess =
    word === "modifies" ? "modifies" : word === "creates" || word === "new" ? "creates" : "reads";
  return { path: target.path.trim().slice(0, note.index), access: target.access ?? noted };
}

function lastIndex(re: RegExp, text: string): number {
  let last = -1;
  for (const m of text.matchAll(re)) last = m.index ?? last;
  return last;
}

/** Access a mention implies from the words before and after it in its sentence, or its section heading. */
export function accessCue(
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

/** Access a path alone on a code-block line implies: only its section heading can say (reads). */
export function codeLineCue(heading: string | undefined): FileAccess | undefined {
  return heading && READ_HEADING.test(heading) ? "reads" : undefined;
}

/** Whether the words before a mention (`start`…) or a `(new)` right after it (…`end`) say it is created. */
export function saysCreated(line: string, start: number, end: number): boolean {
  return CREATE_CUE.test(line.slice(0, start)) || /\(new\)/i.test(line.slice(end, end + 8));
}
