// The server's memory: resources, ids and numbers, and the lookups every route needs.
import { notFound } from "./http.js";
import type { FakeIssue, FakePull, FakeUser, GitHubServerOptions, GitHubServerState } from "./types.js";

type InRepo = { owner: string; repo: string };

/** Matches resources of one repository; names compare case-insensitively, as on GitHub. */
export function sameRepo(owner: string, repo: string): (x: InRepo) => boolean {
  return (x) => x.owner.toLowerCase() === owner.toLowerCase() && x.repo.toLowerCase() === repo.toLowerCase();
}

/** A stable 40-hex "commit" for a seed (FNV-1a rounds). */
export function fakeSha(seed: string): string {
  let h1 = 0x811c9dc5;
  let out = "";
  for (let round = 0; out.length < 40; round++) {
    for (const ch of `${seed}:${round}`) h1 = Math.imul(h1 ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h1.toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}

export class Store {
  readonly state: GitHubServerState = { issues: [], prs: [], comments: [], reviews: [], requests: [] };
  /** The token's user. */
  readonly user: FakeUser;
  /** Who opens pull requests created through the API. */
  readonly pullAuthor: string;
  readonly htmlBase: string;
  /** Set once the server listens. */
  apiBase = "";
  private lastId = 999;
  private readonly numbers = new Map<string, number>();

  constructor(private readonly options: GitHubServerOptions) {
    this.user = { login: options.login ?? "gadugi-bot", id: 1, type: "User" };
    this.pullAuthor = options.pullAuthor ?? this.user.login;
    this.htmlBase = (options.htmlBaseUrl ?? "https://github.com").replace(/\/+$/, "");
  }

  now(): string {
    return new Date().toISOString();
  }

  /** Ids are unique across every kind of resource. */
  newId(): number {
    return ++this.lastId;
  }

  /** Issues and pull requests share one sequence of numbers per repository. */
  nextNumber(owner: string, repo: string): number {
    const key = `${owner}/${repo}`.toLowerCase();
    const n = (this.numbers.get(key) ?? 0) + 1;
    this.numbers.set(key, n);
    return n;
  }

  hasRepo(owner: string, repo: string): boolean {
    const name = `${owner}/${repo}`.toLowerCase();
    return !this.options.repos || this.options.repos.some((r) => r.toLowerCase() === name);
  }

  /** The pull request, or 404. */
  pull(owner: string, repo: string, n: number): FakePull {
    const pr = this.state.prs.find((p) => sameRepo(owner, repo)(p) && p.number === n);
    if (!pr) throw notFound();
    return pr;
  }

  /** The issue or the pull request with that number (the issues API serves both), or 404. */
  issueOrPull(owner: string, repo: string, n: number): { issue: FakeIssue } | { pr: FakePull } {
    const issue = this.state.issues.find((i) => sameRepo(owner, repo)(i) && i.number === n);
    if (issue) return { issue };
    return { pr: this.pull(owner, repo, n) };
  }

  commentCount(owner: string, repo: string, n: number): number {
    return this.state.comments.filter((c) => sameRepo(owner, repo)(c) && c.issueNumber === n).length;
  }
}
