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

const hasText = (lines: readonly string[]) => lines.some((line) => line.trim() !== "");

/**
 * Two additions at one spot as one block: the lines both begin with (a heading such as
 * "## Unreleased" each side wrote above its entry), ours' own lines, theirs' own lines, then the
 * lines both end with. Shared lines count once, as git counts a change both sides made; a shared
 * run of blank lines alone is not shared, it is each block's own spacing.
 */
function union(ours: readonly string[], theirs: readonly string[]): string[] {
  if (sameLines(ours, theirs)) return [...ours];
  let head = 0;
  while (head < ours.length && head < theirs.length && ours[head] === theirs[head]) head++;
  if (!hasText(ours.slice(0, head))) head = 0;
  let tail = 0;
  const fits = () => tail < ours.length - head && tail < theirs.length - head;
  while (fits() && ours[ours.length - 1 - tail] === theirs[theirs.length - 1 - tail]) tail++;
  if (head === 0 && !hasText(ours.slice(ours.length - tail))) tail = 0;
  const oursOwn = ours.slice(head, ours.length - tail);
  const theirsOwn = theirs.slice(head, theirs.length - tail);
  // Only a file's last line can lack a newline; followed by more, that line gets one.
  const middle = theirsOwn.length > 0 ? [...closed(oursOwn), ...theirsOwn] : oursOwn;
  return [...ours.slice(0, head), ...middle, ...ours.slice(ours.length - tail)];
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
    out.push(...union(conflict.a, conflict.b));
  }
  // git's diff may see a conflict where diff3 lines the sides up cleanly: that is a clean merge.
  const reason =
    unions === 0
      ? "the sides' changes merge line by line"
      : `union of both sides' added lines at ${unions} spot${unions === 1 ? "" : "s"}`;
  return { ok: true, content: out.join(""), reason };
}
