// Pull-request reviews (GitHub's pulls.createReview): a verdict, its text and comments on lines.
import { GadugiError } from "@gadugi/error-handling";
import type { OperationContext } from "./context.js";

export type ReviewEvent = "APPROVE" | "REQUEST_CHANGES" | "COMMENT";

/** A comment on one line of the pull request's diff. */
export interface ReviewLineComment {
  /** The file, relative to the repository root. */
  path: string;
  /** The line in the file; in the new version (RIGHT) unless `side` is LEFT. It must be in the diff. */
  line: number;
  body: string;
  side?: "LEFT" | "RIGHT";
}

export interface ReviewInput {
  event: ReviewEvent;
  /** The review's text. GitHub wants a text or a line comment for REQUEST_CHANGES and COMMENT. */
  body?: string;
  comments?: readonly ReviewLineComment[];
  /** The commit reviewed. Default: the pull request's head. */
  commitId?: string;
  /**
   * GitHub refuses (422) APPROVE and REQUEST_CHANGES from the account that opened the pull request.
   * true: post the review as COMMENT then (`downgraded` in the result; an empty text becomes a line
   * naming the verdict). Default false: throw GADUGI_GITHUB_API with status 422.
   */
  fallbackToComment?: boolean;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "PENDING" | "DISMISSED";

export interface GitHubReview {
  id: number;
  /** The review on the pull request's page. */
  url: string;
  state: ReviewState;
  body: string;
  /** The reviewer's login. */
  author: string;
  commitId?: string;
  submittedAt?: string;
}

export interface PostedReview extends GitHubReview {
  /** The event asked for. */
  event: ReviewEvent;
  /** Posted as COMMENT because GitHub refused `event` on the token's own pull request. */
  downgraded: boolean;
}

type ReviewData = {
  id: number;
  html_url: string;
  state: string;
  body?: string | null;
  user?: { login?: string } | null;
  commit_id?: string | null;
  submitted_at?: string | null;
};

const STATES: readonly ReviewState[] = ["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "PENDING", "DISMISSED"];

function toReview(data: ReviewData): GitHubReview {
  const review: GitHubReview = {
    id: data.id,
    url: data.html_url,
    state: STATES.find((s) => s === data.state) ?? "COMMENTED",
    body: data.body ?? "",
    author: data.user?.login ?? "",
  };
  if (data.commit_id) review.commitId = data.commit_id;
  if (data.submitted_at) review.submittedAt = data.submitted_at;
  return review;
}

/** GitHub's 422 for approving or requesting changes on one's own pull request. */
function isOwnPullRequestRefusal(error: unknown): boolean {
  return (
    GadugiError.is(error, "GADUGI_GITHUB_API") &&
    error.args.status === 422 &&
    /on your own pull request|approve your own pull request/i.test(error.args.message)
  );
}

async function postReview(
  ctx: OperationContext,
  number: number,
  input: ReviewInput,
  event: ReviewEvent,
): Promise<GitHubReview> {
  const comments = (input.comments ?? []).map((c) => ({
    path: c.path,
    line: c.line,
    body: ctx.redact(c.body),
    ...(c.side ? { side: c.side } : {}),
  }));
  return ctx.call("createPrReview", async (octokit, repo) => {
    const { data } = await octokit.rest.pulls.createReview({
      ...repo,
      pull_number: number,
      event,
      ...(input.body ? { body: ctx.redact(input.body) } : {}),
      ...(input.commitId ? { commit_id: input.commitId } : {}),
      ...(comments.length > 0 ? { comments } : {}),
    });
    return toReview(data as ReviewData);
  });
}

const VERDICTS: Record<ReviewEvent, string> = {
  APPROVE: "approve",
  REQUEST_CHANGES: "request changes",
  COMMENT: "comment",
};

export async function createPrReview(
  ctx: OperationContext,
  number: number,
  input: ReviewInput,
): Promise<PostedReview> {
  try {
    return { ...(await postReview(ctx, number, input, input.event)), event: input.event, downgraded: false };
  } catch (error) {
    if (!input.fallbackToComment || input.event === "COMMENT" || !isOwnPullRequestRefusal(error)) throw error;
    const empty = !input.body?.trim() && (input.comments ?? []).length === 0;
    const body = empty
      ? `Review verdict: ${VERDICTS[input.event]} (posted as a comment: GitHub does not accept it from the pull request's author).`
      : input.body;
    const comment = await postReview(ctx, number, { ...input, ...(body ? { body } : {}) }, "COMMENT");
    return { ...comment, event: input.event, downgraded: true };
  }
}

export async function listPrReviews(ctx: OperationContext, number: number): Promise<GitHubReview[]> {
  return ctx.call("listPrReviews", async (octokit, repo) => {
    const data = await octokit.paginate(octokit.rest.pulls.listReviews, {
      ...repo,
      pull_number: number,
      per_page: 100,
    });
    return (data as ReviewData[]).map(toReview);
  });
}
