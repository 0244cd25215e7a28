import { GadugiError } from "@gadugi/error-handling";

/** A parsed `redis://[:password@]host:port[/db]` or `rediss://` (TLS) queue URL. */
export interface QueueUrl {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL with its password replaced by `***`: the only form logs, state and errors show. */
  masked: string;
}

const DEFAULT_PORT = 6379;

/** `url` with the password (and a token-like username alone) replaced by `***`. Never throws. */
export function maskQueueUrl(url: string): string {
  const masked = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_all, scheme: string, auth: string) => {
    const colon = auth.indexOf(":");
    if (colon < 0) return `${scheme}***@`;
    const user = auth.slice(0, colon);
    return `${scheme}${user}:***@`;
  });
  // Text that is no URL at all may still hold `:password@`.
  return masked.replace(/:[^@/\s:]+@/g, ":***@");
}

/** Replaces every occurrence of the URL's password in `text` (for messages of the Redis client). */
export function maskSecretIn(text: string, url: QueueUrl): string {
  let out = text;
  for (const secret of [
    url.password,
    url.username && url.password === undefined ? url.username : undefined,
  ]) {
    if (secret) out = out.split(secret).join("***");
  }
  return out;
}

function invalid(url: string, reason: string): GadugiError {
  return new GadugiError("GADUGI_QUEUE_URL_INVALID", { url: maskQueueUrl(url), reason });
}

/**
 * Parses a queue URL. Accepts `redis://host`, `redis://host:port`, `redis://:password@host:port/db`,
 * `redis://user:password@host`, and `rediss://` for TLS; anything else is GADUGI_QUEUE_URL_INVALID
 * with the URL masked.
 */
export function parseQueueUrl(url: string): QueueUrl {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw invalid(url, "it is not a URL");
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (scheme !== "redis" && scheme !== "rediss") {
    throw invalid(url, `the scheme is ${scheme}:// (expected redis:// or rediss://)`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw invalid(url, "it names no host");
  const port = parsed.port === "" ? DEFAULT_PORT : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(path)) throw invalid(url, `the database "${path}" is not a number`);
  const db = path === "" ? 0 : Number(path);
  if (parsed.search !== "" || parsed.hash !== "") throw invalid(url, "it has a query or fragment");
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    host,
    port,
    db,
    ...(username === "" ? {} : { username }),
    ...(password === "" ? {} : { password }),
    tls: scheme === "rediss",
    masked: maskQueueUrl(url.trim()),
  };
}

/** ioredis connection options for a parsed URL (BullMQ's `connection`). */
export function redisOptions(url: QueueUrl) {
  return {
    host: url.host,
    port: url.port,
    db: url.db,
    ...(url.username === undefined ? {} : { username: url.username }),
    ...(url.password === undefined ? {} : { password: url.password }),
    ...(url.tls ? { tls: { servername: url.host } } : {}),
  };
}
