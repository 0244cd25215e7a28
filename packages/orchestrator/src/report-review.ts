import {
  type PhaseRecord,
  type ReviewRound,
  ReviewSummary,
  type RunReport,
  type TaskReport,
} from "@gadugi/interfaces";

// The review section of the report: per task, the verdict, whether it may merge, and every round
// (verdict, comments, where it was posted), from the review phase's journaled data.

/** The review phase's summary in a task's phase records, when a reviewer ran. */
export function reviewOf(phases: readonly PhaseRecord[]): ReviewSummary | undefined {
  const record = phases.find((p) => p.phase === "review");
  const parsed = ReviewSummary.safeParse(record?.data.review);
  return parsed.success ? parsed.data : undefined;
}

/** What became of the task because of its review, in a few words. */
function outcomeText(review: ReviewSummary): string {
  if (!review.changesRequested) return `${review.verdict}: the review lets it merge`;
  return review.mergeable
    ? "changes still requested; merged anyway (workflow.mergeOnRequestChanges)"
    : "changes still requested: not merged";
}

function postedText(round: ReviewRound): string {
  const p = round.posted;
  if (p === undefined) return `not posted${round.notPostedReason ? ` (${round.notPostedReason})` : ""}`;
  const kind =
    p.kind === "pr-review"
      ? `PR review${p.downgraded ? " (as COMMENT: the run's own PR)" : ""}`
      : "issue comment";
  return p.url ? `${kind} ${p.url}` : kind;
}

const oneLine = (text: string) => (text.trim() === "" ? "—" : text.replace(/\s+/g, " ").trim());

/** The review of `task` as Markdown lines (none without a review). */
export function reviewMarkdown(task: TaskReport, esc: (text: string) => string): string[] {
  const review = task.review;
  if (review === undefined) return [];
  const fixes = `${review.fixRounds} fix round${review.fixRounds === 1 ? "" : "s"}`;
  const lines = [
    `Review: **${review.verdict}** after ${review.rounds.length} round${review.rounds.length === 1 ? "" : "s"} (${fixes}); ${outcomeText(review)}`,
    "",
    "| Round | Verdict | Comments | Posted |",
    "| --- | --- | --- | --- |",
  ];
  for (const r of review.rounds) {
    lines.push(`| ${r.round} | ${r.verdict} | ${esc(oneLine(r.comments))} | ${esc(postedText(r))} |`);
  }
  lines.push("");
  return lines;
}

/** The reviews of every task as an HTML section (empty when no task has one). */
export function reviewHtml(report: RunReport, esc: (text: string) => string): string {
  const rows = report.tasks.flatMap((t) =>
    (t.review?.rounds ?? []).map((r) => {
      const review = t.review as ReviewSummary;
      const cells = [
        t.slug,
        String(r.round),
        r.verdict,
        oneLine(r.comments),
        postedText(r),
        outcomeText(review),
      ];
      return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
    }),
  );
  if (rows.length === 0) return "";
  return `<h2>Reviews</h2>
<table><thead><tr><th>Task</th><th>Round</th><th>Verdict</th><th>Comments</th><th>Posted</th><th>Outcome</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>
`;
}
