// /repos/{owner}/{repo}/pulls/{n}/reviews: pull-request reviews (APPROVE, REQUEST_CHANGES, COMMENT).
//
// The 422 texts for one's own pull request, for REQUEST_CHANGES without a comment and for a second
// pending review are GitHub's, as it answers them; those for an unknown event, a COMMENT with
// nothing in it and a malformed line comment are this server's words with GitHub's status.
import { type Answer, invalidRequest, unprocessable } from "../http.js";
import { reviewJson } from "../json.js";
import { listAnswer, type RouteRequest } from "../request.js";
import { type Store, sameRepo } from "../store.js";
import type { FakePull, FakeReview, FakeReviewComment } from "../types.js";

const STATES = { APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" } as const;

/** The review's state for `event`; no event makes a pending review, as on GitHub. */
function stateOf(event: unknown): FakeReview["state"] {
  if (event === undefined || event === null) return "PENDING";
  if (typeof event === "string" && Object.hasOwn(STATES, event)) return STATES[event as keyof typeof STATES];
  throw invalidRequest(
    `For 'properties/event', ${JSON.stringify(event)} is not one of APPROVE, REQUEST_CHANGES, COMMENT.`,
  );
}

function positiveInteger(item: Record<string, unknown>, field: string, index: number): number | undefined {
  const value = item[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  throw invalidRequest(`For 'items/${index}/${field}', ${JSON.stringify(value)} is not a positive integer.`);
}

/** `comments[]`: each needs `path`, `body`, and `line` (or the older `position`). */
function lineComments(value: unknown): FakeReviewComment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw invalidRequest(`For 'properties/comments', ${JSON.stringify(value)} is not an array.`);
  return value.map((raw, index) => {
    const item = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
    for (const field of ["path", "body"]) {
      if (typeof item[field] !== "string" || item[field] === "")
        throw invalidRequest(`"${field}" wasn't supplied.`);
    }
    const comment: FakeReviewComment = { path: item.path as string, body: item.body as string };
    const line = positiveInteger(item, "line", index);
    const position = positiveInteger(item, "position", index);
    const startLine = positiveInteger(item, "start_line", index);
    if (line === undefined && position === undefined) throw invalidRequest(`"line" wasn't supplied.`);
    if (line !== undefined) comment.line = line;
    if (position !== undefined) comment.position = position;
    if (startLine !== undefined) comment.startLine = startLine;
    if (item.side === "LEFT" || item.side === "RIGHT") comment.side = item.side;
    return comment;
  });
}

/** What GitHub refuses even when the request is well formed. */
function checkAllowed(store: Store, pr: FakePull, review: Omit<FakeReview, "id" | "submittedAt">): void {
  const own = pr.author.toLowerCase() === store.user.login.toLowerCase();
  if (own && review.state === "APPROVED") throw unprocessable(["Can not approve your own pull request"]);
  if (own && review.state === "CHANGES_REQUESTED") {
    throw unprocessable(["Can not request changes on your own pull request"]);
  }
  const empty = review.body.trim() === "" && review.comments.length === 0;
  if (empty && review.state === "CHANGES_REQUESTED") {
    throw unprocessable(["You need to leave a comment indicating the requested changes."]);
  }
  if (empty && review.state === "COMMENTED") {
    throw unprocessable(["A COMMENT review needs a body or at least one line comment."]);
  }
  const pending = store.state.reviews.some(
    (r) =>
      sameRepo(pr.owner, pr.repo)(r) &&
      r.pullNumber === pr.number &&
      r.user === review.user &&
      r.state === "PENDING",
  );
  if (pending && review.state === "PENDING") {
    throw unprocessable(["User can only have one pending review per pull request"]);
  }
}

/** 200 with the review; 404 for a pull request that does not exist, 422 for what GitHub refuses. */
export function createReview({ store, owner, repo, number, body }: RouteRequest): Answer {
  const pr = store.pull(owner, repo, number);
  const draft = {
    owner,
    repo,
    pullNumber: pr.number,
    user: store.user.login,
    state: stateOf(body.event),
    body: typeof body.body === "string" ? body.body : "",
    commitId: typeof body.commit_id === "string" && body.commit_id !== "" ? body.commit_id : pr.headSha,
    comments: lineComments(body.comments),
  };
  checkAllowed(store, pr, draft);
  const review: FakeReview = {
    id: store.newId(),
    ...draft,
    submittedAt: draft.state === "PENDING" ? null : store.now(),
  };
  store.state.reviews.push(review);
  return { status: 200, body: reviewJson(store, review) };
}

/** The pull request's reviews, oldest first. */
export function listReviews(req: RouteRequest): Answer {
  const { store, owner, repo, number } = req;
  const pr = store.pull(owner, repo, number);
  const inRepo = sameRepo(owner, repo);
  const list = store.state.reviews.filter((r) => inRepo(r) && r.pullNumber === pr.number);
  return listAnswer(req, list, (r) => reviewJson(store, r));
}
