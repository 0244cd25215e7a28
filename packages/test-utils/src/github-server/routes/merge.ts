// /repos/{owner}/{repo}/pulls/{n}/merge: whether it is merged, and merging it.
import { type Answer, DOCS, HttpError, notFound, validationFailed } from "../http.js";
import type { RouteRequest } from "../request.js";
import { fakeSha } from "../store.js";

/** 204 when merged, else 404 (GitHub's answer to "is it merged?"). */
export function mergeStatus({ store, owner, repo, number }: RouteRequest): Answer {
  if (store.pull(owner, repo, number).merged) return { status: 204 };
  throw notFound();
}

/** 405 when closed or not mergeable, 409 when `sha` is not the head any more. */
export function mergePull({ store, owner, repo, number, body }: RouteRequest): Answer {
  const pr = store.pull(owner, repo, number);
  const mergeMethod = body.merge_method ?? "merge";
  if (mergeMethod !== "merge" && mergeMethod !== "squash" && mergeMethod !== "rebase") {
    throw validationFailed([{ resource: "PullRequest", code: "invalid", field: "merge_method" }]);
  }
  if (pr.state !== "open" || !pr.mergeable) {
    throw new HttpError(405, {
      message: "Pull Request is not mergeable",
      documentation_url: DOCS,
      status: "405",
    });
  }
  if (typeof body.sha === "string" && body.sha !== pr.headSha) {
    throw new HttpError(409, {
      message: "Head branch was modified. Review and try the merge again.",
      documentation_url: DOCS,
      status: "409",
    });
  }
  const at = store.now();
  pr.state = "closed";
  pr.merged = true;
  pr.mergedAt = at;
  pr.closedAt = at;
  pr.updatedAt = at;
  pr.mergeMethod = mergeMethod;
  pr.mergeCommitSha = fakeSha(`merge:${pr.id}`);
  return {
    status: 200,
    body: { sha: pr.mergeCommitSha, merged: true, message: "Pull Request successfully merged" },
  };
}
