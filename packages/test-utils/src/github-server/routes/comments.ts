// /repos/{owner}/{repo}/issues/{n}/comments: comments on issues and pull requests.
import type { Answer } from "../http.js";
import { commentJson } from "../json.js";
import { listAnswer, type RouteRequest, requireString } from "../request.js";
import { sameRepo } from "../store.js";
import type { FakeComment } from "../types.js";

export function createComment({ store, owner, repo, number, body }: RouteRequest): Answer {
  store.issueOrPull(owner, repo, number);
  const text = requireString(body, "body", "IssueComment");
  const comment: FakeComment = {
    id: store.newId(),
    owner,
    repo,
    issueNumber: number,
    body: text,
    createdAt: store.now(),
  };
  store.state.comments.push(comment);
  return { status: 201, body: commentJson(store, comment) };
}

export function listComments(req: RouteRequest): Answer {
  const { store, owner, repo, number } = req;
  store.issueOrPull(owner, repo, number);
  const inRepo = sameRepo(owner, repo);
  const list = store.state.comments.filter((c) => inRepo(c) && c.issueNumber === number);
  return listAnswer(req, list, (c) => commentJson(store, c));
}
