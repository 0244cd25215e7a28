import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isProcessAlive } from "@gadugi/state";
import { useTempDirs, waitFor } from "@gadugi/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessRegistryFile } from "./registry.js";
import { installShutdownHandlers, type ShutdownInfo, type SignalSource } from "./shutdown.js";

const temp = useTempDirs();
const leftovers: number[] = [];
const fixture = fileURLToPath(new URL("../test/fixtures/sigint-orchestrator.mjs", import.meta.url));
const built = fileURLToPath(new URL("../dist/index.js", import.meta.url));

afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

function fakeProcess() {
  return new EventEmitter() as EventEmitter & SignalSource;
}

describe("installShutdownHandlers", () => {
  it("aborts, waits for the run to settle, then hands over 130 for SIGINT", async () => {
    const source = fakeProcess();
    const controller = new AbortController();
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const run = new Promise<void>((resolve) => {
      release = resolve;
    });
    controller.signal.addEventListener("abort", () => {
      calls.push(`aborted: ${controller.signal.reason}`);
      setTimeout(() => {
        calls.push("settled");
        release();
      }, 20);
    });
    const done = new Promise<ShutdownInfo>((resolve) => {
      installShutdownHandlers(controller, {
        source,
        settle: () => run,
        onStopping: ({ signal }) => calls.push(`stopping on ${signal}`),
        onSignal: (info) => resolve(info),
      });
    });
    source.emit("SIGINT", "SIGINT");
    expect(await done).toEqual({ signal: "SIGINT", exitCode: 130, settled: true });
    expect(calls).toEqual(["stopping on SIGINT", "aborted: received SIGINT", "settled"]);
  });

  it("reports 143 for SIGTERM, gives up waiting after the bound, and forces on a second signal", async () => {
    const source = fakeProcess();
    const controller = new AbortController();
    const forced: number[] = [];
    const done = new Promise<ShutdownInfo>((resolve) => {
      installShutdownHandlers(controller, {
        source,
        settle: () => new Promise(() => undefined),
        settleTimeoutMs: 50,
        onSignal: resolve,
        onForce: ({ exitCode }) => forced.push(exitCode),
      });
    });
    source.emit("SIGTERM", "SIGTERM");
    source.emit("SIGINT", "SIGINT");
    expect(forced).toEqual([130]);
    expect(await done).toEqual({ signal: "SIGTERM", exitCode: 143, settled: false });
  });

  it("removes its handlers when uninstalled", () => {
    const source = fakeProcess();
    const uninstall = installShutdownHandlers(new AbortController(), { source });
    expect(source.listenerCount("SIGINT")).toBe(1);
    uninstall();
    expect(source.listenerCount("SIGINT")).toBe(0);
    expect(source.listenerCount("SIGTERM")).toBe(0);
  });

  it.runIf(existsSync(built) && process.platform !== "win32")(
    "SIGINT to an orchestrator process stops every agent, records them killed and exits 130",
    async () => {
      const root = temp.dir();
      const runDir = join(root, "run");
      const worktree = join(root, "wt");
      const pidDir = join(root, "pids");
      mkdirSync(worktree, { recursive: true });
      mkdirSync(pidDir, { recursive: true });
      writeFileSync(join(worktree, "prompt.md"), "wait\n");
      const child = spawn(process.execPath, [fixture, runDir, worktree, pidDir], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (child.pid) leftovers.push(child.pid);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

      // Two agents run (maxParallel 2), each with a grandchild; the third task is queued.
      await waitFor(() => readdirSync(pidDir).length === 2, 15_000);
      await waitFor(() => {
        try {
          const file = ProcessRegistryFile.parse(
            JSON.parse(readFileSync(join(runDir, "processes.json"), "utf8")),
          );
          return file.processes.length === 2;
        } catch {
          return false;
        }
      }, 5000);
      const pids = readdirSync(pidDir).flatMap(
        (f) => JSON.parse(readFileSync(join(pidDir, f), "utf8")) as number[],
      );
      leftovers.push(...pids);
      expect(pids.every(isProcessAlive)).toBe(true);

      child.kill("SIGINT");
      const code = await exited;
      expect(code, stderr).toBe(130);
      await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), 5000);

      const file = ProcessRegistryFile.parse(
        JSON.parse(readFileSync(join(runDir, "processes.json"), "utf8")),
      );
      expect(file.processes.map((p) => p.status)).toEqual(["killed", "killed"]);
      const lines = stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.at(-1)).toEqual({ signal: "SIGINT", exitCode: 130, settled: true, status: "cancelled" });
      const finalStatus = (taskId: string) =>
        lines.filter((l) => l.type === "task.status" && l.taskId === taskId).at(-1)?.status;
      expect(["a", "b", "c"].map(finalStatus)).toEqual(["cancelled", "cancelled", "cancelled"]);
    },
    30_000,
  );
});
