export type ReviewVerdict = "approve" | "request-changes" | "comment";

export interface ParsedReview {
  /** From the last `VERDICT:` line; undefined when there is none. */
  verdict?: ReviewVerdict;
  /** The output without its verdict lines, trimmed. */
  comments: string;
}

/**
 * `VERDICT: approve`, `**Verdict:** request-changes`, `- verdict = comment`... Markdown emphasis,
 * list and quote markers around it are allowed; case does not matter.
 */
const VERDICT_LINE = /^[\s>*_`#-]*verdict[\s*_`]*[:=][\s*_`]*([a-z][a-z_ -]*?)[\s*_`.!]*$/i;

const SYNONYMS: Record<string, ReviewVerdict> = {
  approve: "approve",
  approved: "approve",
  lgtm: "approve",
  "request-changes": "request-changes",
  "request changes": "request-changes",
  request_changes: "request-changes",
  "changes-requested": "request-changes",
  "changes requested": "request-changes",
  changes_requested: "request-changes",
  reject: "request-changes",
  rejected: "request-changes",
  comment: "comment",
  commented: "comment",
  neutral: "comment",
};

/**
 * Reads a reviewer's output by the documented convention: the verdict is the last line of the form
 * `VERDICT: approve | request-changes | comment` (synonyms: approved, lgtm; changes requested,
 * reject; commented, neutral); everything else is the review's comments.
 */
export function parseReviewOutput(output: string): ParsedReview {
  let verdict: ReviewVerdict | undefined;
  const kept: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = VERDICT_LINE.exec(line);
    const value = match?.[1]?.trim().toLowerCase().replace(/\s+/g, " ");
    const parsed = value === undefined ? undefined : SYNONYMS[value];
    if (parsed !== undefined) verdict = parsed;
    else kept.push(line);
  }
  const comments = kept.join("\n").trim();
  return verdict === undefined ? { comments } : { verdict, comments };
}
