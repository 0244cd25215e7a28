import { diff3Merge } from "node-diff3";

/** Lines with their line endings kept, so joining them gives the text back byte for byte. */
export function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

export type TextMerge =
  | { clean: true; text: string }
  /** `line`: 1-based line of the base where both sides changed the same lines (0: both added). */
  | { clean: false; line: number };

/**
 * A line-based three-way merge (diff3, identical changes on both sides count as one), clean only
 * when no region was changed differently by both sides; what git's own merge would say of them.
 */
export function mergeText(base: string, ours: string, theirs: string): TextMerge {
  const regions = diff3Merge(splitLines(ours), splitLines(base), splitLines(theirs), {
    excludeFalseConflicts: true,
  });
  const out: string[] = [];
  for (const region of regions) {
    if (region.ok) out.push(...region.ok);
    else if (region.conflict) return { clean: false, line: region.conflict.oIndex + 1 };
  }
  return { clean: true, text: out.join("") };
}
