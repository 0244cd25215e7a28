import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentConfigInput, AgentEvent, AgentRunRequestInput } from "@gadugi/interfaces";
import { isProcessAlive } from "@gadugi/state";
import { createFakeAgent, useTempDirs, waitFor } from "@gadugi/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessRegistry } from "./registry.js";
import { agentOutcome, createAgentExecutor, type ProcessEvent, runAgentTask } from "./run-agent-task.js";
import { Scheduler } from "./scheduler.js";

const temp = useTempDirs();
const leftovers: number[] = [];

afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

function setup() {
  const root = temp.dir();
  const runDir = join(root, ".gadugi", "runs", "run-1");
  const worktree = join(root, "wt");
  const promptFile = join(root, "prompt.md");
  writeFileSync(promptFile, "do it\n");
  mkdirSync(worktree, { recursive: true });
  const request = (taskId: string, agent: AgentConfigInput): AgentRunRequestInput => ({
    runId: "run-1",
    taskId,
    worktree,
    prompt: "do it",
    promptFile,
    agent,
    logFile: join(runDir, "logs", `${taskId}.log`),
    eventsFile: join(runDir, "logs", `${taskId}.events.jsonl`),
  });
  return { root, runDir, worktree, request };
}

/** A node script that starts a long-lived child (same process group), writes both pids, then waits. */
function treeScript(pidFile: string, printFirst: boolean): string[] {
  const code = [
    "const { spawn } = require('node:child_process');",
    "const fs = require('node:fs');",
    `const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });`,
    `fs.writeFileSync(${JSON.stringify(pidFile)}, JSON.stringify([process.pid, child.pid]));`,
    printFirst ? "console.log('started work');" : "",
    "setTimeout(() => {}, 60000);",
  ].join("\n");
  return [process.execPath, "-e", code];
}

