import { GadugiError } from "@gadugi/error-handling";
import { Redis, type RedisOptions } from "ioredis";
import { maskSecretIn, type QueueUrl, redisOptions } from "./url.js";

/** Default time to wait for Redis at start before GADUGI_QUEUE_UNREACHABLE. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * A client for BullMQ (`maxRetriesPerRequest: null`, as its workers need): it reconnects by
 * itself after Redis went away. Connection errors are handed to `onError` (masked), never thrown
 * unhandled.
 */
export function redisClient(
  url: QueueUrl,
  onError?: (message: string) => void,
  extra: RedisOptions = {},
): Redis {
  const client = new Redis({
    ...redisOptions(url),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
  client.on("error", (error: Error) => onError?.(maskSecretIn(error.message, url)));
  return client;
}

/**
 * Connects once and pings, without retrying: Redis unreachable, a wrong password or TLS trouble is
 * GADUGI_QUEUE_UNREACHABLE naming the masked URL and the reason.
 */
export async function assertReachable(url: QueueUrl, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  let lastError: string | undefined;
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on("error", (error: Error) => {
    lastError = error.message;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = lastError ?? (error instanceof Error ? error.message : String(error));
    throw new GadugiError("GADUGI_QUEUE_UNREACHABLE", { url: url.masked, reason: maskSecretIn(reason, url) });
  } finally {
    client.disconnect();
  }
}
