/**
 * A local stand-in for the GitHub REST API: a node:http server on 127.0.0.1 that keeps issues,
 * pull requests, comments and pull-request reviews in memory and answers with GitHub's response
 * shapes, so tests of @gadugi/github-ops and the workflow never touch the network. Failures (rate
 * limits, validation errors, 5xx) are injected with `failNext`.
 *
 * The parts, in ./github-server/: `types` (what tests see), `store` (the memory), `json` (response
 * shapes), `routes/*` (one file per resource), `router` (the table of endpoints), `server` (HTTP,
 * recording, injected failures, authentication).
 */
export { startGitHubServer } from "./github-server/server.js";
export type {
  FailureSpec,
  FakeComment,
  FakeIssue,
  FakeLabel,
  FakePull,
  FakeReview,
  FakeReviewComment,
  FakeUser,
  GitHubServer,
  GitHubServerOptions,
  GitHubServerState,
  RecordedRequest,
} from "./github-server/types.js";
