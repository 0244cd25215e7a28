import { createRedactor, GadugiError } from "@gadugi/error-handling";
import type { BatchOptions, BatchResult } from "./batch.js";
import {
  createOctokit,
  DEFAULT_API_URL,
  type GadugiOctokit,
  type GitHubLogger,
  type ThrottleSettings,
} from "./client.js";
import { addComment, type GitHubComment } from "./comments.js";
import { type FindOptions, type OperationContext, type RepoRef, unique } from "./context.js";
import { toGitHubError } from "./errors.js";
import type { FailureReport } from "./failure-report.js";
import {
  batchCreateIssues,
  createFailureIssue,
  createIssue,
  ensureIssue,
  findIssueForBranch,
  type GitHubIssue,
  type IssueInput,
} from "./issues.js";
import { batchMergePrs, type MergeOptions, type MergeOutcome, mergePr } from "./merges.js";
import {
  createPr,
  ensurePr,
  findPrForBranch,
  type GitHubPullRequest,
  type PullRequestInput,
} from "./pulls.js";
import {
  createPrReview,
  type GitHubReview,
  listPrReviews,
  type PostedReview,
  type ReviewInput,
} from "./reviews.js";

export interface GitHubOperationsOptions {
  owner?: string;
  repo?: string;
  token?: string;
  /** REST base URL. Default https://api.github.com. */
  baseUrl?: string;
  /** Retries of a request that failed with 5xx or a network error. Default 3. */
  retries?: number;
  /** Retry and rate-limit timing; tests pass FAST_THROTTLE. */
  throttle?: ThrottleSettings;
  logger?: GitHubLogger;
  /** Labels put on every issue this creates (the config's `github.labels`). Default ["gadugi"]. */
  labels?: readonly string[];
  /** Environment whose secret-named variables are redacted by value. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Why the token or the repository is missing, as found by discovery; reported by isAvailable(). */
  unavailable?: { token?: string; repo?: string };
  userAgent?: string;
}

export type Availability = { ok: true } | { ok: false; reason: string };

/**
 * Issues, pull requests, comments and reviews of one repository, over Octokit with retry and
 * throttling. Each operation lives in the module of its resource (issues, pulls, merges, comments,
 * reviews); this class holds the client, the availability check and the error mapping they share.
 * Every error is a GadugiError (GADUGI_GITHUB_AUTH or GADUGI_GITHUB_API) and every text sent or
 * thrown is redacted.
 */
export class GitHubOperations {
  readonly owner: string | undefined;
  readonly repo: string | undefined;
  readonly baseUrl: string;
  readonly labels: readonly string[];
  private readonly token: string | undefined;
  private readonly options: GitHubOperationsOptions;
  private readonly redact: (text: string) => string;
  private octokit: GadugiOctokit | undefined;
  private availability: Promise<Availability> | undefined;
  private readonly context: OperationContext;

  constructor(options: GitHubOperationsOptions) {
    this.options = options;
    this.owner = options.owner || undefined;
    this.repo = options.repo || undefined;
    this.token = options.token || undefined;
    this.baseUrl = (options.baseUrl || DEFAULT_API_URL).replace(/\/+$/, "");
    this.labels = unique(options.labels ?? ["gadugi"]);
    const secrets = this.token ? [this.token] : [];
    this.redact = createRedactor({ env: options.env ?? process.env, secrets });
    this.context = {
      labels: this.labels,
      redact: this.redact,
      call: (operation, fn) => this.call(operation, fn),
    };
  }

  /** Where the token came from is not kept; only whether there is one. */
  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** `owner/repo`, or undefined without a repository. */
  get fullName(): string | undefined {
    return this.owner && this.repo ? `${this.owner}/${this.repo}` : undefined;
  }

  private missingReason(): string | undefined {
    if (!this.token) {
      return (
        this.options.unavailable?.token ??
        "no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`"
      );
    }
    if (!this.fullName) {
      return (
        this.options.unavailable?.repo ??
        "no GitHub repository: add a GitHub `origin` remote, or set github.owner and github.repo in the config"
      );
    }
    return undefined;
  }

