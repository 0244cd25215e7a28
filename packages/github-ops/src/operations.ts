import { createRedactor, GadugiError } from "@gadugi/error-handling";
import { type BatchOptions, type BatchResult, runBatch } from "./batch.js";
import {
  createOctokit,
  DEFAULT_API_URL,
  type GadugiOctokit,
  type GitHubLogger,
  type ThrottleSettings,
} from "./client.js";
import { describeGitHubResponse, statusOf, toGitHubError } from "./errors.js";
import { type FailureReport, formatFailureIssue } from "./failure-report.js";

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

export interface IssueInput {
  title: string;
  body?: string;
  /** Added to the default labels. */
  labels?: readonly string[];
  assignees?: readonly string[];
  /** The task branch; recorded in the body so findIssueForBranch can find the issue again. */
  branch?: string;
}

export interface GitHubIssue {
  number: number;
  /** The issue's page on GitHub. */
  url: string;
  title: string;
  state: "open" | "closed";
  labels: string[];
  body: string;
}

export interface PullRequestInput {
  title: string;
  body?: string;
  /** The branch with the changes. */
  head: string;
  /** The branch to merge into. */
  base: string;
  draft?: boolean;
  /** Adds "Closes #n" to the body, linking (and on merge closing) the task's issue. */
  issueNumber?: number;
}

export interface GitHubPullRequest {
  number: number;
  url: string;
  title: string;
  state: "open" | "closed";
  merged: boolean;
  draft: boolean;
  head: string;
  base: string;
  headSha: string;
}

export interface MergeOptions {
  method?: "merge" | "squash" | "rebase";
  commitTitle?: string;
  commitMessage?: string;
  /** Merge only if the head is still at this commit (409 otherwise). */
  sha?: string;
}

export interface MergeOutcome {
  number: number;
  merged: true;
  /** The merge commit. */
  sha?: string;
  message: string;
  /** It had been merged before this call (a resumed run). */
  alreadyMerged: boolean;
}

export interface GitHubComment {
  id: number;
  url: string;
}

export interface FindOptions {
  /** Default "open". */
  state?: "open" | "closed" | "all";
}

/** Most issues scanned by findIssueForBranch (pages of 100, newest first). */
const MAX_SCAN_PAGES = 10;

/** The hidden line in an issue body that ties it to a task branch. */
export function branchMarker(branch: string): string {
  return `<!-- gadugi-branch: ${branch} -->`;
}

type IssueData = {
  number: number;
  html_url: string;
  title: string;
  state: string;
  body?: string | null;
  labels: Array<string | { name?: string }>;
  pull_request?: unknown;
};
type PullData = {
  number: number;
  html_url: string;
  title: string;
  state: string;
  merged?: boolean;
  merged_at?: string | null;
  draft?: boolean;
  head: { ref: string; sha: string };
  base: { ref: string };
};

function toIssue(data: IssueData): GitHubIssue {
  return {
    number: data.number,
    url: data.html_url,
    title: data.title,
    state: data.state === "closed" ? "closed" : "open",
    labels: data.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter((l) => l !== ""),
    body: data.body ?? "",
  };
}

function toPull(data: PullData): GitHubPullRequest {
  return {
    number: data.number,
    url: data.html_url,
    title: data.title,
    state: data.state === "closed" ? "closed" : "open",
    merged: data.merged ?? (data.merged_at !== undefined && data.merged_at !== null),
    draft: data.draft ?? false,
    head: data.head.ref,
    base: data.base.ref,
    headSha: data.head.sha,
  };
}

function unique(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((v) => v.trim() !== ""))];
}

