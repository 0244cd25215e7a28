// The HTTP side of the local GitHub server: answers, GitHub's error bodies, request bodies, and
// the defaults of injected failures.
import type { IncomingMessage } from "node:http";
import type { FailureSpec } from "./types.js";

export const DOCS = "https://docs.github.com/rest";

/** What a route answers; `body` undefined means no body (204). */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by a route to answer with an error status and GitHub's error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

export function notFound(): HttpError {
  return new HttpError(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}

/** 422 "Validation Failed" with structured `errors` (issues, pulls). */
export function validationFailed(
  errors: Array<Record<string, unknown>>,
  message = "Validation Failed",
): HttpError {
  return new HttpError(422, { message, errors, documentation_url: DOCS, status: "422" });
}

/** 422 "Unprocessable Entity" with plain-text `errors`, as the reviews endpoint answers. */
export function unprocessable(errors: string[]): HttpError {
  return new HttpError(422, {
    message: "Unprocessable Entity",
    errors,
    documentation_url: DOCS,
    status: "422",
  });
}

/** 422 "Invalid request." for a body that does not fit the endpoint's schema. */
export function invalidRequest(detail: string): HttpError {
  return new HttpError(422, {
    message: `Invalid request.\n\n${detail}`,
    documentation_url: DOCS,
    status: "422",
  });
}

export function lowerKeys(headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

export function patternToRegExp(pattern: string | RegExp): RegExp {
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

/** GitHub's body for an injected status, telling a primary from a secondary rate limit by the headers. */
export function defaultFailureBody(failure: FailureSpec): Record<string, unknown> {
  const headers = lowerKeys(failure.headers);
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
    case 502:
      return { message: "Server Error", status };
    default:
      return { message: `HTTP ${status}`, status };
  }
}

/** The headers GitHub puts on every answer. */
export function rateHeaders(): Record<string, string> {
  return {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
  };
}

/** The request body: parsed JSON, the raw text when it is not JSON, undefined when empty. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
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
