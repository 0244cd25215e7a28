// Which handler answers a request: the account endpoints, then one table of the repository's.
import { type Answer, notFound } from "./http.js";
import { repoJson, userJson } from "./json.js";
import type { Route, RouteRequest } from "./request.js";
import { createComment, listComments } from "./routes/comments.js";
import { createIssue, getIssue, listIssues, updateIssue } from "./routes/issues.js";
import { mergePull, mergeStatus } from "./routes/merge.js";
import { createPull, getPull, listPulls, updatePull } from "./routes/pulls.js";
import { createReview, listReviews } from "./routes/reviews.js";
import type { Store } from "./store.js";

function getRepository({ store, owner, repo }: RouteRequest): Answer {
  return { status: 200, body: repoJson(store, owner, repo) };
}

/** Paths under `/repos/{owner}/{repo}`; a known path with another method is 404, as on GitHub. */
const ROUTES: readonly Route[] = [
  { method: "GET", path: /^$/, handle: getRepository },
  { method: "POST", path: /^\/issues$/, handle: createIssue },
  { method: "GET", path: /^\/issues$/, handle: listIssues },
  { method: "GET", path: /^\/issues\/(\d+)$/, handle: getIssue },
  { method: "PATCH", path: /^\/issues\/(\d+)$/, handle: updateIssue },
  { method: "POST", path: /^\/issues\/(\d+)\/comments$/, handle: createComment },
  { method: "GET", path: /^\/issues\/(\d+)\/comments$/, handle: listComments },
  { method: "POST", path: /^\/pulls$/, handle: createPull },
  { method: "GET", path: /^\/pulls$/, handle: listPulls },
  { method: "GET", path: /^\/pulls\/(\d+)$/, handle: getPull },
  { method: "PATCH", path: /^\/pulls\/(\d+)$/, handle: updatePull },
  { method: "GET", path: /^\/pulls\/(\d+)\/merge$/, handle: mergeStatus },
  { method: "PUT", path: /^\/pulls\/(\d+)\/merge$/, handle: mergePull },
  { method: "POST", path: /^\/pulls\/(\d+)\/reviews$/, handle: createReview },
  { method: "GET", path: /^\/pulls\/(\d+)\/reviews$/, handle: listReviews },
];

function rateLimit(): Answer {
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const core = { limit: 5000, used: 1, remaining: 4999, reset };
  return { status: 200, body: { resources: { core, search: { ...core, limit: 30 } }, rate: core } };
}

/** The answer to an authenticated request; throws HttpError for GitHub's error answers. */
export function route(store: Store, method: string, url: URL, rawBody: unknown): Answer {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (path === "/rate_limit" && method === "GET") return rateLimit();
  if (path === "/user" && method === "GET") return { status: 200, body: userJson(store) };

  const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!repoMatch) throw notFound();
  const owner = decodeURIComponent(repoMatch[1]!);
  const repo = decodeURIComponent(repoMatch[2]!);
  if (!store.hasRepo(owner, repo)) throw notFound();
  const rest = repoMatch[3] ?? "";
  const body = (rawBody && typeof rawBody === "object" ? rawBody : {}) as Record<string, unknown>;
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.path.exec(rest);
    if (match) return candidate.handle({ store, url, owner, repo, number: Number(match[1]), body });
  }
  throw notFound();
}
