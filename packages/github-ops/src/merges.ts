// Merging pull requests, one or a batch; an already merged one counts as merged.
import { GadugiError } from "@gadugi/error-handling";
import { type BatchOptions, type BatchResult, runBatch } from "./batch.js";
import type { GadugiOctokit } from "./client.js";
import type { OperationContext, RepoRef } from "./context.js";
import { describeGitHubResponse, statusOf } from "./errors.js";

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

export type MergeItem = number | ({ number: number } & MergeOptions);

/** After a 405: merged before (a resumed run), or GitHub's reason it cannot be merged. */
async function afterRefusal(
  ctx: OperationContext,
  octokit: GadugiOctokit,
  repo: RepoRef,
  number: number,
  error: unknown,
): Promise<MergeOutcome> {
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
  const why = pr.state === "closed" ? "is closed" : `is not mergeable (${pr.mergeable_state ?? "unknown"})`;
  throw new GadugiError(
    "GADUGI_GITHUB_API",
    { operation: "mergePr", status: 405, message: ctx.redact(`#${number} ${why}: ${reason}`) },
    { hint: "Resolve the conflicts or failing checks on the pull request, then merge again." },
  );
}

export async function mergePr(
  ctx: OperationContext,
  number: number,
  options: MergeOptions = {},
): Promise<MergeOutcome> {
  return ctx.call("mergePr", async (octokit, repo) => {
    try {
      const { data } = await octokit.rest.pulls.merge({
        ...repo,
        pull_number: number,
        merge_method: options.method ?? "merge",
        ...(options.commitTitle ? { commit_title: ctx.redact(options.commitTitle) } : {}),
        ...(options.commitMessage ? { commit_message: ctx.redact(options.commitMessage) } : {}),
        ...(options.sha ? { sha: options.sha } : {}),
      });
      return { number, merged: true as const, sha: data.sha, message: data.message, alreadyMerged: false };
    } catch (error) {
      if (statusOf(error) !== 405) throw error;
      return afterRefusal(ctx, octokit, repo, number, error);
    }
  });
}

export async function batchMergePrs(
  ctx: OperationContext,
  items: readonly MergeItem[],
  options: BatchOptions & MergeOptions = {},
): Promise<BatchResult<MergeItem, MergeOutcome>[]> {
  const { concurrency, signal, ...defaults } = options;
  return runBatch(
    items,
    (item) =>
      typeof item === "number"
        ? mergePr(ctx, item, defaults)
        : mergePr(ctx, item.number, { ...defaults, ...item }),
    {
      operation: "batchMergePrs",
      defaultConcurrency: 1,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(signal === undefined ? {} : { signal }),
    },
  );
}
