import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createProcessRunner, labelledRunner } from "@gadugi/git";
import { processStartTicks } from "@gadugi/state";
import { useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { registeringRunner } from "./registering-runner.js";
import { ProcessRegistry, ProcessRegistryFile } from "./registry.js";

const temp = useTempDirs();

function onDisk(registry: ProcessRegistry): ProcessRegistryFile["processes"] {
  if (!existsSync(registry.path)) return [];
  return ProcessRegistryFile.parse(JSON.parse(readFileSync(registry.path, "utf8"))).processes;
}

async function setup() {
  const runDir = temp.dir();
  const registry = await ProcessRegistry.open(runDir, { runId: "r", sampleIntervalMs: 0 });
  const errors: unknown[] = [];
  const runner = registeringRunner(registry, {
    runner: createProcessRunner(),
    onError: (error) => errors.push(error),
  });
  return { runDir, registry, runner, errors };
}

describe("registeringRunner", () => {
  it("registers a running command with task, purpose, start time, cwd and log, then its exit", async () => {
    const { runDir, registry, runner, errors } = await setup();
    const cwd = temp.dir();
    const log = join(runDir, "logs", "t1.log");
    const setupRunner = labelledRunner(runner, { taskId: "t1", purpose: "setup", logFile: log });
    let pid = 0;
    const running = setupRunner.run("sh", ["-c", "echo installing; sleep 1"], {
      cwd,
      onSpawn: (p) => {
        pid = p;
      },
    });
    await waitFor(() => onDisk(registry).length === 1, 5000, "never registered", 20);
    const [record] = onDisk(registry);
    expect(record).toMatchObject({
      taskId: "t1",
      purpose: "setup",
      status: "running",
      cwd,
      logFile: log,
      pid,
    });
    expect(record?.command).toEqual(["sh", "-c", "echo installing; sleep 1"]);
    if (process.platform === "linux") expect(record?.startTicks).toBe(processStartTicks(pid));
    await running;
    expect(onDisk(registry)[0]).toMatchObject({ status: "exited", exitCode: 0, lastOutput: "installing" });
    expect(errors).toEqual([]);
    await registry.close();
  });

  it("records a timed-out or failing command's end, and does not register git calls", async () => {
    const { registry, runner } = await setup();
    const cwd = temp.dir();
    const timedOut = await runner.run("sh", ["-c", "sleep 30"], {
      cwd,
      reject: false,
      timeoutMs: 100,
      killGraceMs: 100,
      label: { taskId: "t2", purpose: "test" },
    });
    expect(timedOut.timedOut).toBe(true);
    await expect(runner.run("sh", ["-c", "exit 3"], { cwd })).rejects.toMatchObject({
      code: "GADUGI_COMMAND_FAILED",
    });
    await runner.run("git", ["--version"], { cwd });
    expect(onDisk(registry).map((r) => [r.taskId, r.purpose, r.status, r.exitCode])).toEqual([
      ["t2", "test", "killed", null],
      ["run", "command", "exited", 3],
    ]);
    // Over a plain runner it says so, so a git client may run git its own way.
    expect(runner.plainGit).toBe(true);
    await registry.close();
  });
});
