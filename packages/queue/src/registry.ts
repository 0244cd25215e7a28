import type { Redis } from "ioredis";
import { assertReachable, CONNECT_TIMEOUT_MS, redisClient } from "./connection.js";
import { queueKeys } from "./keys.js";
import { parseQueueUrl } from "./url.js";

/** A live worker as its heartbeat entry in Redis says. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  startedAt: string;
  lastHeartbeat: string;
  /** How often it beats: an entry older than 2.5 beats is a worker gone (killed), not listed. */
  heartbeatMs: number;
  tasks: { jobId: string; runId: string; taskId: string; label?: string; startedAt: string }[];
}

/** Heartbeat entries: one key per worker, expiring unless refreshed (a dead worker drops out). */
export class WorkerRegistry {
  readonly redis: Redis;
  readonly #keys: ReturnType<typeof queueKeys>;

  constructor(redis: Redis, keys: ReturnType<typeof queueKeys>) {
    this.redis = redis;
    this.#keys = keys;
  }

  async beat(info: WorkerInfo, ttlMs: number): Promise<void> {
    await this.redis.set(this.#keys.worker(info.id), JSON.stringify(info), "PX", ttlMs);
  }

  async remove(id: string): Promise<void> {
    await this.redis.del(this.#keys.worker(id));
  }

  async list(): Promise<WorkerInfo[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await this.redis.scan(cursor, "MATCH", this.#keys.workerPattern, "COUNT", 200);
      cursor = next;
      keys.push(...found);
    } while (cursor !== "0");
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    const now = Date.now();
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as WorkerInfo)
      .filter((w) => now - Date.parse(w.lastHeartbeat) <= 2.5 * w.heartbeatMs)
      .sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
  }
}

/** The live workers of the queue at `url` (GADUGI_QUEUE_UNREACHABLE when Redis is not there). */
export async function listWorkers(
  url: string,
  options: { name?: string; connectTimeoutMs?: number } = {},
): Promise<WorkerInfo[]> {
  const parsed = parseQueueUrl(url);
  await assertReachable(parsed, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
  const redis = redisClient(parsed);
  try {
    return await new WorkerRegistry(redis, queueKeys(options.name)).list();
  } finally {
    redis.disconnect();
  }
}
