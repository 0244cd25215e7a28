import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive, processStartTicks } from "@gadugi/state";
import { useTempDirs } from "@gadugi/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { parseStatTicks, parseStatusRss, readProcUsage } from "./proc.js";
import { ProcessRegistry, ProcessRegistryFile } from "./registry.js";

const temp = useTempDirs();
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function sleeper(ms = 60_000): ChildProcess {
  const child = spawn(process.execPath, ["-e", `setTimeout(() => {}, ${ms})`], { stdio: "ignore" });
  children.push(child);
  return child;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once("exit", resolve));
}

function readFile(path: string): ProcessRegistryFile {
  return ProcessRegistryFile.parse(JSON.parse(readFileSync(path, "utf8")));
}

describe("ProcessRegistry", () => {
  it("writes a start and an exit at once, with the command's secrets redacted", async () => {
    const runDir = temp.dir();
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1", debounceMs: 60_000 });
    const child = sleeper();
    const handle = await registry.register({
      taskId: "task-a",
      pid: child.pid as number,
      command: [
        "agent",
        "--api-key",
        "plain-secret",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "GITHUB_TOKEN=secret-value-1",
      ],
      cwd: "/tmp/worktree",
      logFile: join(runDir, "logs", "task-a.log"),
    });
    let file = readFile(registry.path);
    expect(registry.path).toBe(join(runDir, "processes.json"));
    expect(file.runId).toBe("run-1");
    expect(file.processes).toHaveLength(1);
    expect(file.processes[0]).toMatchObject({
      taskId: "task-a",
      pid: child.pid,
      status: "running",
      cwd: "/tmp/worktree",
    });
    expect(JSON.stringify(file.processes[0]?.command)).not.toMatch(/plain-secret|abcdefghij|secret-value-1/);

    handle.output("line one\nworking on src/a.ts\n");
    // Output is batched (debounce of a minute here): not on disk yet, but in memory.
    expect(readFile(registry.path).processes[0]?.lastOutput).toBeUndefined();
    expect(registry.find("task-a")?.lastOutput).toBe("working on src/a.ts");

    child.kill("SIGTERM");
    await exited(child);
    await handle.exit({ exitCode: null, signal: "SIGTERM", status: "killed" });
    file = readFile(registry.path);
    expect(file.processes[0]).toMatchObject({
      status: "killed",
      signal: "SIGTERM",
      exitCode: null,
      lastOutput: "working on src/a.ts",
    });
    expect(file.processes[0]?.endedAt).toBeDefined();
    await registry.close();
  });

  it("truncates the last output and batches output writes", async () => {
    const registry = await ProcessRegistry.open(temp.dir(), {
      runId: "r",
      debounceMs: 20,
      lastOutputChars: 10,
    });
    const child = sleeper();
    const handle = await registry.register({
      taskId: "t",
      pid: child.pid as number,
      command: ["x"],
      cwd: "/",
      logFile: "/l",
    });
    handle.output("a very long line of output that goes on");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(readFile(registry.path).processes[0]?.lastOutput).toBe("…t goes on");
    await registry.close();
  });

  it("keeps a long-silent process running while its pid lives, and says how long it has been silent", async () => {
    let clock = Date.now();
    const registry = await ProcessRegistry.open(temp.dir(), { runId: "r", now: () => clock });
    const child = sleeper();
    const handle = await registry.register({
      taskId: "quiet",
      pid: child.pid as number,
      command: ["x"],
      cwd: "/",
      logFile: "/l",
    });
    handle.output("thinking...");
    clock += 10 * 60_000; // ten minutes without a line: the seed would have declared it dead after two
    const [live] = registry.liveness();
    expect(live).toMatchObject({
      taskId: "quiet",
      alive: true,
      status: "running",
      summary: "running, silent for 600s (process alive)",
    });
    expect(live?.silentForMs).toBe(600_000);
    await registry.sample();
    expect(registry.find("quiet")?.status).toBe("running");
    await registry.close();
  });

  it("reconcile() on load marks entries whose pid is gone as lost and leaves live ones running", async () => {
    const runDir = temp.dir();
    const first = await ProcessRegistry.open(runDir, { runId: "r" });
    const dead = sleeper();
    const alive = sleeper();
    await first.register({
      taskId: "dead",
      pid: dead.pid as number,
      command: ["x"],
      cwd: "/",
      logFile: "/l",
    });
    await first.register({
      taskId: "alive",
      pid: alive.pid as number,
      command: ["x"],
      cwd: "/",
      logFile: "/l",
    });
    // The orchestrator crashes: nobody records an exit. One of its agents dies meanwhile.
    dead.kill("SIGKILL");
    await exited(dead);
    expect(isProcessAlive(dead.pid as number)).toBe(false);

    const resumed = await ProcessRegistry.open(runDir, { runId: "r" });
    expect(resumed.list().map((r) => r.status)).toEqual(["running", "running"]);
    const changed = await resumed.reconcile();
    expect(changed.map((r) => r.taskId)).toEqual(["dead"]);
    const file = readFile(join(runDir, "processes.json"));
    expect(file.processes.map((r) => [r.taskId, r.status])).toEqual([
      ["dead", "lost"],
      ["alive", "running"],
    ]);
    await first.close();
    await resumed.close();
  });

  it.runIf(process.platform === "linux")("samples CPU and RSS of the process tree from /proc", async () => {
    const busy = spawn(
      process.execPath,
      ["-e", "const end = Date.now() + 5000; while (Date.now() < end) {}"],
      { stdio: "ignore" },
    );
    children.push(busy);
    const registry = await ProcessRegistry.open(temp.dir(), { runId: "r", sampleIntervalMs: 0 });
    await registry.register({
      taskId: "busy",
      pid: busy.pid as number,
      command: ["x"],
      cwd: "/",
      logFile: "/l",
    });
    await registry.sample();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await registry.sample();
    const record = registry.find("busy");
    expect(record?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(record?.cpuPercent).toBeGreaterThan(20);
    await registry.close();
  });

  it("parses /proc stat and status text", async () => {
    expect(parseStatTicks("42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0")).toBe(
      300,
    );
    expect(parseStatusRss("Name:\tnode\nVmRSS:\t   51200 kB\n")).toBe(51200 * 1024);
    expect(await readProcUsage(2 ** 22 + 12345)).toBeUndefined();
  });

  it("records each process's start time and stops only the process groups that still are the registered ones", async () => {
    const runDir = temp.dir();
    const first = await ProcessRegistry.open(runDir, { runId: "r" });
    // A test command's group: the shell leads it, its sleep is a member.
    const group = spawn("sh", ["-c", "sleep 60 & echo $!; wait"], {
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(group);
    const member = Number(
      await new Promise<string>((resolve) => group.stdout?.once("data", (d) => resolve(String(d)))),
    );
    await first.register({
      taskId: "t",
      pid: group.pid as number,
      command: ["sh"],
      cwd: "/",
      purpose: "test",
      logFile: "/l",
    });
    // A pid the registry recorded long ago now belongs to an unrelated live process (another
    // group leader, so a kill without the check would hit it).
    const unrelated = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], {
      detached: true,
      stdio: "ignore",
    });
    children.push(unrelated);
    const ticks = processStartTicks(unrelated.pid as number);
    await first.register({
      taskId: "old",
      pid: unrelated.pid as number,
      command: ["agent"],
      cwd: "/",
      logFile: "/l",
      ...(ticks === undefined ? {} : { startTicks: ticks + 1 }),
    });
    const dead = sleeper();
    await first.register({
      taskId: "dead",
      pid: dead.pid as number,
      command: ["x"],
      cwd: "/",
      logFile: "/l",
    });
    dead.kill("SIGKILL");
    await exited(dead);
    if (process.platform === "linux") {
      expect(readFile(first.path).processes[0]?.startTicks).toBe(processStartTicks(group.pid as number));
      expect(first.liveness().map((l) => [l.taskId, l.alive])).toEqual([
        ["t", true],
        ["old", false],
        ["dead", false],
      ]);
    }

    await first.close();
    // The orchestrator is gone; cancel (or a resume) opens the registry and stops what is left.
    const later = await ProcessRegistry.open(runDir, { runId: "r" });
    const stopped = await later.stop();
    expect(stopped.killed.map((r) => r.taskId)).toEqual(["t"]);
    await exited(group);
    expect(await waitUntilGone(member)).toBe(true);
    if (process.platform === "linux") {
      expect(stopped.gone.map((r) => r.taskId)).toEqual(["old", "dead"]);
      expect(isProcessAlive(unrelated.pid as number)).toBe(true);
    }
    expect(readFile(later.path).processes.map((r) => r.status)).toEqual(
      process.platform === "linux" ? ["killed", "lost", "lost"] : ["killed", "killed", "lost"],
    );
    expect((await later.stop()).killed).toEqual([]);
    await later.close();
  });
});

/** Gone or a zombie (killed, waiting for a parent that may never reap it). */
function isGone(pid: number): boolean {
  if (!isProcessAlive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
  } catch {
    return !isProcessAlive(pid);
  }
}

async function waitUntilGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !isGone(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
  return isGone(pid);
}
