import { link, mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { abortedError, GadugiError, sleep } from "@gadugi/error-handling";
import { fsyncDir } from "./atomic.js";
import { matchProcess, processStartTicks } from "./process-identity.js";
import { errnoCode, ioError, randomHex } from "./util.js";

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  since: string;
  /**
   * The holder's start time (`/proc/<pid>/stat` field 22, clock ticks after boot), so a pid reused
   * by another process (after a reboot, in another container) is not taken for the holder. Absent
   * where `/proc` is not available and in locks written before it was recorded: then only the pid
   * is checked.
   */
  startTicks?: number;
  /** What the lock protects, for messages ("run 2025-…", "git worktree add in /repo"). */
  resource?: string;
  /** Random per acquisition, so a handle only ever removes its own lock file. */
  token?: string;
}

export interface LockOptions {
  /** Named in GADUGI_LOCK_HELD and GADUGI_ABORTED messages. */
  resource: string;
  /** Poll until the lock is free instead of failing at once. */
  wait?: { timeoutMs: number; intervalMs?: number };
  signal?: AbortSignal;
}

export interface LockHandle {
  readonly path: string;
  readonly info: LockInfo;
  readonly released: boolean;
  /** Removes the lock file if it is still this handle's; safe to call more than once. */
  release(): Promise<void>;
}

/** A lock file that cannot be parsed and is older than this is a leftover, not a lock being written. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;
/** The takeover guard is held for a few milliseconds; one older than this was left by a crash. */
const TAKEOVER_GUARD_STALE_MS = 30_000;

function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockInfo> | null;
    if (
      value !== null &&
      typeof value === "object" &&
      typeof value.pid === "number" &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.host === "string" &&
      typeof value.since === "string" &&
      (value.startTicks === undefined || (Number.isInteger(value.startTicks) && value.startTicks >= 0))
    ) {
      return value as LockInfo;
    }
  } catch {
    // Falls through: not a lock we can read.
  }
  return undefined;
}

/**
 * Whether the holder of a lock still runs. A holder on another host counts as running (its
 * process cannot be checked from here); on this host its pid must exist and, when the lock
 * records a start time, the process with that pid must have started then (a reused pid is not
 * the holder).
 */
export function isLockHolderAlive(info: Pick<LockInfo, "pid" | "host" | "startTicks">): boolean {
  if (info.host !== hostname()) return true;
  return matchProcess(info.pid, info.startTicks) === "alive";
}

/** This process as a lock holder: pid, host, now and (where `/proc` has it) its start time. */
function selfInfo(): Pick<LockInfo, "pid" | "host" | "since" | "startTicks"> {
  const startTicks = processStartTicks(process.pid);
  return {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    ...(startTicks === undefined ? {} : { startTicks }),
  };
}

/** The holder of a lock as recorded in its file, or undefined when there is no (readable) lock. */
export async function readLock(lockPath: string): Promise<LockInfo | undefined> {
  try {
    return parseLockInfo(await readFile(lockPath, "utf8"));
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw ioError("read", lockPath, error);
  }
}

/**
 * Creates `path` holding `text` only if it does not exist, and never visible half-written: the
 * text goes to a private temporary file that is then hard-linked to `path` (link fails with
 * EEXIST like an O_EXCL open). Where hard links are unsupported, falls back to `open(path, "wx")`.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomHex(4)}.tmp`;
  const handle = await open(temp, "wx");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") {
      return createWithOpenExcl(path, text);
    }
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

async function createWithOpenExcl(path: string, text: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return 0;
  }
}

type Holder = { kind: "gone" } | { kind: "stale"; text: string } | { kind: "held"; info: LockInfo };

async function inspect(lockPath: string): Promise<Holder> {
  const text = await readText(lockPath);
  if (text === undefined) return { kind: "gone" };
  const info = parseLockInfo(text);
  if (info === undefined) {
    const age = await ageMs(lockPath);
    if (age > UNREADABLE_LOCK_GRACE_MS) return { kind: "stale", text };
    const since = new Date(Date.now() - age).toISOString();
    return { kind: "held", info: { pid: 0, host: "unknown (unreadable lock file)", since } };
  }
  if (!isLockHolderAlive(info)) return { kind: "stale", text };
  return { kind: "held", info };
}

/**
 * Removes a stale lock file, but only the exact one that was judged stale: the check and the
 * removal happen under a short-lived `<lock>.takeover` guard (itself created exclusively), so two
 * processes taking over the same dead lock cannot remove each other's fresh lock.
 */
