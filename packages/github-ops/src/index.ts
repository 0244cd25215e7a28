// Public API of @gadugi/github-ops.
export type { BatchOptions, BatchResult } from "./batch.js";
export { DEFAULT_API_URL, FAST_THROTTLE, type GitHubLogger, type ThrottleSettings } from "./client.js";
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
export {
  type Availability,
  branchMarker,
  type FindOptions,
  type GitHubComment,
  type GitHubIssue,
  GitHubOperations,
  type GitHubOperationsOptions,
  type GitHubPullRequest,
  type IssueInput,
  type MergeOptions,
  type MergeOutcome,
  type PullRequestInput,
} from "./operations.js";