/**
 * Issues, pull requests and comments of one repository, over Octokit with retry and throttling.
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

  constructor(options: GitHubOperationsOptions) {
    this.options = options;
    this.owner = options.owner || undefined;
    this.repo = options.repo || undefined;
    this.token = options.token || undefined;
    this.baseUrl = (options.baseUrl || DEFAULT_API_URL).replace(/\/+$/, "");
    this.labels = unique(options.labels ?? ["gadugi"]);
    const secrets = this.token ? [this.token] : [];
    this.redact = createRedactor({ env: options.env ?? process.env, secrets });
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

  private client(operation: string): { octokit: GadugiOctokit; repo: { owner: string; repo: string } } {
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
    fn: (octokit: GadugiOctokit, repo: { owner: string; repo: string }) => Promise<T>,
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
  async createIssue(input: IssueInput): Promise<GitHubIssue> {
    const body = [input.body ?? "", input.branch ? branchMarker(input.branch) : ""]
      .filter((part) => part !== "")
      .join("\n\n");
    return this.call("createIssue", async (octokit, repo) => {
      const { data } = await octokit.rest.issues.create({
        ...repo,
        title: this.redact(input.title),
        body: this.redact(body),
        labels: unique([...this.labels, ...(input.labels ?? [])]),
        ...(input.assignees && input.assignees.length > 0 ? { assignees: [...input.assignees] } : {}),
      });
      return toIssue(data as IssueData);
    });
  }

  /**
   * The newest issue (not pull request) created for `branch` by createIssue, found by the marker
   * in its body. Scans issues carrying the default labels, newest first, up to 1000.
   */
  async findIssueForBranch(branch: string, options: FindOptions = {}): Promise<GitHubIssue | undefined> {
    const marker = branchMarker(branch);
    return this.call("findIssueForBranch", async (octokit, repo) => {
      const iterator = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
        ...repo,
        state: options.state ?? "open",
        sort: "created",
        direction: "desc",
        per_page: 100,
        ...(this.labels.length > 0 ? { labels: this.labels.join(",") } : {}),
      });
      let pages = 0;
      for await (const { data } of iterator) {
        for (const item of data as IssueData[]) {
          if (item.pull_request) continue;
          if ((item.body ?? "").split(/\r?\n/).some((line) => line.trim() === marker)) return toIssue(item);
        }
        if (++pages >= MAX_SCAN_PAGES) break;
      }
      return undefined;
    });
  }

  /** The open issue for `input.branch` if there is one, else a new issue. */
  async ensureIssue(
    input: IssueInput & { branch: string },
  ): Promise<{ issue: GitHubIssue; created: boolean }> {
    const existing = await this.findIssueForBranch(input.branch);
    if (existing) return { issue: existing, created: false };
    return { issue: await this.createIssue(input), created: true };
  }

  /** Opens issues with at most `concurrency` (default 3) requests at once; one result per input. */
  batchCreateIssues(
    inputs: readonly IssueInput[],
    options: BatchOptions = {},
  ): Promise<BatchResult<IssueInput, GitHubIssue>[]> {
    return runBatch(inputs, (input) => this.createIssue(input), {
      ...options,
      operation: "batchCreateIssues",
      defaultConcurrency: 3,
    });
  }

  /** Opens a pull request from `head` into `base`; "Closes #n" is appended for `issueNumber`. */
  async createPr(input: PullRequestInput): Promise<GitHubPullRequest> {
    let body = input.body ?? "";
    if (input.issueNumber !== undefined && !new RegExp(`#${input.issueNumber}\\b`).test(body)) {
      body = `${body}${body ? "\n\n" : ""}Closes #${input.issueNumber}`;
    }
    return this.call("createPr", async (octokit, repo) => {
      const { data } = await octokit.rest.pulls.create({
        ...repo,
        title: this.redact(input.title),
        body: this.redact(body),
        head: input.head,
        base: input.base,
        ...(input.draft ? { draft: true } : {}),
      });
      return toPull(data as PullData);
    });
  }

  /** The newest pull request whose head is `branch` in this repository. */
  async findPrForBranch(
    branch: string,
    options: FindOptions & { base?: string } = {},
  ): Promise<GitHubPullRequest | undefined> {
    return this.call("findPrForBranch", async (octokit, repo) => {
      const { data } = await octokit.rest.pulls.list({
        ...repo,
        head: `${repo.owner}:${branch}`,
        state: options.state ?? "open",
        ...(options.base ? { base: options.base } : {}),
        per_page: 100,
      });
      const match = (data as PullData[]).find((pr) => pr.head.ref === branch);
      return match ? toPull(match) : undefined;
    });
  }

  /** The open pull request for `input.head` into `input.base` if there is one, else a new one. */
  async ensurePr(input: PullRequestInput): Promise<{ pr: GitHubPullRequest; created: boolean }> {
    const existing = await this.findPrForBranch(input.head, { base: input.base });
    if (existing) return { pr: existing, created: false };
    try {
      return { pr: await this.createPr(input), created: true };
    } catch (error) {
      // Opened by someone else between the lookup and the create.
      if (GadugiError.is(error, "GADUGI_GITHUB_API") && error.args.status === 422) {
        const again = await this.findPrForBranch(input.head, { base: input.base });
        if (again) return { pr: again, created: false };
      }
      throw error;
    }
  }

  /**
   * Merges a pull request. One that is already merged (a resumed run) counts as merged with
   * `alreadyMerged`; one that cannot be merged throws GADUGI_GITHUB_API with GitHub's reason.
   */
  async mergePr(number: number, options: MergeOptions = {}): Promise<MergeOutcome> {
    return this.call("mergePr", async (octokit, repo) => {
      try {
        const { data } = await octokit.rest.pulls.merge({
          ...repo,
          pull_number: number,
          merge_method: options.method ?? "merge",
          ...(options.commitTitle ? { commit_title: this.redact(options.commitTitle) } : {}),
          ...(options.commitMessage ? { commit_message: this.redact(options.commitMessage) } : {}),
          ...(options.sha ? { sha: options.sha } : {}),
        });
        return { number, merged: true as const, sha: data.sha, message: data.message, alreadyMerged: false };
      } catch (error) {
        if (statusOf(error) !== 405) throw error;
        const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
        if (pr.merged) {
          const outcome: MergeOutcome = {
            number,
            merged: true,
            message: "Pull Request was already merged",
            alreadyMerged: true,
          };
          if (pr.merge_commit_sha) outcome.sha = pr.merge_commit_sha;
          return outcome;
        }
        const reason = describeGitHubResponse(
          (error as { response?: { data?: unknown } }).response?.data,
          "Pull Request is not mergeable",
        );
        throw new GadugiError(
          "GADUGI_GITHUB_API",
          {
            operation: "mergePr",
            status: 405,
            message: this.redact(
              `#${number} ${pr.state === "closed" ? "is closed" : `is not mergeable (${pr.mergeable_state ?? "unknown"})`}: ${reason}`,
            ),
          },
          { hint: "Resolve the conflicts or failing checks on the pull request, then merge again." },
        );
      }
    });
  }

  /** Merges pull requests in order, one at a time by default; one result per input. */
  batchMergePrs(
    items: ReadonlyArray<number | ({ number: number } & MergeOptions)>,
    options: BatchOptions & MergeOptions = {},
  ): Promise<BatchResult<number | ({ number: number } & MergeOptions), MergeOutcome>[]> {
    const { concurrency, signal, ...defaults } = options;
    return runBatch(
      items,
      (item) =>
        typeof item === "number"
          ? this.mergePr(item, defaults)
          : this.mergePr(item.number, { ...defaults, ...item }),
      {
        operation: "batchMergePrs",
        defaultConcurrency: 1,
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(signal === undefined ? {} : { signal }),
      },
    );
  }

  /** Comments on an issue or pull request; the body is redacted. */
  async addComment(number: number, body: string): Promise<GitHubComment> {
    return this.call("addComment", async (octokit, repo) => {
      const { data } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: number,
        body: this.redact(body),
      });
      return { id: data.id, url: data.html_url };
    });
  }

  /**
   * Files the seed's automatic failure report: task, phase, error (code, message, hint, causes,
   * details) and the log tail, all redacted, labelled with the default labels and `gadugi-failure`.
   */
  async createFailureIssue(
    report: FailureReport,
    options: { maxLogLines?: number } = {},
  ): Promise<GitHubIssue> {
    const { title, body } = formatFailureIssue(report, { ...options, redact: this.redact });
    return this.call("createFailureIssue", async (octokit, repo) => {
      const { data } = await octokit.rest.issues.create({
        ...repo,
        title,
        body,
        labels: unique(report.labels ?? [...this.labels, "gadugi-failure"]),
      });
      return toIssue(data as IssueData);
    });
  }
}
