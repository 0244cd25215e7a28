// Pull requests: open, find by branch, open-if-missing.
import { GadugiError } from "@gadugi/error-handling";
import type { FindOptions, OperationContext } from "./context.js";

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

export async function createPr(ctx: OperationContext, input: PullRequestInput): Promise<GitHubPullRequest> {
  let body = input.body ?? "";
  if (input.issueNumber !== undefined && !new RegExp(`#${input.issueNumber}\\b`).test(body)) {
    body = `${body}${body ? "\n\n" : ""}Closes #${input.issueNumber}`;
  }
  return ctx.call("createPr", async (octokit, repo) => {
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      title: ctx.redact(input.title),
      body: ctx.redact(body),
      head: input.head,
      base: input.base,
      ...(input.draft ? { draft: true } : {}),
    });
    return toPull(data as PullData);
  });
}

export async function findPrForBranch(
  ctx: OperationContext,
  branch: string,
  options: FindOptions & { base?: string } = {},
): Promise<GitHubPullRequest | undefined> {
  return ctx.call("findPrForBranch", async (octokit, repo) => {
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

export async function ensurePr(
  ctx: OperationContext,
  input: PullRequestInput,
): Promise<{ pr: GitHubPullRequest; created: boolean }> {
  const existing = await findPrForBranch(ctx, input.head, { base: input.base });
  if (existing) return { pr: existing, created: false };
  try {
    return { pr: await createPr(ctx, input), created: true };
  } catch (error) {
    // Opened by someone else between the lookup and the create.
    if (GadugiError.is(error, "GADUGI_GITHUB_API") && error.args.status === 422) {
      const again = await findPrForBranch(ctx, input.head, { base: input.base });
      if (again) return { pr: again, created: false };
    }
    throw error;
  }
}
