import { readFile, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { GadugiError } from "@gadugi/error-handling";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  acquireLock,
  isLockHolderAlive,
  isProcessAlive,
  processStartTicks,
  readLock,
  withLock,
} from "./index.js";
import {
  cleanupTempDirs,
  compileForChild,
  deadPid,
  listFiles,
  runNode,
  tempDir,
} from "./test-helpers/index.js";

afterEach(cleanupTempDirs);

describe("acquireLock", () => {
  it("writes pid, host and since, and release removes the lock file", async () => {
    const dir = await tempDir();
    const path = join(dir, "runs", "r1", "lock");
    const lock = await acquireLock(path, { resource: "run r1" });
    const info = JSON.parse(await readFile(path, "utf8"));
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), resource: "run r1" });
    expect(Number.isNaN(Date.parse(info.since))).toBe(false);
    expect(await readLock(path)).toMatchObject({ pid: process.pid });
    await lock.release();
    await lock.release();
    expect(lock.released).toBe(true);
    expect(await listFiles(dir)).toEqual([]);
  });

  it("refuses a second handle while the first holds the lock, naming the holder", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const first = await acquireLock(path, { resource: "run r1" });
    const error = (await acquireLock(path, { resource: "run r1" }).catch(
      (e: unknown) => e,
    )) as GadugiError<"GADUGI_LOCK_HELD">;
    expect(GadugiError.is(error, "GADUGI_LOCK_HELD")).toBe(true);
    expect(error.args).toMatchObject({
      resource: "run r1",
      pid: process.pid,
      host: hostname(),
      since: first.info.since,
    });
    expect(error.message).toContain(String(process.pid));
    await first.release();
    const second = await acquireLock(path, { resource: "run r1" });
    await second.release();
  });

  it("lets only one of many concurrent acquirers win", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => acquireLock(path, { resource: "race" })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "fulfilled") await r.value.release();
    expect(await listFiles(dir)).toEqual([]);
  });

  it("waits for the holder to release when asked to, and times out otherwise", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const first = await acquireLock(path, { resource: "r" });
    await expect(
      acquireLock(path, { resource: "r", wait: { timeoutMs: 80, intervalMs: 10 } }),
    ).rejects.toMatchObject({ code: "GADUGI_LOCK_HELD" });
    setTimeout(() => void first.release(), 50);
    const second = await acquireLock(path, { resource: "r", wait: { timeoutMs: 5_000, intervalMs: 10 } });
    expect(second.info.pid).toBe(process.pid);
    await second.release();
  });

  it("stops waiting with GADUGI_ABORTED when the signal aborts", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const first = await acquireLock(path, { resource: "r" });
    const controller = new AbortController();
    setTimeout(() => controller.abort("shutting down"), 30);
    const error = await acquireLock(path, {
      resource: "r",
      wait: { timeoutMs: 10_000, intervalMs: 10 },
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(GadugiError.is(error, "GADUGI_ABORTED")).toBe(true);
    expect((error as Error).message).toContain("shutting down");
    await first.release();
  });

  it("takes over a lock left by a dead process on this host", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const pid = deadPid();
    expect(isProcessAlive(pid)).toBe(false);
    await writeFile(path, JSON.stringify({ pid, host: hostname(), since: "2020-01-01T00:00:00.000Z" }));
    const lock = await acquireLock(path, { resource: "r" });
    expect((await readLock(path))?.pid).toBe(process.pid);
    await lock.release();
    expect(await listFiles(dir)).toEqual([]);
  });

  it.runIf(process.platform === "linux")(
    "records the holder's start time, and takes over a live pid that started at another time (pid reuse)",
    async () => {
      const dir = await tempDir();
      const path = join(dir, "lock");
      const own = await acquireLock(path, { resource: "r" });
      const startTicks = processStartTicks(process.pid) as number;
      expect(startTicks).toBeGreaterThan(0);
      expect(own.info.startTicks).toBe(startTicks);
      expect((await readLock(path))?.startTicks).toBe(startTicks);
      expect(isLockHolderAlive(own.info)).toBe(true);
      await own.release();

      // A lock left before a reboot: its pid is now this (live, unrelated) process.
      const reused = { pid: process.pid, host: hostname(), since: "2020-01-01T00:00:00.000Z" };
      await writeFile(path, JSON.stringify({ ...reused, startTicks: startTicks + 1 }));
      expect(isLockHolderAlive({ ...reused, startTicks: startTicks + 1 })).toBe(false);
      const lock = await acquireLock(path, { resource: "r" });
      expect((await readLock(path))?.token).toBe(lock.info.token);
      await lock.release();
    },
  );

  it("still reads a lock without a start time and checks only its pid", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const old = { pid: process.pid, host: hostname(), since: "2020-01-01T00:00:00.000Z", token: "old" };
    await writeFile(path, JSON.stringify(old));
    expect(await readLock(path)).toEqual(old);
    expect(isLockHolderAlive(old)).toBe(true);
    await expect(acquireLock(path, { resource: "r" })).rejects.toMatchObject({ code: "GADUGI_LOCK_HELD" });
    expect(isLockHolderAlive({ ...old, pid: deadPid() })).toBe(false);
    expect(isLockHolderAlive({ ...old, pid: deadPid(), host: "elsewhere" })).toBe(true);
  });

  it("lets exactly one of many concurrent takers break a stale lock at a time", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: hostname(), since: "2020-01-01T00:00:00.000Z" }),
    );
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withLock(path, { resource: "r", wait: { timeoutMs: 10_000, intervalMs: 2 } }, async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(await listFiles(dir)).toEqual([]);
  });

  it("treats a lock from another host as held (its process cannot be checked)", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: "elsewhere", since: "2020-01-01T00:00:00.000Z" }),
    );
    await expect(acquireLock(path, { resource: "r" })).rejects.toMatchObject({
      code: "GADUGI_LOCK_HELD",
      args: { host: "elsewhere" },
    });
  });

  it("takes over an old unreadable lock file but not a fresh one", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    await writeFile(path, "");
    await expect(acquireLock(path, { resource: "r" })).rejects.toMatchObject({ code: "GADUGI_LOCK_HELD" });
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { resource: "r" });
    await lock.release();
  });

  it("does not remove a lock it no longer owns", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const lock = await acquireLock(path, { resource: "r" });
    const foreign = JSON.stringify({ pid: process.pid, host: hostname(), since: "x", token: "someone-else" });
    await writeFile(path, foreign);
    await lock.release();
    expect(await readFile(path, "utf8")).toBe(foreign);
  });
});