describe("runAgentTask", () => {
  it("registers the agent process, tracks its output and records its exit", async () => {
    const { runDir, request } = setup();
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1" });
    const processEvents: ProcessEvent[] = [];
    const agentEvents: AgentEvent[] = [];
    const result = await runAgentTask(
      request("task-a", {
        kind: "command",
        command: [process.execPath, "-e", "console.log('editing {task_id}'); setTimeout(() => {}, 200)"],
      }),
      { registry, onEvent: (e) => agentEvents.push(e), onProcessEvent: (e) => processEvents.push(e) },
    );
    expect(result).toMatchObject({ outcome: "ok", exitCode: 0 });
    const record = registry.find("task-a");
    expect(record).toMatchObject({
      pid: result.pid,
      status: "exited",
      exitCode: 0,
      lastOutput: "editing task-a",
      purpose: "implementation",
      logFile: join(runDir, "logs", "task-a.log"),
    });
    const onDisk = JSON.parse(readFileSync(join(runDir, "processes.json"), "utf8"));
    expect(onDisk.processes[0]).toMatchObject({ status: "exited", exitCode: 0 });
    expect(processEvents.map((e) => e.type)).toEqual(["process.started", "process.exited"]);
    expect(agentEvents[0]?.type).toBe("started");
    expect(agentEvents.at(-1)).toMatchObject({ type: "finished", outcome: "ok" });
    expect(agentOutcome(result)).toMatchObject({ status: "completed" });
    await registry.close();
  });

  it("replays a fake claude capture and records the agent's last output", async () => {
    const { root, runDir, request } = setup();
    const fake = createFakeAgent(join(root, "bin"), {
      name: "claude",
      capture: "claude-tool-allowed",
      delayMs: 5,
    });
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1" });
    const result = await runAgentTask(request("task-c", { kind: "claude", command: [fake.path] }), {
      registry,
    });
    expect(result.outcome).toBe("ok");
    expect(registry.find("task-c")).toMatchObject({ status: "exited", exitCode: 0 });
    expect(registry.find("task-c")?.lastOutput).toBeTruthy();
    await registry.close();
  });

  it("kills the whole process tree on a wall-clock timeout, leaving no orphan", async () => {
    const { root, runDir, request } = setup();
    const pidFile = join(root, "pids.json");
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1" });
    const result = await runAgentTask(
      request("task-t", { kind: "command", command: treeScript(pidFile, true) }),
      {
        registry,
        timeoutMs: 2500,
        agentOptions: { killGraceMs: 500 },
      },
    );
    const pids = JSON.parse(readFileSync(pidFile, "utf8")) as number[];
    leftovers.push(...pids);
    expect(result.outcome).toBe("timeout");
    expect(result.reason).toMatch(/wall-clock timeout/);
    await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), 3000);
    expect(registry.find("task-t")).toMatchObject({ status: "killed" });
    expect(agentOutcome(result)).toMatchObject({ status: "failed", transient: false });
    await registry.close();
  });

  it("kills a process tree that stays silent past the idle timeout", async () => {
    const { root, runDir, request } = setup();
    const pidFile = join(root, "pids.json");
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1" });
    const started = Date.now();
    const result = await runAgentTask(
      request("task-i", { kind: "command", command: treeScript(pidFile, true) }),
      {
        registry,
        timeoutMs: 30_000,
        idleTimeoutMs: 1500,
        agentOptions: { killGraceMs: 500 },
      },
    );
    const pids = JSON.parse(readFileSync(pidFile, "utf8")) as number[];
    leftovers.push(...pids);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.outcome).toBe("timeout");
    expect(result.reason).toMatch(/idle timeout/);
    await waitFor(() => pids.every((pid) => !isProcessAlive(pid)), 3000);
    expect(registry.find("task-i")).toMatchObject({ status: "killed", lastOutput: "started work" });
    await registry.close();
  });

  it("runs real agent processes through the scheduler: up to maxParallel at once, in dependency order", async () => {
    const { runDir, request } = setup();
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1" });
    let active = 0;
    let max = 0;
    const order: string[] = [];
    const executor = createAgentExecutor({
      registry,
      onProcessEvent: (e) => {
        if (e.type === "process.started") {
          active++;
          max = Math.max(max, active);
          order.push(`start ${e.taskId}`);
        } else {
          active--;
          order.push(`end ${e.taskId}`);
        }
      },
    });
    const sleeper = {
      kind: "command" as const,
      command: [process.execPath, "-e", "setTimeout(() => {}, 700)"],
    };
    const tasks = ["a", "b", "c", "d", "e"].map((id) => ({ id, payload: request(id, sleeper) as never }));
    tasks.push({
      id: "after",
      payload: request("after", sleeper) as never,
      dependencies: ["a", "b"],
    } as never);
    const result = await new Scheduler({ runId: "run-1", executor, maxParallel: 3 }).run(tasks);
    expect(result.status).toBe("completed");
    expect(max).toBe(3);
    expect(order.indexOf("start after")).toBeGreaterThan(
      Math.max(order.indexOf("end a"), order.indexOf("end b")),
    );
    expect(registry.list()).toHaveLength(6);
    expect(registry.list().every((r) => r.status === "exited" && r.exitCode === 0)).toBe(true);
    await registry.close();
  });

  it("retries an agent that failed with a rate limit, then succeeds", async () => {
    const { root, runDir, request } = setup();
    const marker = join(root, "first-call-done");
    const registry = await ProcessRegistry.open(runDir, { runId: "run-1" });
    const flaky = [
      "const fs = require('node:fs');",
      `if (!fs.existsSync(${JSON.stringify(marker)})) {`,
      `  fs.writeFileSync(${JSON.stringify(marker)}, '');`,
      "  console.error('API Error: 429 rate limit exceeded'); process.exit(1);",
      "}",
      "console.log('done');",
    ].join("\n");
    const scheduler = new Scheduler({
      runId: "run-1",
      executor: createAgentExecutor({ registry }),
      maxParallel: 2,
      retry: { maxAttempts: 3, initialDelayMs: 10, jitter: "none" },
    });
    const result = await scheduler.run([
      {
        id: "flaky",
        payload: request("flaky", { kind: "command", command: [process.execPath, "-e", flaky] }) as never,
      },
    ]);
    expect(result.tasks[0]).toMatchObject({ status: "completed", attempts: 2 });
    expect(registry.list().map((r) => [r.taskId, r.exitCode])).toEqual([
      ["flaky", 1],
      ["flaky", 0],
    ]);
    await registry.close();
  });
});
