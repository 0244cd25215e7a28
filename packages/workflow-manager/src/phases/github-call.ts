import { GadugiError, isAbortError, retry } from "@gadugi/error-handling";
import { isTransientGitHubError } from "@gadugi/github-ops";
import type { PhaseContext } from "../types.js";
import { describeError } from "../util.js";

/** What a GitHub call of a phase came to: its value, or GitHub's error after retries. */
export type GitHubCallResult<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: GadugiError; reason: string; attempts: number; transient: boolean };

/** Errors that are GitHub's trouble (the API, the token, the repository), not a bug of ours. */
function isGitHubTrouble(error: unknown): error is GadugiError {
  return (
    GadugiError.is(error, "GADUGI_GITHUB_API") ||
    GadugiError.is(error, "GADUGI_GITHUB_AUTH") ||
    GadugiError.is(error, "GADUGI_GITHUB_UNAVAILABLE")
  );
}

/**
 * Calls GitHub for a phase: a transient failure (no response, 5xx, a secondary rate limit; see
 * isTransientGitHubError) is tried again with the run's `retry` settings, on top of the client's
 * own per-request retries, so a whole multi-request operation (find, then create) is repeated.
 * GitHub's own errors come back as data for the phase to record; a cancellation and any other
 * error are thrown.
 */
export async function callGitHub<T>(
  ctx: PhaseContext,
  operation: string,
  fn: () => Promise<T>,
): Promise<GitHubCallResult<T>> {
  let attempts = 0;
  let lastError: unknown;
  try {
    const value = await retry(
      async ({ attempt }) => {
        attempts = attempt;
        if (attempt > 1) await ctx.log(`${operation}: attempt ${attempt}, after ${describeError(lastError)}`);
        return fn();
      },
      {
        ...ctx.config.retry,
        operation,
        signal: ctx.signal,
        shouldRetry: (error) => {
          lastError = error;
          return isTransientGitHubError(error);
        },
      },
    );
    return { ok: true, value, attempts };
  } catch (caught) {
    if (isAbortError(caught)) throw caught;
    const error = GadugiError.is(caught, "GADUGI_RETRY_EXHAUSTED") ? caught.cause : caught;
    if (!isGitHubTrouble(error)) throw caught;
    const transient = isTransientGitHubError(error);
    const tries = transient ? ` (${attempts} attempt${attempts === 1 ? "" : "s"})` : "";
    return { ok: false, error, reason: `${describeError(error)}${tries}`, attempts, transient };
  }
}
