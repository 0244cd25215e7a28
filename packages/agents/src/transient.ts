import type { AgentEvent, AgentOutcome, AgentRunResult } from "@gadugi/interfaces";

/** Failures a retry will not fix, even when they also mention a network word. */
const PERMANENT =
  /not logged in|please run \/login|authenticat|unauthori[sz]ed|invalid (?:x-)?api[ -]?key|\bHTTP 40[13]\b|API Error:? 40[13]\b|ENOENT|EACCES|not installed|budget exhausted/i;

/** Rate limits, overload, 5xx and 408/409/429, dropped connections, spawn resource errors. */
const TRANSIENT: readonly RegExp[] = [
  /rate[ _-]?limit|too many requests/i,
  /\b(?:HTTP|API Error:?) (?:408|409|425|429|5\d\d)\b/i,
  /overloaded|over capacity|temporar(?:y|ily) unavailable|service unavailable|bad gateway|gateway time-?out|internal server error/i,
  /\b(?:ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH|EPIPE)\b/,
  /socket hang up|network|connection (?:failed|reset|refused|error|closed|timed out)|stream disconnected/i,
  /(?:could ?n[o']t|failed to|unable to) connect/i,
  /\b(?:EAGAIN|EMFILE|ENFILE|ENOMEM)\b/,
];

/** Whether a failure with this reason looks transient (see isTransientFailure). */
export function isTransientReason(outcome: AgentOutcome, reason: string | undefined): boolean {
  if (outcome !== "failed" || !reason) return false;
  if (PERMANENT.test(reason)) return false;
  return TRANSIENT.some((pattern) => pattern.test(reason));
}

/**
 * Whether a failed run is worth retrying: API errors that are rate limits, overload, 5xx or
 * 408/409/429, dropped or refused connections, and spawn errors from exhausted resources
 * (EAGAIN, EMFILE...). Not: authentication, other 4xx (a malformed request fails the same way
 * again), a missing program, max turns, timeouts, cancellation. Reads the `finished` event's
 * outcome and reason (or the run result's), so it works on a live event stream as on a result.
 */
export function isTransientFailure(input: AgentRunResult | readonly AgentEvent[]): boolean {
  if (Array.isArray(input)) {
    const events = input as readonly AgentEvent[];
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i];
      if (event?.type === "finished") return isTransientReason(event.outcome, event.reason);
    }
    return false;
  }
  const result = input as AgentRunResult;
  return (
    result.outcome === "failed" && (result.transient || isTransientReason(result.outcome, result.reason))
  );
}
