// /repos/{owner}/{repo}/issues: issues, and pull requests as the issues API sees them.
import type { Answer } from "../http.js";
import { issueJson, pullAsIssueJson } from "../json.js";
import { listAnswer, type RouteRequest, requireString, sortByCreated } from "../request.js";
import { sameRepo } from "../store.js";
import type { FakeIssue } from "../types.js";

export function createIssue({ store, owner, repo, body }: RouteRequest): Answer {
  const title = requireString(body, "title", "Issue");
  const labels = Array.isArray(body.labels)
    ? body.labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name)))
    : [];
  const at = store.now();
  const issue: FakeIssue = {
    id: store.newId(),
    number: store.nextNumber(owner, repo),
    owner,
    repo,
    title,
    body: typeof body.body === "string" ? body.body : null,
    state: "open",
    labels,
    assignees: Array.isArray(body.assignees) ? body.assignees.map(String) : [],
    createdAt: at,
    updatedAt: at,
    closedAt: null,
  };
  store.state.issues.push(issue);
  return { status: 201, body: issueJson(store, issue) };
}

/** Issues and pull requests together, filtered by `state` (default open) and `labels` (all of them). */
export function listIssues(req: RouteRequest): Answer {
  const { store, url } = req;
  const inRepo = sameRepo(req.owner, req.repo);
  const wanted = url.searchParams.get("state") ?? "open";
  const labels = (url.searchParams.get("labels") ?? "")
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const rows = [
    ...store.state.issues.filter(inRepo).map((issue) => ({ id: issue.id, json: issueJson(store, issue) })),
    ...store.state.prs.filter(inRepo).map((pr) => ({ id: pr.id, json: pullAsIssueJson(store, pr) })),
  ];
  const filtered = rows.filter(({ json }) => {
    if (wanted !== "all" && json.state !== wanted) return false;
    return labels.every((l) => json.labels.some((x) => x.name === l));
  });
  return listAnswer(req, sortByCreated(filtered, url), (row) => row.json);
}

export function getIssue({ store, owner, repo, number }: RouteRequest): Answer {
  const found = store.issueOrPull(owner, repo, number);
  const body = "issue" in found ? issueJson(store, found.issue) : pullAsIssueJson(store, found.pr);
  return { status: 200, body };
}

export function updateIssue(req: RouteRequest): Answer {
  const { store, body } = req;
  const found = store.issueOrPull(req.owner, req.repo, req.number);
  const target = "issue" in found ? found.issue : found.pr;
  if (typeof body.title === "string") target.title = body.title;
  if (typeof body.body === "string" || body.body === null) target.body = body.body as string | null;
  if (Array.isArray(body.labels)) target.labels = body.labels.map(String);
  if (body.state === "open" || body.state === "closed") {
    target.state = body.state;
    target.closedAt = body.state === "closed" ? store.now() : null;
  }
  target.updatedAt = store.now();
  return getIssue(req);
}
