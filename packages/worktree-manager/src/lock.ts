import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { GadugiError, sleep } from "@gadugi/error-handling";
import { acquireLock, isProcessAlive, type LockHandle } from "@gadugi/state";

export interface RepoLockOptions {
  /** Named in GADUGI_LOCK_HELD. */
  resource: string;
  /** How long to wait for another process. Default 120 s: a large checkout can take a while. */
  timeoutMs?: number;
  /** Poll interval while another process holds it. Default 25 ms. */
  intervalMs?: number;
}

/** Longest a process keeps the file lock for its own queue before letting others have a turn. */
const MAX_HOLD_MS = 10_000;

interface LockState {
  /** The file lock, kept between queued callers of this process while nobody else waits. */
  handle?: LockHandle;
  heldSince: number;
  /** Callers of this process holding or waiting for the lock. */
  pending: number;
  /** Tail of the in-process queue. */
  tail: Promise<void>;
}

const states = new Map<string, LockState>();

/**
 * Runs `fn` holding the repository's worktree lock: an in-process queue first (concurrent promises
 * wait in order without polling any file), then @gadugi/state's cross-process file lock
 * (stale-pid takeover included).
 *
 * The file lock is handed from one queued caller of this process to the next without releasing
 * it, unless another process is waiting: waiters leave a marker in `<lock>.waiting/`, and the
 * holder then releases and pauses for a few poll intervals, so two busy processes take turns
 * instead of one starving the other.
 */
export async function withRepoLock<T>(
  lockPath: string,
  options: RepoLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  let state = states.get(lockPath);
  if (!state) {
    state = { heldSince: 0, pending: 0, tail: Promise.resolve() };
    states.set(lockPath, state);
  }
  const s = state;
  s.pending++;
  const previous = s.tail;
  let releaseQueue!: () => void;
  const mine = new Promise<void>((resolve) => {
    releaseQueue = resolve;
  });
  s.tail = previous.then(() => mine);
  await previous;
  const interval = options.intervalMs ?? 25;
  try {
    if (!s.handle) {
      s.handle = await acquireFair(lockPath, options, interval);
      s.heldSince = Date.now();
    }
    return await fn();
  } finally {
    s.pending--;
    if (s.handle) {
      const keep =
        s.pending > 0 && Date.now() - s.heldSince < MAX_HOLD_MS && !(await othersWaiting(lockPath));
      if (!keep) {
        const handle = s.handle;
        s.handle = undefined;
        await handle.release();
        // Someone else's turn: stay away for a few of their poll intervals.
        if (s.pending > 0) await sleep(interval * 3, undefined);
      }
    }
    releaseQueue();
    if (s.pending === 0 && !s.handle && states.get(lockPath) === s) states.delete(lockPath);
  }
}

function waitingDir(lockPath: string): string {
  return `${lockPath}.waiting`;
}

async function acquireFair(
  lockPath: string,
  options: RepoLockOptions,
  interval: number,
): Promise<LockHandle> {
  try {
    return await acquireLock(lockPath, { resource: options.resource });
  } catch (error) {
    if (!GadugiError.is(error, "GADUGI_LOCK_HELD")) throw error;
  }
  const marker = path.join(waitingDir(lockPath), `${process.pid}-${randomBytes(4).toString("hex")}`);
  await mkdir(path.dirname(marker), { recursive: true });
  await writeFile(marker, "");
  try {
    return await acquireLock(lockPath, {
      resource: options.resource,
      wait: { timeoutMs: options.timeoutMs ?? 120_000, intervalMs: interval },
    });
  } finally {
    await rm(marker, { force: true });
  }
}

/** Whether a live process other than this one waits for the lock (markers of dead ones are removed). */
async function othersWaiting(lockPath: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(waitingDir(lockPath));
  } catch {
    return false;
  }
  for (const name of names) {
    const pid = Number(name.split("-")[0]);
    if (pid === process.pid) continue;
    if (isProcessAlive(pid)) return true;
    await rm(path.join(waitingDir(lockPath), name), { force: true });
  }
  return false;
}
