import type { ReviewPosting, ReviewVerdict } from "@gadugi/interfaces";
import type { PhaseContext } from "../types.js";
import { callGitHub, type GitHubCallResult } from "./github-call.js";
import { type LineComment, lineComments } from "./review-lines.js";
import { githubAvailability } from "./shared.js";

/** What one look of the reviewer said, as the review phase posts and records it. */
export interface ReviewText {
  round: number;
  reviewer: string;
  verdict: ReviewVerdict;
  verdictFound: boolean;
  comments: string;
}

/** Where a round's review went: posted, or why not. */
export type PostResult = { posted: ReviewPosting } | { notPostedReason: string };

const EVENTS: Record<ReviewVerdict, "APPROVE" | "REQUEST_CHANGES" | "COMMENT"> = {
  approve: "APPROVE",
  "request-changes": "REQUEST_CHANGES",
  comment: "COMMENT",
};

/** The review as Markdown: verdict, reviewer, round, comments. */
export function reviewMarkdown(ctx: PhaseContext, review: ReviewText): string {
  const who = review.reviewer.startsWith("command: ") ? `\`${review.reviewer.slice(9)}\`` : review.reviewer;
  const round = review.round > 1 ? ` · round ${review.round}, after the fix round` : "";
  const lines = [
    `### Gadugi review: ${review.verdict}`,
    "",
    `Reviewer: ${who} · task \`${ctx.task.id}\`${round}`,
    "",
    review.comments.trim() === "" ? "_No comments._" : review.comments.trim(),
  ];
  if (!review.verdictFound) lines.push("", "_The reviewer gave no `VERDICT:` line; recorded as a comment._");
  return `${lines.join("\n")}\n`;
}

/**
 * Posts a round's review on GitHub: a pull-request review (APPROVE / REQUEST_CHANGES / COMMENT)
 * when the task has a pull request — as COMMENT stating the verdict when GitHub refuses the event
 * on the token's own pull request (`downgraded`) — else a comment on the task's issue. GitHub's
 * trouble is warned about and recorded, never the phase's failure.
 */
export async function postReview(
  ctx: PhaseContext,
  review: ReviewText,
  body: string,
  at: { commit?: string; diff: string },
): Promise<PostResult> {
  const { prNumber, issueNumber } = ctx.facts;
  if (prNumber === undefined && issueNumber === undefined) {
    return { notPostedReason: "no pull request or issue" };
  }
  const available = await githubAvailability(ctx);
  const github = ctx.github;
  if (!available.ok || github === undefined) {
    return { notPostedReason: `GitHub unavailable: ${available.ok ? "not configured" : available.reason}` };
  }
  const event = EVENTS[review.verdict];
  const call =
    prNumber !== undefined
      ? await postPrReview(
          ctx,
          prNumber,
          { event, body, ...(at.commit === undefined ? {} : { commitId: at.commit }) },
          lineComments(review.comments, at.diff),
        )
      : await callGitHub(ctx, `posting the review on issue #${issueNumber}`, async () => {
          const comment = await github.addComment(issueNumber as number, body);
          return { kind: "issue-comment", url: comment.url } as const;
        });
  if (!call.ok) {
    const where = prNumber !== undefined ? `PR #${prNumber}` : `issue #${issueNumber}`;
    await ctx.warn(`task ${ctx.task.id}: posting the review on ${where} failed: ${call.reason}`);
    return { notPostedReason: call.reason };
  }
  const posted: ReviewPosting = { ...call.value };
  if (posted.lineComments) await ctx.log(`review posted with ${posted.lineComments} line comment(s)`);
  if (posted.downgraded) {
    await ctx.log(
      `review posted on PR #${prNumber} as COMMENT: GitHub refuses ${event} on the token's own pull request`,
    );
  }
  return { posted };
}

/**
 * A pull-request review with the line comments; should GitHub refuse them (a line its diff of the
 * PR does not have: the PR's base is not the task's start), the review is posted once more without.
 */
async function postPrReview(
  ctx: PhaseContext,
  prNumber: number,
  input: { event: "APPROVE" | "REQUEST_CHANGES" | "COMMENT"; body: string; commitId?: string },
  comments: LineComment[],
): Promise<GitHubCallResult<ReviewPosting>> {
  const github = ctx.github as NonNullable<PhaseContext["github"]>;
  const post = (withComments: LineComment[]) =>
    callGitHub(ctx, `posting the review on PR #${prNumber}`, async () => {
      const posted = await github.createPrReview(prNumber, {
        ...input,
        ...(withComments.length > 0 ? { comments: withComments } : {}),
        fallbackToComment: true,
      });
      const posting: ReviewPosting = {
        kind: "pr-review",
        url: posted.url,
        event: input.event,
        downgraded: posted.downgraded,
      };
      if (withComments.length > 0) posting.lineComments = withComments.length;
      return posting;
    });
  const first = await post(comments);
  if (first.ok || comments.length === 0 || first.transient) return first;
  await ctx.log(`the review's line comments were refused (${first.reason}); posting it without them`);
  return post([]);
}

/** The reason a task ends `changes-requested`: the rounds and the last review's comments, on one line. */
export function changesRequestedReason(fixRounds: number, comments: string): string {
  const flat = comments.replace(/\s+/g, " ").trim();
  const what = flat === "" ? "" : `: ${flat.length > 200 ? `${flat.slice(0, 199)}…` : flat}`;
  return `the reviewer requested changes after ${fixRounds} fix round${fixRounds === 1 ? "" : "s"}${what}`;
}
