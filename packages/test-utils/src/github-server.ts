/**
 * A local stand-in for the GitHub REST API: a node:http server on 127.0.0.1 that keeps issues,
 * pull requests and comments in memory and answers with GitHub's response shapes, so tests of
 * @gadugi/github-ops and the workflow never touch the network. Failures (rate limits, validation
 * errors, 5xx) are injected with `failNext`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUser {
  login: string;
  id: number;
  type: "User" | "Bot";
}

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

export interface FakeIssue {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakePull {
  id: number;
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  draft: boolean;
  head: string;
  base: string;
  headSha: string;
  /** Set false to make the merge endpoint answer 405 "Pull Request is not mergeable". */
  mergeable: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergeMethod: string | null;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  /** The issue or pull request number. */
  issueNumber: number;
  body: string;
  createdAt: string;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/repos/acme/widgets/issues`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** The token sent (`token X` or `Bearer X`), if any. */
  token?: string;
  /** The status this server answered with. */
  status: number;
  /** Whether the answer came from `failNext`. */
  injected: boolean;
}

export interface GitHubServerState {
  issues: FakeIssue[];
  prs: FakePull[];
  comments: FakeComment[];
  /** Every request received, in order. */
  requests: RecordedRequest[];
}

/** An injected answer; usually an error (403, 422, 5xx...), though any status works (200 with a stale body). */
export interface FailureSpec {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; a GitHub-shaped default for the status when omitted. */
  body?: unknown;
  /** How many matching requests fail. Default 1. */
  times?: number;
}

export interface GitHubServerOptions {
  /** Only this token is accepted (401 "Bad credentials" for others). Any token when unset. */
  token?: string;
  /** `owner/repo` names that exist; any repository exists when unset. */
  repos?: readonly string[];
  /** The user the token belongs to. Default `gadugi-bot`. */
  login?: string;
  /** Base of `html_url`s. Default `https://github.com`. */
  htmlBaseUrl?: string;
}

export interface GitHubServer {
  /** Base URL of the API, e.g. `http://127.0.0.1:39123`; pass it as the Octokit `baseUrl`. */
  url: string;
  state: GitHubServerState;
  /**
   * Makes the next `times` requests matching `method` (or `*`) and `pathPattern` (a path with `*`
   * wildcards for one segment and `**` for any rest, or a RegExp) fail with `status`.
   */
  failNext(method: string, pathPattern: string | RegExp, failure: FailureSpec): void;
  /** The recorded requests matching a method and path pattern. */
  requestsTo(method: string, pathPattern: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";

interface PendingFailure {
  method: string;
  pattern: RegExp;
  failure: FailureSpec;
  remaining: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

function patternToRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const escaped = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]+"),
    )
    .join(".*");
  return new RegExp(`^${escaped}$`);
}

function validationFailed(errors: Array<Record<string, unknown>>, message = "Validation Failed"): HttpError {
  return new HttpError(422, {
    message,
    errors,
    documentation_url: DOCS,
    status: "422",
  });
}

