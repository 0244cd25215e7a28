import { GadugiError } from "@gadugi/error-handling";

/** The parts of Octokit's RequestError this package reads (duck-typed: copies of Octokit differ). */
interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isRequestErrorLike(error: unknown): error is RequestErrorLike {
  return (
    error instanceof Error && typeof (error as { status?: unknown }).status === "number" && "request" in error
  );
}

interface ValidationError {
  resource?: string;
  field?: string;
  code?: string;
  message?: string;
}

const CODE_TEXT: Record<string, string> = {
  missing: "does not exist",
  missing_field: "is missing",
  invalid: "is invalid",
  already_exists: "already exists",
  unprocessable: "could not be processed",
};

function describeValidationError(e: ValidationError | string): string {
  if (typeof e === "string") return e;
  if (e.message) return e.message;
  const subject = [e.resource, e.field].filter(Boolean).join(".") || "request";
  return `${subject} ${CODE_TEXT[e.code ?? ""] ?? e.code ?? "is invalid"}`;
}

/** GitHub's message from an error response body, with the details of a 422's `errors` array. */
export function describeGitHubResponse(data: unknown, fallback: string): string {
  if (typeof data === "string" && data.trim() !== "") return data.trim().slice(0, 500);
  if (!data || typeof data !== "object") return fallback;
  const body = data as { message?: unknown; errors?: unknown };
  const message = typeof body.message === "string" && body.message !== "" ? body.message : fallback;
  if (!Array.isArray(body.errors) || body.errors.length === 0) return message;
  const details = (body.errors as Array<ValidationError | string>).map(describeValidationError);
  return `${message}: ${details.join("; ")}`;
}

function header(error: RequestErrorLike, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

export interface ErrorContextInfo {
  operation: string;
  baseUrl: string;
  owner?: string;
  repo?: string;
  redact: (text: string) => string;
}

/**
 * Turns whatever an Octokit call threw into a GadugiError: GADUGI_GITHUB_AUTH for 401,
 * GADUGI_GITHUB_API (status and GitHub's own message) for the rest; status 0 means no response.
 * Messages are redacted and the Octokit error is not kept as the cause, so no header or request
 * detail can leak through the error.
 */
export function toGitHubError(error: unknown, info: ErrorContextInfo): GadugiError {
  if (GadugiError.is(error)) return error;
  const { operation, redact } = info;
  const repo = info.owner && info.repo ? `${info.owner}/${info.repo}` : "the repository";
  if (!isRequestErrorLike(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new GadugiError("GADUGI_GITHUB_API", { operation, status: 0, message: redact(message) });
  }
  if (error.response === undefined) {
    return new GadugiError(
      "GADUGI_GITHUB_API",
      { operation, status: 0, message: redact(`no response from ${info.baseUrl} (${error.message})`) },
      {
        hint: "Check the network connection and the API URL (github.apiUrl in the config, or GITHUB_API_URL).",
      },
    );
  }
  const status = error.status;
  const message = redact(describeGitHubResponse(error.response.data, error.message || `HTTP ${status}`));
  if (status === 401) {
    return new GadugiError("GADUGI_GITHUB_AUTH", {
      reason: `GitHub rejected the token during ${operation} (HTTP 401: ${message})`,
    });
  }
  const options: { hint?: string } = {};
  let text = message;
  if ((status === 403 || status === 429) && header(error, "x-ratelimit-remaining") === "0") {
    const reset = Number(header(error, "x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 0)
      text += ` (the limit resets at ${new Date(reset * 1000).toISOString()})`;
    options.hint = "GitHub's rate limit for this token is used up; wait for the reset, or use another token.";
  } else if ((status === 403 || status === 429) && /secondary rate limit/i.test(message)) {
    options.hint = "GitHub throttled this burst of requests; wait a few minutes, then resume.";
  } else if (status === 403) {
    options.hint = `The token may lack permission on ${repo} (issues and pull requests need write access).`;
  } else if (status === 404) {
    options.hint = `Check that ${repo} exists and that the token can see it (github.owner/github.repo, or the origin remote).`;
  } else if (status === 422) {
    options.hint = "GitHub refused the request's content; its message above names the field or the conflict.";
  } else if (status >= 500) {
    options.hint = "GitHub failed on its side even after retries; try again later.";
  }
  return new GadugiError("GADUGI_GITHUB_API", { operation, status, message: text }, options);
}

/** The HTTP status of an Octokit error, if it is one. */
export function statusOf(error: unknown): number | undefined {
  return isRequestErrorLike(error) ? error.status : undefined;
}

/**
 * Whether a failed GitHub call is worth repeating a little later, decided from its status: no
 * response at all (network, DNS, a reset connection: status 0), GitHub failing on its side (5xx),
 * or throttling of a burst (a secondary rate limit, 403/429, or a 429 without a used-up primary
 * limit). An answer about the request itself (401, 404, 422...) and a used-up primary limit,
 * which lasts until its reset, are not.
 */
export function isTransientGitHubError(error: unknown): boolean {
  if (!GadugiError.is(error, "GADUGI_GITHUB_API")) return false;
  const { status, message } = error.args;
  if (status === 0 || status >= 500) return true;
  if (/secondary rate limit/i.test(message)) return status === 403 || status === 429;
  return status === 429 && !message.includes("(the limit resets at");
}
