// What a route gets, and the helpers routes share: required fields, sorting and pagination.
import { type Answer, validationFailed } from "./http.js";
import type { Store } from "./store.js";

/** A request under `/repos/{owner}/{repo}` for an existing repository. */
export interface RouteRequest {
  store: Store;
  url: URL;
  owner: string;
  repo: string;
  /** The number captured by the route's path (issue or pull request), NaN when there is none. */
  number: number;
  /** The JSON body; `{}` when there is none or it is not an object. */
  body: Record<string, unknown>;
}

export interface Route {
  method: string;
  /** Matched against the path after `/repos/{owner}/{repo}`; its first group is the number. */
  path: RegExp;
  handle(req: RouteRequest): Answer;
}

export function requireString(body: Record<string, unknown>, field: string, resource: string): string {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw validationFailed([{ resource, code: "missing_field", field }]);
  }
  return value;
}

/** Newest first unless `direction=asc`. */
export function sortByCreated<T extends { id: number }>(items: T[], url: URL): T[] {
  const asc = url.searchParams.get("direction") === "asc";
  return [...items].sort((a, b) => (a.id - b.id) * (asc ? 1 : -1));
}

/** One page of `items` (`page`, `per_page` up to 100) with GitHub's `link` header. */
export function paginate<T>(
  apiBase: string,
  url: URL,
  items: T[],
): { page: T[]; headers: Record<string, string> } {
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
}

/** A 200 answer with one page of `items` mapped to JSON. */
export function listAnswer<T>(req: RouteRequest, items: T[], toJson: (item: T) => unknown): Answer {
  const { page, headers } = paginate(req.store.apiBase, req.url, items);
  return { status: 200, body: page.map(toJson), headers };
}
