import { diff3Merge } from "node-diff3";
import { type MergeInput, type RuleResult, refuse } from "./result.js";
import { splitLines } from "./text-merge.js";

/** A block of added lines, ending in a newline so that the next block starts on a line of its own. */
function closed(lines: readonly string[]): string[] {
  const out = [...lines];
  const last = out.length - 1;
  if (last >= 0 && !(out[last] as string).endsWith("\n")) out[last] = `${out[last]}\n`;
  return out;
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

/**
 * Append-only files (CHANGELOG, HISTORY, notes): where both sides added lines at the same spot,
 * the merge holds both additions, ours (already merged) first, then theirs. A region where both
 * sides changed or removed lines of the base is no union: refused, the conflict stands.
 */
export function mergeAppendOnly(input: MergeInput): RuleResult {
  const regions = diff3Merge(splitLines(input.ours), splitLines(input.base ?? ""), splitLines(input.theirs), {
    excludeFalseConflicts: true,
  });
  const out: string[] = [];
  let unions = 0;
  for (const region of regions) {
    if (region.ok) {
      out.push(...region.ok);
      continue;
    }
    const conflict = region.conflict;
    if (conflict === undefined) continue;
    if (conflict.o.length > 0) {
      const last = conflict.oIndex + conflict.o.length;
      const where = conflict.o.length === 1 ? `line ${last}` : `lines ${conflict.oIndex + 1}-${last}`;
      return refuse(`both sides changed ${where} of the base; only added lines are merged by union`);
    }
    unions++;
    const theirs = sameLines(conflict.a, conflict.b) ? [] : conflict.b;
    // Only a file's last line can lack a newline; followed by theirs, ours' block gets one.
    out.push(...(theirs.length > 0 ? closed(conflict.a) : conflict.a), ...theirs);
  }
  // git's diff may see a conflict where diff3 lines the sides up cleanly: that is a clean merge.
  const reason =
    unions === 0
      ? "the sides' changes merge line by line"
      : `union of both sides' added lines at ${unions} spot${unions === 1 ? "" : "s"}`;
  return { ok: true, content: out.join(""), reason };
}
