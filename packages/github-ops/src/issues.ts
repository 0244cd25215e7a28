// Issues: create, find again by branch, create-if-missing, in batches, and the failure report.
import { type BatchOptions, type BatchResult, runBatch } from "./batch.js";
import { type FindOptions, type OperationContext, unique } from "./context.js";
import { type FailureReport, formatFailureIssue } from "./failure-report.js";

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

export async function createIssue(ctx: OperationContext, input: IssueInput): Promise<GitHubIssue> {
  const body = [input.body ?? "", input.branch ? branchMarker(input.branch) : ""]
    .filter((part) => part !== "")
    .join("\n\n");
  return ctx.call("createIssue", async (octokit, repo) => {
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: ctx.redact(input.title),
      body: ctx.redact(body),
      labels: unique([...ctx.labels, ...(input.labels ?? [])]),
      ...(input.assignees && input.assignees.length > 0 ? { assignees: [...input.assignees] } : {}),
    });
    return toIssue(data as IssueData);
  });
}

export async function findIssueForBranch(
  ctx: OperationContext,
  branch: string,
  options: FindOptions = {},
): Promise<GitHubIssue | undefined> {
  const marker = branchMarker(branch);
  return ctx.call("findIssueForBranch", async (octokit, repo) => {
    const iterator = octokit.paginate.iterator(octokit.rest.issues.listForRepo, {
      ...repo,
      state: options.state ?? "open",
      sort: "created",
      direction: "desc",
      per_page: 100,
      ...(ctx.labels.length > 0 ? { labels: ctx.labels.join(",") } : {}),
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

export async function ensureIssue(
  ctx: OperationContext,
  input: IssueInput & { branch: string },
): Promise<{ issue: GitHubIssue; created: boolean }> {
  const existing = await findIssueForBranch(ctx, input.branch);
  if (existing) return { issue: existing, created: false };
  return { issue: await createIssue(ctx, input), created: true };
}

export async function batchCreateIssues(
  ctx: OperationContext,
  inputs: readonly IssueInput[],
  options: BatchOptions = {},
): Promise<BatchResult<IssueInput, GitHubIssue>[]> {
  return runBatch(inputs, (input) => createIssue(ctx, input), {
    ...options,
    operation: "batchCreateIssues",
    defaultConcurrency: 3,
  });
}

export async function createFailureIssue(
  ctx: OperationContext,
  report: FailureReport,
  options: { maxLogLines?: number } = {},
): Promise<GitHubIssue> {
  const { title, body } = formatFailureIssue(report, { ...options, redact: ctx.redact });
  return ctx.call("createFailureIssue", async (octokit, repo) => {
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title,
      body,
      labels: unique(report.labels ?? [...ctx.labels, "gadugi-failure"]),
    });
    return toIssue(data as IssueData);
  });
}
