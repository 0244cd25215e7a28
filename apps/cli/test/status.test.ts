import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WorkflowStateManager } from "@gadugi/state";
import { createTempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const temp = useTempDirs();
const cliDir = fileURLToPath(new URL("..", import.meta.url));
const bin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));

/**
 * A run whose orchestrator died as a kill -9 would leave it: a child process starts the run
 * (state "running", its lock and owner naming the child) and then SIGKILLs itself. Returns the
 * child's pid, which is dead (and reaped) once this returns.
 */
function crashedRun(repo: string, runId: string, taskCount = 2): number {
  const script = `
    const { WorkflowStateManager } = await import("@gadugi/state");
    const tasks = Array.from({ length: ${taskCount} }, (_, i) => ({
      id: "task-" + i, slug: "task-" + i, name: "Task " + i, promptFile: "prompts/" + i + ".md", description: "",
    }));
    await new WorkflowStateManager(${JSON.stringify(repo)}).createRun({ runId: ${JSON.stringify(runId)}, tasks });
    process.kill(process.pid, "SIGKILL");
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: cliDir });
  expect(child.signal, child.stderr.toString()).toBe("SIGKILL");
  return child.pid;
}

/** Runs the built CLI with one of its output pipes closed by the reader before the CLI writes; reads the other. */
function withClosedPipe(
  cwd: string,
  args: string[],
  closed: "stdout" | "stderr" = "stdout",
): Promise<{ output: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    child[closed].destroy();
    let output = "";
    child[closed === "stdout" ? "stderr" : "stdout"].on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ output, code }));
    child.stdin.end();
  });
}

describe("gadugi status tells the truth", () => {
  it("calls a run whose orchestrator was killed interrupted, with the resume command, in status and runs", async () => {
    const repo = temp.track(await createTempRepo());
    const pid = crashedRun(repo.dir, "run-crashed");

    const status = await runCli(repo.dir, ["status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `run run-crashed: interrupted: orchestrator pid ${pid} is gone — \`gadugi resume run-crashed\``,
    );
    expect(status.stdout).not.toContain("running (orchestrator pid");

    const json = JSON.parse((await runCli(repo.dir, ["status", "--json"])).stdout);
    expect(json).toMatchObject({ status: "running", interrupted: true, orchestratorAlive: false });

    const runs = await runCli(repo.dir, ["runs"]);
    expect(runs.stdout).toContain(
      `interrupted: orchestrator pid ${pid} is gone — \`gadugi resume run-crashed\``,
    );
    const runsJson = JSON.parse((await runCli(repo.dir, ["runs", "--json"])).stdout);
    expect(runsJson).toMatchObject([
      { runId: "run-crashed", status: "running", interrupted: true, orchestratorAlive: false },
    ]);
  });

  it("still calls a run running while its orchestrator holds the lock", async () => {
    const repo = temp.track(await createTempRepo());
    const manager = new WorkflowStateManager(repo.dir);
    await manager.createRun({ runId: "run-live" });
    try {
      const status = await runCli(repo.dir, ["status"]);
      expect(status.stdout).toContain(`run run-live: running (orchestrator pid ${process.pid} on `);
      const json = JSON.parse((await runCli(repo.dir, ["status", "--json"])).stdout);
      expect(json).toMatchObject({ status: "running", interrupted: false, orchestratorAlive: true });
      const runs = JSON.parse((await runCli(repo.dir, ["runs", "--json"])).stdout);
      expect(runs).toMatchObject([{ runId: "run-live", interrupted: false, orchestratorAlive: true }]);
    } finally {
      await manager.close();
    }
  });
});

describe("a closed output pipe", () => {
  it("ends every command quietly: no stack trace, exit 0", async () => {
    const repo = temp.track(await createTempRepo());
    crashedRun(repo.dir, "run-crashed", 50);
    for (const args of [["status"], ["status", "--json"], ["runs"], ["errors"], ["--help"]]) {
      const result = await withClosedPipe(repo.dir, args);
      expect(result.output, args.join(" ")).toBe("");
      expect(result.code, args.join(" ")).toBe(0);
    }
    // As a user would pipe it; pipefail makes the pipeline's status gadugi's own.
    for (const reader of ["head -1", "true"]) {
      const piped = spawnSync(
        "bash",
        [
          "-c",
          `set -o pipefail; "${process.execPath}" "${bin}" status --cwd "${repo.dir}" | ${reader}; echo "exit $?"`,
        ],
        { encoding: "utf8" },
      );
      expect(piped.stderr, reader).toBe("");
      expect(piped.stdout.trim().split("\n").at(-1), reader).toBe("exit 0");
    }
  });

  it("keeps a command's own exit code when stderr is closed as its error is printed", async () => {
    const result = await withClosedPipe(temp.dir(), ["status"], "stderr");
    expect(result.code).toBe(4); // GADUGI_NOT_A_GIT_REPO, not a crash
  });
});