  /**
   * Whether GitHub can be used, and why not: no token, no GitHub repository, or the repository
   * cannot be reached with the token (one GET /repos/{owner}/{repo}, without retries). The answer
   * is kept for the life of this object. `{ probe: false }` skips the request.
   */
  isAvailable(options: { probe?: boolean } = {}): Promise<Availability> {
    const missing = this.missingReason();
    if (missing) return Promise.resolve({ ok: false, reason: missing });
    if (options.probe === false) return Promise.resolve({ ok: true });
    this.availability ??= (async (): Promise<Availability> => {
      try {
        await this.call("check repository", (octokit, repo) =>
          octokit.rest.repos.get({ ...repo, request: { retries: 0 } }),
        );
        return { ok: true };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, reason: this.redact(message) };
      }
    })();
    return this.availability;
  }

  private client(operation: string): { octokit: GadugiOctokit; repo: RepoRef } {
    if (!this.token) {
      throw new GadugiError("GADUGI_GITHUB_AUTH", {
        reason: this.redact(`${operation} needs a token, but ${this.missingReason() ?? "none was found"}`),
      });
    }
    if (!this.owner || !this.repo) {
      throw new GadugiError("GADUGI_GITHUB_UNAVAILABLE", {
        operation,
        reason: this.redact(this.missingReason() ?? "no GitHub repository"),
      });
    }
    this.octokit ??= createOctokit({
      token: this.token,
      baseUrl: this.baseUrl,
      redact: this.redact,
      ...(this.options.retries === undefined ? {} : { retries: this.options.retries }),
      ...(this.options.throttle === undefined ? {} : { throttle: this.options.throttle }),
      ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
      ...(this.options.userAgent === undefined ? {} : { userAgent: this.options.userAgent }),
    });
    return { octokit: this.octokit, repo: { owner: this.owner, repo: this.repo } };
  }

  private async call<T>(
    operation: string,
    fn: (octokit: GadugiOctokit, repo: RepoRef) => Promise<T>,
  ): Promise<T> {
    const { octokit, repo } = this.client(operation);
    try {
      return await fn(octokit, repo);
    } catch (error) {
      throw toGitHubError(error, {
        operation,
        baseUrl: this.baseUrl,
        owner: repo.owner,
        repo: repo.repo,
        redact: this.redact,
      });
    }
  }

  /** Opens an issue with the default labels plus `input.labels`; title and body are redacted. */
  createIssue(input: IssueInput): Promise<GitHubIssue> {
    return createIssue(this.context, input);
  }

  /**
   * The newest issue (not pull request) created for `branch` by createIssue, found by the marker
   * in its body. Scans issues carrying the default labels, newest first, up to 1000.
   */
  findIssueForBranch(branch: string, options: FindOptions = {}): Promise<GitHubIssue | undefined> {
    return findIssueForBranch(this.context, branch, options);
  }

  /** The open issue for `input.branch` if there is one, else a new issue. */
  ensureIssue(input: IssueInput & { branch: string }): Promise<{ issue: GitHubIssue; created: boolean }> {
    return ensureIssue(this.context, input);
  }

  /** Opens issues with at most `concurrency` (default 3) requests at once; one result per input. */
  batchCreateIssues(
    inputs: readonly IssueInput[],
    options: BatchOptions = {},
  ): Promise<BatchResult<IssueInput, GitHubIssue>[]> {
    return batchCreateIssues(this.context, inputs, options);
  }

  /** Opens a pull request from `head` into `base`; "Closes #n" is appended for `issueNumber`. */
  createPr(input: PullRequestInput): Promise<GitHubPullRequest> {
    return createPr(this.context, input);
  }

  /** The newest pull request whose head is `branch` in this repository. */
  findPrForBranch(
    branch: string,
    options: FindOptions & { base?: string } = {},
  ): Promise<GitHubPullRequest | undefined> {
    return findPrForBranch(this.context, branch, options);
  }

  /** The open pull request for `input.head` into `input.base` if there is one, else a new one. */
  ensurePr(input: PullRequestInput): Promise<{ pr: GitHubPullRequest; created: boolean }> {
    return ensurePr(this.context, input);
  }

  /**
   * Merges a pull request. One that is already merged (a resumed run) counts as merged with
   * `alreadyMerged`; one that cannot be merged throws GADUGI_GITHUB_API with GitHub's reason.
   */
  mergePr(number: number, options: MergeOptions = {}): Promise<MergeOutcome> {
    return mergePr(this.context, number, options);
  }

  /** Merges pull requests in order, one at a time by default; one result per input. */
  batchMergePrs(
    items: ReadonlyArray<number | ({ number: number } & MergeOptions)>,
    options: BatchOptions & MergeOptions = {},
  ): Promise<BatchResult<number | ({ number: number } & MergeOptions), MergeOutcome>[]> {
    return batchMergePrs(this.context, items, options);
  }

  /** Comments on an issue or pull request; the body is redacted. */
  addComment(number: number, body: string): Promise<GitHubComment> {
    return addComment(this.context, number, body);
  }

  /**
   * Reviews a pull request (APPROVE, REQUEST_CHANGES or COMMENT) with a text and comments on lines,
   * all redacted. GitHub refuses APPROVE and REQUEST_CHANGES on the token's own pull request (422);
   * `fallbackToComment` posts those as COMMENT instead and says so with `downgraded`.
   */
  createPrReview(number: number, input: ReviewInput): Promise<PostedReview> {
    return createPrReview(this.context, number, input);
  }

  /** The pull request's reviews, oldest first. */
  listPrReviews(number: number): Promise<GitHubReview[]> {
    return listPrReviews(this.context, number);
  }

  /**
   * Files the seed's automatic failure report: task, phase, error (code, message, hint, causes,
   * details) and the log tail, all redacted, labelled with the default labels and `gadugi-failure`.
   */
  createFailureIssue(report: FailureReport, options: { maxLogLines?: number } = {}): Promise<GitHubIssue> {
    return createFailureIssue(this.context, report, options);
  }
}
