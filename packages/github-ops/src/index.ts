// Public API of @gadugi/github-ops.
export type { BatchOptions, BatchResult } from "./batch.js";
export { DEFAULT_API_URL, FAST_THROTTLE, type GitHubLogger, type ThrottleSettings } from "./client.js";
export type { GitHubComment } from "./comments.js";
export type { FindOptions } from "./context.js";
export {
  type CreateGitHubOperationsOptions,
  createGitHubOperations,
  type DiscoverGitHubOptions,
  discoverGitHub,
  enterpriseApiUrl,
  type GitHubConfigSection,
  type GitHubDiscovery,
  type TokenSource,
} from "./discovery.js";
export { describeGitHubResponse, isTransientGitHubError } from "./errors.js";
export {
  type FailureError,
  type FailureReport,
  type FormatFailureOptions,
  formatFailureIssue,
} from "./failure-report.js";
export { branchMarker, type GitHubIssue, type IssueInput } from "./issues.js";
export type { MergeOptions, MergeOutcome } from "./merges.js";
export { type Availability, GitHubOperations, type GitHubOperationsOptions } from "./operations.js";
export type { GitHubPullRequest, PullRequestInput } from "./pulls.js";
export type {
  GitHubReview,
  PostedReview,
  ReviewEvent,
  ReviewInput,
  ReviewLineComment,
  ReviewState,
} from "./reviews.js";