function defaultFailureBody(failure: FailureSpec): Record<string, unknown> {
  const headers = Object.fromEntries(
    Object.entries(failure.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const status = String(failure.status);
  switch (failure.status) {
    case 401:
      return { message: "Bad credentials", documentation_url: DOCS, status };
    case 403:
    case 429:
      if (headers["x-ratelimit-remaining"] === "0") {
        return {
          message: "API rate limit exceeded for user ID 1.",
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
          status,
        };
      }
      if (headers["retry-after"] !== undefined) {
        return {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          status,
        };
      }
      return { message: "Resource not accessible by integration", documentation_url: DOCS, status };
    case 404:
      return { message: "Not Found", documentation_url: DOCS, status };
    case 422:
      return {
        message: "Validation Failed",
        errors: [{ resource: "Issue", code: "invalid", field: "title" }],
        documentation_url: DOCS,
        status,
      };
    case 500:
      return { message: "Server Error", status };
    case 502:
      return { message: "Server Error", status };
    default:
      return { message: `HTTP ${status}`, status };
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function fakeSha(seed: string): string {
  let h1 = 0x811c9dc5;
  let out = "";
  for (let round = 0; out.length < 40; round++) {
    for (const ch of `${seed}:${round}`) h1 = Math.imul(h1 ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h1.toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}

/** Starts the fake GitHub API on 127.0.0.1 with a free port. */
export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const state: GitHubServerState = { issues: [], prs: [], comments: [], requests: [] };
  const failures: PendingFailure[] = [];
  const user: FakeUser = { login: options.login ?? "gadugi-bot", id: 1, type: "User" };
  const htmlBase = (options.htmlBaseUrl ?? "https://github.com").replace(/\/+$/, "");
  const numbers = new Map<string, number>();
  let nextId = 1000;
  let apiBase = "";

  const now = (): string => new Date().toISOString();
  const nextNumber = (owner: string, repo: string): number => {
    const key = `${owner}/${repo}`.toLowerCase();
    const n = (numbers.get(key) ?? 0) + 1;
    numbers.set(key, n);
    return n;
  };
  const sameRepo = (o: string, r: string) => (x: { owner: string; repo: string }) =>
    x.owner.toLowerCase() === o.toLowerCase() && x.repo.toLowerCase() === r.toLowerCase();

  const repoJson = (owner: string, repo: string) => ({
    id: 1,
    node_id: "R_1",
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: { login: owner, id: 2, type: "Organization" },
    private: false,
    html_url: `${htmlBase}/${owner}/${repo}`,
    url: `${apiBase}/repos/${owner}/${repo}`,
    default_branch: "main",
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
  });
  const labelJson = (name: string): FakeLabel => ({
    id: name.length,
    name,
    color: "ededed",
    default: false,
    description: null,
  });
  const userJson = () => ({ ...user, node_id: "U_1", html_url: `${htmlBase}/${user.login}` });

  const issueJson = (issue: FakeIssue) => {
    const base = `${apiBase}/repos/${issue.owner}/${issue.repo}`;
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
      user: userJson(),
      comments: state.comments.filter(
        (c) => sameRepo(issue.owner, issue.repo)(c) && c.issueNumber === issue.number,
      ).length,
      url: `${base}/issues/${issue.number}`,
      repository_url: base,
      comments_url: `${base}/issues/${issue.number}/comments`,
      html_url: `${htmlBase}/${issue.owner}/${issue.repo}/issues/${issue.number}`,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
    };
  };

  const branchJson = (pr: FakePull, ref: string, sha: string) => ({
    label: `${pr.owner}:${ref}`,
    ref,
    sha,
    user: { login: pr.owner, id: 2, type: "Organization" },
    repo: repoJson(pr.owner, pr.repo),
  });

  const pullJson = (pr: FakePull, full: boolean) => {
    const base = `${apiBase}/repos/${pr.owner}/${pr.repo}`;
    const html = `${htmlBase}/${pr.owner}/${pr.repo}/pull/${pr.number}`;
    const json: Record<string, unknown> = {
      id: pr.id,
      node_id: `PR_${pr.id}`,
      number: pr.number,
      title: pr.title,
      body: pr.body,
      state: pr.state,
      draft: pr.draft,
      locked: false,
      user: userJson(),
      labels: pr.labels.map(labelJson),
      head: branchJson(pr, pr.head, pr.headSha),
      base: branchJson(pr, pr.base, fakeSha(`${pr.owner}/${pr.repo}:${pr.base}`)),
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
      json.merged_by = pr.merged ? userJson() : null;
      json.comments = state.comments.filter(
        (c) => sameRepo(pr.owner, pr.repo)(c) && c.issueNumber === pr.number,
      ).length;
    }
    return json;
  };

  /** A pull request seen through the issues API. */
  const pullAsIssueJson = (pr: FakePull) => {
    const base = `${apiBase}/repos/${pr.owner}/${pr.repo}`;
    const html = `${htmlBase}/${pr.owner}/${pr.repo}/pull/${pr.number}`;
    return {
      ...issueJson({
        id: pr.id,
        number: pr.number,
        owner: pr.owner,
        repo: pr.repo,
        title: pr.title,
        body: pr.body,
        state: pr.state,
        labels: pr.labels,
        assignees: [],
        createdAt: pr.createdAt,
        updatedAt: pr.updatedAt,
        closedAt: pr.closedAt,
      }),
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
  };

  const commentJson = (c: FakeComment) => {
    const base = `${apiBase}/repos/${c.owner}/${c.repo}`;
    const isPull = state.prs.some((p) => sameRepo(c.owner, c.repo)(p) && p.number === c.issueNumber);
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${base}/issues/comments/${c.id}`,
      html_url: `${htmlBase}/${c.owner}/${c.repo}/${isPull ? "pull" : "issues"}/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${base}/issues/${c.issueNumber}`,
      body: c.body,
      user: userJson(),
      author_association: "MEMBER",
      created_at: c.createdAt,
      updated_at: c.createdAt,
    };
  };

  const paginate = <T>(url: URL, items: T[]): { page: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page")) || 30, 1), 100);
    const pageNo = Math.max(Number(url.searchParams.get("page")) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const link = (n: number, rel: string): string => {
      const u = new URL(url.toString());
      u.searchParams.set("page", String(n));
      u.searchParams.set("per_page", String(perPage));
      return `<${apiBase}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (pageNo > 1) links.push(link(pageNo - 1, "prev"), link(1, "first"));
    if (pageNo < last) links.push(link(pageNo + 1, "next"), link(last, "last"));
    return { page, headers: links.length > 0 ? { link: links.join(", ") } : {} };
  };

  const sortByCreated = <T extends { id: number }>(items: T[], url: URL): T[] => {
    const asc = url.searchParams.get("direction") === "asc";
    return [...items].sort((a, b) => (a.id - b.id) * (asc ? 1 : -1));
  };

  const requireString = (body: Record<string, unknown>, field: string, resource: string): string => {
    const value = body[field];
    if (typeof value !== "string" || value.trim() === "") {
      throw validationFailed([{ resource, code: "missing_field", field }]);
    }
    return value;
  };

  const findIssueLike = (owner: string, repo: string, n: number) => {
    const issue = state.issues.find((i) => sameRepo(owner, repo)(i) && i.number === n);
    const pr = state.prs.find((p) => sameRepo(owner, repo)(p) && p.number === n);
    if (!issue && !pr)
      throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    return { issue, pr };
  };

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

  const route = (method: string, url: URL, rawBody: unknown): Answer => {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const body = (rawBody && typeof rawBody === "object" ? rawBody : {}) as Record<string, unknown>;
    if (path === "/rate_limit" && method === "GET") {
      const reset = Math.floor(Date.now() / 1000) + 3600;
      const core = { limit: 5000, used: 1, remaining: 4999, reset };
      return { status: 200, body: { resources: { core, search: { ...core, limit: 30 } }, rate: core } };
    }
    if (path === "/user" && method === "GET") return { status: 200, body: userJson() };

    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!repoMatch)
      throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    const owner = decodeURIComponent(repoMatch[1]!);
    const repo = decodeURIComponent(repoMatch[2]!);
    const rest = repoMatch[3] ?? "";
    if (options.repos && !options.repos.some((r) => r.toLowerCase() === `${owner}/${repo}`.toLowerCase())) {
      throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
    }
    const inRepo = sameRepo(owner, repo);

    if (rest === "" && method === "GET") return { status: 200, body: repoJson(owner, repo) };

    if (rest === "/issues" && method === "POST") {
      const title = requireString(body, "title", "Issue");
      const labels = Array.isArray(body.labels)
        ? body.labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name)))
        : [];
      const at = now();
      const issue: FakeIssue = {
        id: nextId++,
        number: nextNumber(owner, repo),
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
      state.issues.push(issue);
      return { status: 201, body: issueJson(issue) };
    }
    if (rest === "/issues" && method === "GET") {
      const wanted = url.searchParams.get("state") ?? "open";
      const labels = (url.searchParams.get("labels") ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter((l) => l !== "");
      type Row = { id: number; json: unknown };
      const rows: Row[] = [];
      for (const issue of state.issues.filter(inRepo)) {
        rows.push({ id: issue.id, json: issueJson(issue) });
      }
      for (const pr of state.prs.filter(inRepo)) {
        rows.push({ id: pr.id, json: pullAsIssueJson(pr) });
      }
      const filtered = rows.filter((row) => {
        const item = row.json as { state: string; labels: Array<{ name: string }> };
        if (wanted !== "all" && item.state !== wanted) return false;
        return labels.every((l) => item.labels.some((x) => x.name === l));
      });
      const { page, headers } = paginate(url, sortByCreated(filtered, url));
      return { status: 200, body: page.map((r) => r.json), headers };
    }

    const issueMatch = /^\/issues\/(\d+)(\/comments)?$/.exec(rest);
    if (issueMatch) {
      const n = Number(issueMatch[1]);
      const { issue, pr } = findIssueLike(owner, repo, n);
      if (issueMatch[2]) {
        if (method === "POST") {
          const text = requireString(body, "body", "IssueComment");
          const comment: FakeComment = {
            id: nextId++,
            owner,
            repo,
            issueNumber: n,
            body: text,
            createdAt: now(),
          };
          state.comments.push(comment);
          return { status: 201, body: commentJson(comment) };
        }
        if (method === "GET") {
          const list = state.comments.filter((c) => inRepo(c) && c.issueNumber === n);
          const { page, headers } = paginate(url, list);
          return { status: 200, body: page.map(commentJson), headers };
        }
      } else if (method === "GET") {
        return { status: 200, body: issue ? issueJson(issue) : pullAsIssueJson(pr!) };
      } else if (method === "PATCH") {
        const target = (issue ?? pr)!;
        if (typeof body.title === "string") target.title = body.title;
        if (typeof body.body === "string" || body.body === null) target.body = body.body as string | null;
        if (Array.isArray(body.labels)) target.labels = body.labels.map(String);
        if (body.state === "open" || body.state === "closed") {
          target.state = body.state;
          target.closedAt = body.state === "closed" ? now() : null;
        }
        target.updatedAt = now();
        return { status: 200, body: issue ? issueJson(issue) : pullAsIssueJson(pr!) };
      }
    }

    if (rest === "/pulls" && method === "POST") {
      const title = requireString(body, "title", "PullRequest");
      const head = requireString(body, "head", "PullRequest");
      const base = requireString(body, "base", "PullRequest");
      const headRef = head.includes(":") ? head.slice(head.indexOf(":") + 1) : head;
      if (headRef === base) {
        throw validationFailed([
          { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${headRef}` },
        ]);
      }
      if (state.prs.some((p) => inRepo(p) && p.state === "open" && p.head === headRef && p.base === base)) {
        throw validationFailed([
          {
            resource: "PullRequest",
            code: "custom",
            message: `A pull request already exists for ${owner}:${headRef}.`,
          },
        ]);
      }
      const at = now();
      const pr: FakePull = {
        id: nextId++,
        number: nextNumber(owner, repo),
        owner,
        repo,
        title,
        body: typeof body.body === "string" ? body.body : null,
        state: "open",
        draft: body.draft === true,
        head: headRef,
        base,
        headSha: fakeSha(`${owner}/${repo}:${headRef}:${nextId}`),
        mergeable: true,
        merged: false,
        mergedAt: null,
        mergeCommitSha: null,
        mergeMethod: null,
        labels: [],
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      };
      state.prs.push(pr);
      return { status: 201, body: pullJson(pr, true) };
    }
    if (rest === "/pulls" && method === "GET") {
      const wanted = url.searchParams.get("state") ?? "open";
      const head = url.searchParams.get("head");
      const base = url.searchParams.get("base");
      const list = state.prs.filter((p) => {
        if (!inRepo(p)) return false;
        if (wanted !== "all" && p.state !== wanted) return false;
        if (base && p.base !== base) return false;
        if (head) {
          const [headOwner, ...refParts] = head.includes(":") ? head.split(":") : [owner, head];
          if (headOwner!.toLowerCase() !== owner.toLowerCase() || p.head !== refParts.join(":")) return false;
        }
        return true;
      });
      const { page, headers } = paginate(url, sortByCreated(list, url));
      return { status: 200, body: page.map((p) => pullJson(p, false)), headers };
    }

    const pullMatch = /^\/pulls\/(\d+)(\/merge)?$/.exec(rest);
    if (pullMatch) {
      const n = Number(pullMatch[1]);
      const pr = state.prs.find((p) => inRepo(p) && p.number === n);
      if (!pr) throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
      if (!pullMatch[2] && method === "GET") return { status: 200, body: pullJson(pr, true) };
      if (!pullMatch[2] && method === "PATCH") {
        if (typeof body.title === "string") pr.title = body.title;
        if (typeof body.body === "string") pr.body = body.body;
        if (body.state === "open" || body.state === "closed") {
          pr.state = body.state;
          pr.closedAt = body.state === "closed" ? now() : null;
        }
        pr.updatedAt = now();
        return { status: 200, body: pullJson(pr, true) };
      }
      if (pullMatch[2] && method === "GET") {
        return pr.merged ? { status: 204 } : { status: 404, body: { message: "Not Found", status: "404" } };
      }
      if (pullMatch[2] && method === "PUT") {
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
        const at = now();
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
    }
    throw new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  };

  const rateHeaders = (): Record<string, string> => ({
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const rawBody = await readBody(req);
    const auth = req.headers.authorization ?? "";
    const tokenMatch = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    const token = tokenMatch?.[1];
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: rawBody,
      status: 0,
      injected: false,
    };
    if (token !== undefined) record.token = token;
    state.requests.push(record);

    let answer: Answer;
    const pending = failures.find(
      (f) => (f.method === "*" || f.method === method) && f.pattern.test(url.pathname) && f.remaining > 0,
    );
    if (pending) {
      pending.remaining--;
      if (pending.remaining === 0) failures.splice(failures.indexOf(pending), 1);
      const headers = Object.fromEntries(
        Object.entries(pending.failure.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      );
      answer = {
        status: pending.failure.status,
        body: pending.failure.body ?? defaultFailureBody(pending.failure),
        headers,
      };
      record.injected = true;
    } else if (token === undefined) {
      answer = {
        status: 401,
        body: { message: "Requires authentication", documentation_url: DOCS, status: "401" },
      };
    } else if (options.token !== undefined && token !== options.token) {
      answer = { status: 401, body: { message: "Bad credentials", documentation_url: DOCS, status: "401" } };
    } else {
      try {
        answer = route(method, url, rawBody);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        answer = { status: error.status, body: error.body };
      }
    }
    record.status = answer.status;
    const headers: Record<string, string> = { ...rateHeaders(), ...answer.headers };
    if (answer.body === undefined) {
      res.writeHead(answer.status, headers).end();
      return;
    }
    headers["content-type"] = "application/json; charset=utf-8";
    res.writeHead(answer.status, headers).end(JSON.stringify(answer.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res
        .writeHead(500, { "content-type": "application/json; charset=utf-8" })
        .end(JSON.stringify({ message: `fake GitHub server bug: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  apiBase = `http://127.0.0.1:${port}`;

  return {
    url: apiBase,
    state,
    failNext(method, pathPattern, failure) {
      failures.push({
        method: method.toUpperCase(),
        pattern: patternToRegExp(pathPattern),
        failure,
        remaining: failure.times ?? 1,
      });
    },
    requestsTo(method, pathPattern) {
      const pattern = patternToRegExp(pathPattern);
      const m = method.toUpperCase();
      return state.requests.filter((r) => (m === "*" || r.method === m) && pattern.test(r.path));
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