describe("withLock", () => {
  it("releases the lock when the function throws", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    await expect(
      withLock(path, { resource: "r" }, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await withLock(path, { resource: "r" }, (lock) => lock.info.pid)).toBe(process.pid);
    expect(await listFiles(dir)).toEqual([]);
  });
});

describe("acquireLock across processes", () => {
  let lockModule: string;
  let dispose: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    const compiled = await compileForChild();
    dispose = compiled.dispose;
    lockModule = pathToFileURL(join(compiled.dir, "lock.js")).href;
  }, 60_000);
  afterAll(() => dispose());

  /** A child that takes the lock, prints `locked <pid>`, and releases it when told `release`. */
  function holder(path: string) {
    return runNode(
      `import { acquireLock } from ${JSON.stringify(lockModule)};
       const lock = await acquireLock(process.argv[1], { resource: "shared", wait: { timeoutMs: 10000, intervalMs: 10 } });
       console.log("locked " + process.pid);
       process.stdin.on("data", async (d) => {
         if (String(d).includes("release")) { await lock.release(); console.log("released"); process.exit(0); }
       });`,
      [path],
    );
  }

  it("refuses the lock while another live process holds it, then gets it after release", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const child = holder(path);
    const line = await child.waitFor("locked ");
    const childPid = Number(line.split(" ")[1]);
    const error = (await acquireLock(path, { resource: "shared" }).catch(
      (e: unknown) => e,
    )) as GadugiError<"GADUGI_LOCK_HELD">;
    expect(error.code).toBe("GADUGI_LOCK_HELD");
    expect(error.args.pid).toBe(childPid);
    const waiting = acquireLock(path, { resource: "shared", wait: { timeoutMs: 10_000, intervalMs: 10 } });
    child.process.stdin?.write("release\n");
    const lock = await waiting;
    expect(lock.info.pid).toBe(process.pid);
    await lock.release();
    expect(await child.exited).toBe(0);
  }, 20_000);

  it("takes over from a holder that was killed", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const child = holder(path);
    await child.waitFor("locked ");
    await expect(acquireLock(path, { resource: "shared" })).rejects.toMatchObject({
      code: "GADUGI_LOCK_HELD",
    });
    child.process.kill("SIGKILL");
    await child.exited;
    const lock = await acquireLock(path, { resource: "shared" });
    expect(lock.info.pid).toBe(process.pid);
    await lock.release();
  }, 20_000);

  it("never lets two processes hold it at once, even when all race to take over a stale lock", async () => {
    const dir = await tempDir();
    const path = join(dir, "lock");
    const log = join(dir, "log.txt");
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: hostname(), since: "2020-01-01T00:00:00.000Z" }),
    );
    const children = Array.from({ length: 4 }, () =>
      runNode(
        `import { appendFileSync } from "node:fs";
         import { withLock } from ${JSON.stringify(lockModule)};
         const [path, log] = process.argv.slice(1);
         for (let i = 0; i < 3; i++) {
           await withLock(path, { resource: "shared", wait: { timeoutMs: 20000, intervalMs: 5 } }, async () => {
             appendFileSync(log, "enter " + process.pid + "\\n");
             await new Promise((r) => setTimeout(r, 15));
             appendFileSync(log, "exit " + process.pid + "\\n");
           });
         }
         console.log("done");`,
        [path, log],
      ),
    );
    for (const child of children) await child.waitFor("done", 30_000);
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(4 * 3 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, exit] = [lines[i] as string, lines[i + 1] as string];
      expect(enter.startsWith("enter ")).toBe(true);
      expect(exit).toBe(enter.replace("enter", "exit"));
    }
    expect(await listFiles(dir)).toEqual(["log.txt"]);
  }, 40_000);
});
