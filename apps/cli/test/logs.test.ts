import { execFile, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));
const temp = useTempDirs();

async function gadugi(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** A repository with runs under .gadugi/runs; `ageSec` sets the run directory's mtime in the past. */
function writeRun(repo: string, runId: string, logs: Record<string, string>, ageSec = 0) {
  const runDir = join(repo, ".gadugi", "runs", runId);
  mkdirSync(join(runDir, "logs"), { recursive: true });
  for (const [taskId, text] of Object.entries(logs))
    writeFileSync(join(runDir, "logs", `${taskId}.log`), text);
  const when = new Date(Date.now() - ageSec * 1000);
  utimesSync(runDir, when, when);
  return runDir;
}

describe("gadugi logs", () => {
  it("prints a task's log from the latest run that has it", async () => {
    const repo = temp.dir();
    writeRun(repo, "run-old", { "task-a": "old output\n" }, 600);
    writeRun(repo, "run-new", { "task-a": "[gadugi] start\nnew output\n", "task-b": "b\n" });
    const { stdout, stderr, code } = await gadugi(["logs", "task-a", "--cwd", repo]);
    expect(code).toBe(0);
    expect(stdout).toBe("[gadugi] start\nnew output\n");
    expect(stderr).toContain("==> run run-new, task task-a");
  });

  it("takes --run, a slug from the journal, or a unique part of the id; finds the repo from a subdirectory", async () => {
    const repo = temp.dir();
    const oldRun = writeRun(repo, "run-old", { "task-20260101-100000-abcd": "the old one\n" }, 600);
    writeRun(repo, "run-new", { "task-20260101-100000-abcd": "the new one\n" });
    writeFileSync(
      join(oldRun, "events.jsonl"),
      `${JSON.stringify({ seq: 1, at: "x", runId: "run-old", type: "task.added", task: { id: "task-20260101-100000-abcd", slug: "add-login" } })}\n`,
    );
    // Writing the journal touched the old run's directory: make it old again.
    const past = new Date(Date.now() - 600_000);
    utimesSync(oldRun, past, past);
    const sub = join(repo, "src", "deep");
    mkdirSync(sub, { recursive: true });
    expect((await gadugi(["logs", "add-login", "--run", "run-old", "--cwd", sub])).stdout).toBe(
      "the old one\n",
    );
    expect((await gadugi(["logs", "abcd", "--cwd", repo])).stdout).toBe("the new one\n");
  });

  it("prints the normalized events with --json", async () => {
    const repo = temp.dir();
    const runDir = writeRun(repo, "run-1", { "task-a": "raw\n" });
    const events = `${JSON.stringify({ type: "started", at: "t", pid: 1 })}\n${JSON.stringify({ type: "finished", at: "t", outcome: "ok", exitCode: 0 })}\n`;
    writeFileSync(join(runDir, "logs", "task-a.events.jsonl"), events);
    const { stdout, code } = await gadugi(["logs", "task-a", "--json", "--cwd", repo]);
    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).type),
    ).toEqual(["started", "finished"]);
  });

  it("names the known tasks when the task has no log, and says when there is no run", async () => {
    const repo = temp.dir();
    writeRun(repo, "run-1", { "task-a": "a\n", "task-b": "b\n" });
    const missing = await gadugi(["logs", "task-zzz", "--run", "run-1", "--cwd", repo]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("GADUGI_INVALID_ARGUMENT");
    expect(missing.stderr).toContain("task-a, task-b");

    const noRun = await gadugi(["logs", "task-a", "--run", "run-9", "--cwd", repo]);
    expect(noRun.code).toBe(5);
    expect(noRun.stderr).toContain("GADUGI_RUN_NOT_FOUND");
    const empty = await gadugi(["logs", "task-a", "--cwd", temp.dir()]);
    expect(empty.stderr).toContain("GADUGI_RUN_NOT_FOUND");
  });

  it("--follow prints what is appended while the run is active and stops when it ends", async () => {
    const repo = temp.dir();
    const runDir = writeRun(repo, "run-live", { "task-a": "line 1\n" });
    const lock = join(runDir, "lock");
    writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
    );
    const log = join(runDir, "logs", "task-a.log");

    const child = spawn(process.execPath, [bin, "logs", "task-a", "--follow", "--cwd", repo], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitFor(() => out === "line 1\n", 10_000);
      appendFileSync(log, "line 2\n");
      await waitFor(() => out === "line 1\nline 2\n", 10_000);
      appendFileSync(log, "line 3 ünïcode\n");
      rmSync(lock); // the run ends
      expect(await exited).toBe(0);
      expect(out).toBe("line 1\nline 2\nline 3 ünïcode\n");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
