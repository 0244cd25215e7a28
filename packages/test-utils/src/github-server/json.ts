// GitHub's response shapes for the stored resources (the fields Octokit users read, and a few more).
import { fakeSha, type Store, sameRepo } from "./store.js";
import type { FakeComment, FakeIssue, FakeLabel, FakePull, FakeReview } from "./types.js";

export function repoJson(store: Store, owner: string, repo: string) {
  return {
    id: 1,
    node_id: "R_1",
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: { login: owner, id: 2, type: "Organization" },
    private: false,
    html_url: `${store.htmlBase}/${owner}/${repo}`,
    url: `${store.apiBase}/repos/${owner}/${repo}`,
    default_branch: "main",
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  };
}

export function labelJson(name: string): FakeLabel {
  return { id: name.length, name, color: "ededed", default: false, description: null };
}

/** The token's user, or another account by login. */
export function userJson(store: Store, login = store.user.login) {
  const html_url = `${store.htmlBase}/${login}`;
  if (login === store.user.login) return { ...store.user, node_id: "U_1", html_url };
  return { login, id: 3, type: "User", node_id: `U_${login}`, html_url };
}

export function issueJson(store: Store, issue: FakeIssue, author = store.user.login) {
  const base = `${store.apiBase}/repos/${issue.owner}/${issue.repo}`;
  return {
    id: issue.id,
    node_id: `I_${issue.id}`,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.state === "closed" ? "completed" : null,
    locked: false,
    labels: issue.labels.map(labelJson),
    assignees: issue.assignees.map((login) => ({ login, id: 3, type: "User" })),
    user: userJson(store, author),
    comments: store.commentCount(issue.owner, issue.repo, issue.number),
    url: `${base}/issues/${issue.number}`,
    repository_url: base,
    comments_url: `${base}/issues/${issue.number}/comments`,
    html_url: `${store.htmlBase}/${issue.owner}/${issue.repo}/issues/${issue.number}`,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
  };
}

function branchJson(store: Store, pr: FakePull, ref: string, sha: string) {
  return {
    label: `${pr.owner}:${ref}`,
    ref,
    sha,
    user: { login: pr.owner, id: 2, type: "Organization" },
    repo: repoJson(store, pr.owner, pr.repo),
  };
}

function pullHtml(store: Store, pr: FakePull): string {
  return `${store.htmlBase}/${pr.owner}/${pr.repo}/pull/${pr.number}`;
}

/** A pull request as the pulls API lists it; `full` adds what only GET/POST/PATCH of one answer. */
export function pullJson(store: Store, pr: FakePull, full: boolean) {
  const base = `${store.apiBase}/repos/${pr.owner}/${pr.repo}`;
  const html = pullHtml(store, pr);
  const json: Record<string, unknown> = {
    id: pr.id,
    node_id: `PR_${pr.id}`,
    number: pr.number,
    title: pr.title,
    body: pr.body,
    state: pr.state,
    draft: pr.draft,
    locked: false,
    user: userJson(store, pr.author),
    labels: pr.labels.map(labelJson),
    head: branchJson(store, pr, pr.head, pr.headSha),
    base: branchJson(store, pr, pr.base, fakeSha(`${pr.owner}/${pr.repo}:${pr.base}`)),
    url: `${base}/pulls/${pr.number}`,
    issue_url: `${base}/issues/${pr.number}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
  };
  if (full) {
    json.merged = pr.merged;
    json.mergeable = pr.state === "open" ? pr.mergeable : null;
    json.mergeable_state = pr.state === "open" ? (pr.mergeable ? "clean" : "dirty") : "unknown";
    json.merged_by = pr.merged ? userJson(store) : null;
    json.comments = store.commentCount(pr.owner, pr.repo, pr.number);
  }
  return json;
}

/** A pull request seen through the issues API. */
export function pullAsIssueJson(store: Store, pr: FakePull) {
  const base = `${store.apiBase}/repos/${pr.owner}/${pr.repo}`;
  const html = pullHtml(store, pr);
  const { id, number, owner, repo, title, body, state, labels, createdAt, updatedAt, closedAt } = pr;
  const asIssue: FakeIssue = {
    ...{ id, number, owner, repo, title, body, state, labels, createdAt, updatedAt, closedAt },
    assignees: [],
  };
  return {
    ...issueJson(store, asIssue, pr.author),
    html_url: html,
    draft: pr.draft,
    pull_request: {
      url: `${base}/pulls/${pr.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: pr.mergedAt,
    },
  };
}

export function commentJson(store: Store, c: FakeComment) {
  const base = `${store.apiBase}/repos/${c.owner}/${c.repo}`;
  const isPull = store.state.prs.some((p) => sameRepo(c.owner, c.repo)(p) && p.number === c.issueNumber);
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${base}/issues/comments/${c.id}`,
    html_url: `${store.htmlBase}/${c.owner}/${c.repo}/${isPull ? "pull" : "issues"}/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${base}/issues/${c.issueNumber}`,
    body: c.body,
    user: userJson(store),
    author_association: "MEMBER",
    created_at: c.createdAt,
    updated_at: c.createdAt,
  };
}

export function reviewJson(store: Store, review: FakeReview) {
  const html = `${store.htmlBase}/${review.owner}/${review.repo}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
  const pullUrl = `${store.apiBase}/repos/${review.owner}/${review.repo}/pulls/${review.pullNumber}`;
  return {
    id: review.id,
    node_id: `PRR_${review.id}`,
    user: userJson(store, review.user),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: "MEMBER",
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    ...(review.submittedAt === null ? {} : { submitted_at: review.submittedAt }),
    commit_id: review.commitId,
  };
}
