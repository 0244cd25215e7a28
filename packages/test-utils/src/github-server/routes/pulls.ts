// /repos/{owner}/{repo}/pulls and /pulls/{n}: open, list, read and edit pull requests.
import { type Answer, validationFailed } from "../http.js";
import { pullJson } from "../json.js";
import { listAnswer, type RouteRequest, requireString, sortByCreated } from "../request.js";
import { fakeSha, sameRepo } from "../store.js";
import type { FakePull } from "../types.js";

/** GitHub refuses a pull request without commits (head = base) and a second open one for the same head and base. */
function checkNewPull(req: RouteRequest, headRef: string, base: string): void {
  const inRepo = sameRepo(req.owner, req.repo);
  if (headRef === base) {
    throw validationFailed([
      { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${headRef}` },
    ]);
  }
  if (
    req.store.state.prs.some((p) => inRepo(p) && p.state === "open" && p.head === headRef && p.base === base)
  ) {
    throw validationFailed([
      {
        resource: "PullRequest",
        code: "custom",
        message: `A pull request already exists for ${req.owner}:${headRef}.`,
      },
    ]);
  }
}

export function createPull(req: RouteRequest): Answer {
  const { store, owner, repo, body } = req;
  const title = requireString(body, "title", "PullRequest");
  const head = requireString(body, "head", "PullRequest");
  const base = requireString(body, "base", "PullRequest");
  const headRef = head.includes(":") ? head.slice(head.indexOf(":") + 1) : head;
  checkNewPull(req, headRef, base);
  const at = store.now();
  const id = store.newId();
  const pr: FakePull = {
    id,
    number: store.nextNumber(owner, repo),
    owner,
    repo,
    title,
    body: typeof body.body === "string" ? body.body : null,
    state: "open",
    draft: body.draft === true,
    head: headRef,
    base,
    headSha: fakeSha(`${owner}/${repo}:${headRef}:${id}`),
    mergeable: true,
    merged: false,
    mergedAt: null,
    mergeCommitSha: null,
    mergeMethod: null,
    labels: [],
    author: store.pullAuthor,
    createdAt: at,
    updatedAt: at,
    closedAt: null,
  };
  store.state.prs.push(pr);
  return { status: 201, body: pullJson(store, pr, true) };
}

/** Filtered by `state` (default open), `base`, and `head` (`owner:ref`, or a ref of this repository). */
export function listPulls(req: RouteRequest): Answer {
  const { store, owner, url } = req;
  const inRepo = sameRepo(owner, req.repo);
  const wanted = url.searchParams.get("state") ?? "open";
  const head = url.searchParams.get("head");
  const base = url.searchParams.get("base");
  const list = store.state.prs.filter((p) => {
    if (!inRepo(p)) return false;
    if (wanted !== "all" && p.state !== wanted) return false;
    if (base && p.base !== base) return false;
    if (head) {
      const [headOwner, ...refParts] = head.includes(":") ? head.split(":") : [owner, head];
      if (headOwner!.toLowerCase() !== owner.toLowerCase() || p.head !== refParts.join(":")) return false;
    }
    return true;
  });
  return listAnswer(req, sortByCreated(list, url), (p) => pullJson(store, p, false));
}

export function getPull({ store, owner, repo, number }: RouteRequest): Answer {
  return { status: 200, body: pullJson(store, store.pull(owner, repo, number), true) };
}

export function updatePull({ store, owner, repo, number, body }: RouteRequest): Answer {
  const pr = store.pull(owner, repo, number);
  if (typeof body.title === "string") pr.title = body.title;
  if (typeof body.body === "string") pr.body = body.body;
  if (body.state === "open" || body.state === "closed") {
    pr.state = body.state;
    pr.closedAt = body.state === "closed" ? store.now() : null;
  }
  pr.updatedAt = store.now();
  return { status: 200, body: pullJson(store, pr, true) };
}
