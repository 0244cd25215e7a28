import { ErrorHandler, GadugiError } from "@gadugi/error-handling";
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
 * Calls GitHub for a phase through @gadugi/error-handling's ErrorHandler, the run's one error
 * policy:
 * - `withRetry`: a transient failure (no response, 5xx, a secondary rate limit; see
 *   isTransientGitHubError) is tried again with the run's `retry` settings, on top of the client's
 *   own per-request retries, so a whole multi-request operation (find, then create) is repeated;
 *   each new attempt is logged with the error before it.
 * - `withGracefulDegradation`: GitHub's own errors (after the retries) come back as data for the
 *   phase to record, the reason with the number of attempts when they were retried. A
 *   cancellation and any other error are thrown.
 */
export async function callGitHub<T>(
  ctx: PhaseContext,
  operation: string,
  fn: () => Promise<T>,
): Promise<GitHubCallResult<T>> {
  const handler = new ErrorHandler({
    retry: ctx.config.retry,
    info: { runId: ctx.runId, taskId: ctx.task.id },
  });
  let attempts = 0;
  let lastError: unknown;
  const call = async (): Promise<GitHubCallResult<T>> => {
    const value = await handler.withRetry(
      async ({ attempt }) => {
        attempts = attempt;
        if (attempt > 1) await ctx.log(`${operation}: attempt ${attempt}, after ${describeError(lastError)}`);
        return fn();
      },
      {
        operation,
        signal: ctx.signal,
        shouldRetry: (error) => {
          lastError = error;
          return isTransientGitHubError(error);
        },
      },
    );
    return { ok: true, value, attempts };
  };
  const unwrap = (caught: unknown) =>
    GadugiError.is(caught, "GADUGI_RETRY_EXHAUSTED") ? caught.cause : caught;
  return handler.withGracefulDegradation(
    call,
    (caught): GitHubCallResult<T> => {
      const error = unwrap(caught) as GadugiError;
      const transient = isTransientGitHubError(error);
      const tries = transient ? ` (${attempts} attempt${attempts === 1 ? "" : "s"})` : "";
      return { ok: false, error, reason: `${describeError(error)}${tries}`, attempts, transient };
    },
    { operation },
    // Only GitHub's trouble degrades; a bug of ours is thrown as it came.
    { shouldDegrade: (caught) => isGitHubTrouble(unwrap(caught)) },
  );
}
