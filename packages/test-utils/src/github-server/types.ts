// What tests see of the local GitHub server: its stored resources, the recorded requests, options.

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot";
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

export interface FakeIssue {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakePull {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  draft: boolean;
  head: string;
  base: string;
  headSha: string;
  /** Set false to make the merge endpoint answer 405 "Pull Request is not mergeable". */
  mergeable: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergeMethod: string | null;
  labels: string[];
  /**
   * Login of who opened it (`pullAuthor`, default the token's user). When it is the token's user,
   * APPROVE and REQUEST_CHANGES reviews are refused as on GitHub; set another login to allow them.
   */
  author: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  /** The issue or pull request number. */
  issueNumber: number;
  body: string;
  createdAt: string;
}

/** A line comment of a review, as sent (GitHub's `comments[]` of a review). */
export interface FakeReviewComment {
  path: string;
  body: string;
  line?: number;
  /** The older way to place a comment: the line's position in the diff. */
  position?: number;
  side?: "LEFT" | "RIGHT";
  startLine?: number;
}

export interface FakeReview {
  id: number;
  owner: string;
  repo: string;
  pullNumber: number;
  /** Login of the reviewer: the token's user. */
  user: string;
  /** PENDING when the review was sent without an event. */
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "PENDING";
  body: string;
  /** The commit reviewed: `commit_id`, else the pull request's head. */
  commitId: string;
  comments: FakeReviewComment[];
  /** null while pending. */
  submittedAt: string | null;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/repos/acme/widgets/issues`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** The token sent (`token X` or `Bearer X`), if any. */
  token?: string;
  /** The status this server answered with. */
  status: number;
  /** Whether the answer came from `failNext`. */
  injected: boolean;
}

export interface GitHubServerState {
  issues: FakeIssue[];
  prs: FakePull[];
  comments: FakeComment[];
  /** Pull-request reviews, oldest first. */
  reviews: FakeReview[];
  /** Every request received, in order. */
  requests: RecordedRequest[];
}

/** An injected answer; usually an error (403, 422, 5xx...), though any status works (200 with a stale body). */
export interface FailureSpec {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; a GitHub-shaped default for the status when omitted. */
  body?: unknown;
  /** How many matching requests fail. Default 1. */
  times?: number;
}

export interface GitHubServerOptions {
  /** Only this token is accepted (401 "Bad credentials" for others). Any token when unset. */
  token?: string;
  /** `owner/repo` names that exist; any repository exists when unset. */
  repos?: readonly string[];
  /** The user the token belongs to. Default `gadugi-bot`. */
  login?: string;
  /**
   * Who opens the pull requests created through the API. Default `login`: they are the token's own,
   * so GitHub's 422 "Can not approve your own pull request" (and its REQUEST_CHANGES twin) applies,
   * as it does when one token opens and reviews. Another login lets those reviews through.
   */
  pullAuthor?: string;
  /** Base of `html_url`s. Default `https://github.com`. */
  htmlBaseUrl?: string;
}

export interface GitHubServer {
  /** Base URL of the API, e.g. `http://127.0.0.1:39123`; pass it as the Octokit `baseUrl`. */
  url: string;
  state: GitHubServerState;
  /**
   * Makes the next `times` requests matching `method` (or `*`) and `pathPattern` (a path with `*`
   * wildcards for one segment and `**` for any rest, or a RegExp) fail with `status`.
   */
  failNext(method: string, pathPattern: string | RegExp, failure: FailureSpec): void;
  /** The recorded requests matching a method and path pattern. */
  requestsTo(method: string, pathPattern: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}