async function breakStale(lockPath: string, staleText: string): Promise<void> {
  const guard = `${lockPath}.takeover`;
  const guardInfo: LockInfo = selfInfo();
  if (!(await createExclusive(guard, JSON.stringify(guardInfo)))) {
    const holder = await readText(guard);
    const info = holder === undefined ? undefined : parseLockInfo(holder);
    const dead = info !== undefined && !isLockHolderAlive(info);
    if (dead || (await ageMs(guard)) > TAKEOVER_GUARD_STALE_MS) await rm(guard, { force: true });
    return;
  }
  try {
    if ((await readText(lockPath)) === staleText) {
      await rm(lockPath, { force: true });
      await fsyncDir(dirname(lockPath));
    }
  } finally {
    await rm(guard, { force: true });
  }
}

function heldError(resource: string, holder: LockInfo): GadugiError {
  return new GadugiError("GADUGI_LOCK_HELD", {
    resource,
    pid: holder.pid,
    host: holder.host,
    since: holder.since,
  });
}

/**
 * Takes the lock file at `lockPath` (its directory is created). Held by a live process: waits
 * when `wait` is given, else throws GADUGI_LOCK_HELD naming the holder's pid, host and start
 * time. Held by a process of this host that no longer exists (or whose pid now belongs to a
 * process that started at another time): taken over. Held from another host: treated as live,
 * since its process cannot be checked from here.
 */
export async function acquireLock(lockPath: string, options: LockOptions): Promise<LockHandle> {
  const { resource, wait, signal } = options;
  const started = Date.now();
  const interval = Math.max(1, wait?.intervalMs ?? 100);
  const operation = `waiting for the lock on ${resource}`;
  try {
    await mkdir(dirname(lockPath), { recursive: true });
  } catch (error) {
    throw ioError("create the directory of", lockPath, error);
  }
  for (;;) {
    if (signal?.aborted) throw abortedError(signal, operation);
    const info: LockInfo = {
      ...selfInfo(),
      resource,
      token: randomHex(8),
    };
    let created: boolean;
    try {
      created = await createExclusive(lockPath, `${JSON.stringify(info, null, 2)}\n`);
    } catch (error) {
      throw ioError("create", lockPath, error);
    }
    if (created) {
      await fsyncDir(dirname(lockPath));
      return lockHandle(lockPath, info);
    }
    const holder = await inspect(lockPath);
    if (holder.kind === "gone") continue;
    if (holder.kind === "stale") {
      await breakStale(lockPath, holder.text);
      await sleep(10, signal, operation);
      continue;
    }
    const elapsed = Date.now() - started;
    if (wait === undefined || elapsed >= wait.timeoutMs) throw heldError(resource, holder.info);
    await sleep(Math.min(interval, wait.timeoutMs - elapsed), signal, operation);
  }
}

function lockHandle(path: string, info: LockInfo): LockHandle {
  let released = false;
  return {
    path,
    info,
    get released() {
      return released;
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readText(path).catch(() => undefined);
      if (current !== undefined && parseLockInfo(current)?.token === info.token) {
        await rm(path, { force: true });
      }
    },
  };
}

/** Runs `fn` while holding the lock and releases it afterwards, also when `fn` throws. */
export async function withLock<T>(
  lockPath: string,
  options: LockOptions,
  fn: (lock: LockHandle) => Promise<T> | T,
): Promise<T> {
  const lock = await acquireLock(lockPath, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
