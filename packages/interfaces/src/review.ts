import { z } from "zod";

/** A reviewer's verdict, from its `VERDICT:` line (`comment` when it gave none). */
export const ReviewVerdict = z.enum(["approve", "request-changes", "comment"]);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** Where one round's review went on GitHub. */
export const ReviewPosting = z.strictObject({
  /** A pull-request review when the task has a PR; an issue comment otherwise. */
  kind: z.enum(["pr-review", "issue-comment"]),
  url: z.string().optional(),
  /** The review event asked for (APPROVE, REQUEST_CHANGES, COMMENT). */
  event: z.string().optional(),
  /** GitHub refused the event (the run's own PR) and it was posted as COMMENT. */
  downgraded: z.boolean().optional(),
  /** Line comments posted with it: the reviewer's `path:line: text` lines inside the diff. */
  lineComments: z.number().int().nonnegative().optional(),
});
export type ReviewPosting = z.infer<typeof ReviewPosting>;

/** One look of the reviewer at the branch. */
export const ReviewRound = z.strictObject({
  round: z.number().int().positive(),
  reviewer: z.string(),
  verdict: ReviewVerdict,
  /** The reviewer wrote a `VERDICT:` line. */
  verdictFound: z.boolean(),
  comments: z.string(),
  /** The commit reviewed. */
  commit: z.string().optional(),
  posted: ReviewPosting.optional(),
  notPostedReason: z.string().optional(),
});
export type ReviewRound = z.infer<typeof ReviewRound>;

/**
 * What the review phase decided, kept in its `phase.finished` data (`review`) and the report:
 * every round, and whether the task may merge.
 */
export const ReviewSummary = z.strictObject({
  /** The last round's verdict. */
  verdict: ReviewVerdict,
  rounds: z.array(ReviewRound),
  /** Fix rounds the task's agent got with the review's comments. */
  fixRounds: z.number().int().nonnegative(),
  /** The last verdict requested changes. */
  changesRequested: z.boolean(),
  /** The task may merge: approve or comment, or request-changes with workflow.mergeOnRequestChanges. */
  mergeable: z.boolean(),
});
export type ReviewSummary = z.infer<typeof ReviewSummary>;
