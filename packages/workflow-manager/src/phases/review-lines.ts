// Line comments of a review: the reviewer's `path:line: text` lines that point into the diff, so
// they can be posted on those lines of the pull request (GitHub refuses a line outside the diff).

export interface LineComment {
  path: string;
  line: number;
  body: string;
}

/** `src/a.ts:12: text`, optionally in backticks or after a list marker. */
const LINE_COMMENT = /^\s*(?:[-*]\s+)?`?([\w./@+-]+\.[\w]+):(\d+)`?\s*[:—-]\s*(\S.*)$/;

/** Per file of a unified diff, the new-side line ranges its hunks cover. */
export function diffHunks(diff: string): Map<string, [number, number][]> {
  const hunks = new Map<string, [number, number][]>();
  let file: string | undefined;
  for (const line of diff.split("\n")) {
    if (line.startsWith("+++ ")) {
      file = line.startsWith("+++ b/") ? line.slice(6) : undefined;
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk === null || file === undefined) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    if (count === 0) continue;
    const ranges = hunks.get(file) ?? [];
    ranges.push([start, start + count - 1]);
    hunks.set(file, ranges);
  }
  return hunks;
}

/** The review's line comments that fall inside the diff's hunks (at most 50). */
export function lineComments(comments: string, diff: string): LineComment[] {
  const hunks = diffHunks(diff);
  const found: LineComment[] = [];
  for (const text of comments.split(/\r?\n/)) {
    const match = LINE_COMMENT.exec(text);
    if (match === null) continue;
    const [, path, lineText, body] = match as unknown as [string, string, string, string];
    const line = Number(lineText);
    const inDiff = (hunks.get(path) ?? []).some(([from, to]) => line >= from && line <= to);
    if (inDiff) found.push({ path, line, body: body.trim() });
    if (found.length >= 50) break;
  }
  return found;
}
