import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";

/** Octokit with the retry (5xx, network errors) and throttling (rate limits) plugins. */
const PluggedOctokit = Octokit.plugin(retry, throttling);
export type GadugiOctokit = Octokit;

export const DEFAULT_API_URL = "https://api.github.com";

/** Where debug and warning messages go; every message is redacted before it gets here. */
export interface GitHubLogger {
  debug?(message: string): void;
  warn?(message: string): void;
}

/**
 * Timing of retries and rate limits. The defaults follow GitHub's guidance; tests pass
 * {@link FAST_THROTTLE} so a rate limit or a 5xx costs milliseconds instead of seconds.
 */
export interface ThrottleSettings {
  /**
   * Milliseconds per second of waiting, for retry back-off (1, 4, 9… units), rate-limit resets
   * and `retry-after`. Default 1000.
   */
  msPerSecond?: number;
  /** Minimum spacing of write requests in ms. Default 1000 (GitHub asks for one write per second). */
  writeIntervalMs?: number;
  /** Minimum spacing of requests that notify people (issues, PRs, comments, merges) in ms. Default 3000. */
  notifyIntervalMs?: number;
  /** Retries after a primary or secondary rate limit before giving up. Default 2. */
  rateLimitRetries?: number;
  /** Fail at once instead of waiting longer than this for a rate limit to reset, in seconds. Default 900. */
  maxRateLimitWaitSec?: number;
}

/** Settings for tests against a local server: no spacing, waits in milliseconds. */
export const FAST_THROTTLE: Readonly<Required<Omit<ThrottleSettings, "maxRateLimitWaitSec">>> = Object.freeze(
  {
    msPerSecond: 1,
    writeIntervalMs: 0,
    notifyIntervalMs: 0,
    rateLimitRetries: 2,
  },
);

export interface ClientOptions {
  token?: string;
  baseUrl: string;
  /** Retries of a request that failed with 5xx or a network error. Default 3. */
  retries?: number;
  throttle?: ThrottleSettings;
  logger?: GitHubLogger;
  /** Applied to every log message (secret redaction). */
  redact: (text: string) => string;
  userAgent?: string;
}

export function createOctokit(options: ClientOptions): GadugiOctokit {
  const throttle = options.throttle ?? {};
  const msPerSecond = throttle.msPerSecond ?? 1000;
  const rateLimitRetries = throttle.rateLimitRetries ?? 2;
  const maxWaitSec = throttle.maxRateLimitWaitSec ?? 900;
  const { redact, logger } = options;
  const say = (level: "debug" | "warn", message: string): void => {
    logger?.[level]?.(redact(message));
  };
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= rateLimitRetries || retryAfter > maxWaitSec) {
        say(
          "warn",
          `GitHub ${kind} hit by ${what}; giving up (retry ${retryCount}, reset in ${retryAfter}s)`,
        );
        return false;
      }
      say("warn", `GitHub ${kind} hit by ${what}; retrying in ${retryAfter}s`);
      return true;
    };

  // Custom spacing gets groups of its own; the defaults share the plugin's process-wide groups so
  // every client in the process respects one budget.
  const groups: Record<string, Bottleneck.Group> = {};
  if (throttle.writeIntervalMs !== undefined) {
    groups.write = new Bottleneck.Group({ maxConcurrent: 1, minTime: throttle.writeIntervalMs });
  }
  if (throttle.notifyIntervalMs !== undefined) {
    groups.notifications = new Bottleneck.Group({ maxConcurrent: 1, minTime: throttle.notifyIntervalMs });
  }
  if (throttle.writeIntervalMs !== undefined || throttle.notifyIntervalMs !== undefined) {
    groups.search = new Bottleneck.Group({ maxConcurrent: 1, minTime: throttle.writeIntervalMs ?? 2000 });
  }

  const log = {
    debug: (message: string) => say("debug", message),
    info: (message: string) => say("debug", message),
    warn: (message: string) => say("warn", message),
    error: (message: string) => say("debug", message),
  };

  return new PluggedOctokit({
    ...(options.token ? { auth: options.token } : {}),
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "gadugi-orchestrator",
    log,
    // 405 (not mergeable) and 409 (head moved) are answers, not glitches: never repeated.
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: msPerSecond,
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451],
    },
    throttle: {
      ...groups,
      retryAfterBaseValue: msPerSecond,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: onLimit("rate limit"),
      onSecondaryRateLimit: onLimit("secondary rate limit"),
    },
  });
}
