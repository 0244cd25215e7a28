import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RunState } from "@gadugi/interfaces";
import { startRedis, type TestRedis, useTempDirs, waitFor } from "@gadugi/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gadugiBin, hosts, journal, line, prompt, startWorker } from "./queue-hosts.js";
import { runCli } from "./run-cli.js";

const temp = useTempDirs();
let redis: TestRedis;
const processes: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(() => {
  for (const p of processes.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

const threeTasks = {
  "alpha.md": prompt("Alpha", [{ file: "src/alpha.js", mode: "create", body: line("alpha") }]),
  "beta.md": prompt("Beta", [{ file: "src/beta.js", mode: "create", body: line("beta") }]),
  "gamma.md": prompt("Gamma", [{ file: "src/gamma.js", mode: "create", body: line("gamma") }]),
};

function orchestrator(cwd: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [gadugiBin, ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: "1", CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  processes.push(child);
  return child;
}

/** The tasks the sample agent implemented, one entry per implementation run. */
function implementations(agentLog: string): string[] {
  return readFileSync(agentLog, "utf8")
    .split("\n")
    .filter((title) => title.startsWith("Task: "))
    .sort();
}

const started = (log: string) => (log.match(/: task \S+ of run \S+ started/g) ?? []).length;

describe("a queued run across orchestrator crashes and cancellation", () => {
  it("resume re-attaches to jobs in flight and collects those that finished, running no task twice", async () => {
    const h = await hosts(temp, threeTasks, 3000);
    const worker = startWorker(processes, redis.url, temp.dir("gadugi-host-a-"), h.env, 3);
    await waitFor(() => worker.log().includes("worker "), 20_000, "the worker did not start");
    const first = orchestrator(h.repo.dir, ["run", "prompts/*.md", "--queue", redis.url], h.env);
    await waitFor(() => started(worker.log()) === 3, 30_000, "the worker did not take all three jobs");
    first.kill("SIGKILL");
    // One job finishes while nobody waits for it; the others are still running at the resume.
    await waitFor(() => /finished/.test(worker.log()), 20_000, "no job finished");
    const [runId] = readdirSync(join(h.repo.dir, ".gadugi", "runs"));
    const resumed = await runCli(h.repo.dir, ["resume", runId as string], { env: h.env });
    expect(resumed.code, resumed.stdout + resumed.stderr + worker.log()).toBe(0);

    const state = RunState.parse(
      JSON.parse(readFileSync(join(h.repo.dir, ".gadugi", "runs", runId!, "state.json"), "utf8")),
    );
    expect(Object.values(state.merges).map((m) => m.status)).toEqual(["merged", "merged", "merged"]);
    // The resume found the run's queue by itself (no password), and every job by its id.
    const notes = journal(h.repo.dir, runId!)
      .filter((e) => e.type === "warning")
      .map((e) => (e as { message: string }).message);
    expect(notes.filter((m) => /was (still in flight|already done)/.test(m))).toHaveLength(3);
    // Three jobs, three implementations: nothing ran twice.
    expect(started(worker.log())).toBe(3);
    expect(implementations(h.env.GADUGI_SAMPLE_AGENT_LOG as string)).toEqual([
      "Task: Alpha",
      "Task: Beta",
      "Task: Gamma",
    ]);
  }, 90_000);

  it("gadugi cancel reaches the workers: their agents are stopped and the jobs end cancelled", async () => {
    const h = await hosts(temp, threeTasks, 60_000);
    const worker = startWorker(processes, redis.url, temp.dir("gadugi-host-a-"), h.env, 3);
    await waitFor(() => worker.log().includes("worker "), 20_000, "the worker did not start");
    const run = orchestrator(h.repo.dir, ["run", "prompts/*.md", "--queue", redis.url], h.env);
    const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)));
    await waitFor(() => started(worker.log()) === 3, 30_000, "the worker did not take all three jobs");
    const [runId] = readdirSync(join(h.repo.dir, ".gadugi", "runs"));
    const at = Date.now();
    const cancel = await runCli(h.repo.dir, ["cancel", runId as string], { env: h.env });
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
    expect(await exited).not.toBe(0);
    // Long before the agents' 60 s of work: they were stopped.
    expect(Date.now() - at).toBeLessThan(30_000);
    await waitFor(
      () => (worker.log().match(/finished \(cancelled\)/g) ?? []).length === 3,
      20_000,
      `jobs not cancelled: ${worker.log()}`,
    );
    const state = RunState.parse(
      JSON.parse(readFileSync(join(h.repo.dir, ".gadugi", "runs", runId!, "state.json"), "utf8")),
    );
    expect(state.status).toBe("cancelled");
    expect(Object.values(state.tasks).map((t) => t.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
  }, 90_000);
  it("gadugi cancel of a run whose orchestrator is gone still stops its jobs on the workers", async () => {
    const h = await hosts(temp, threeTasks, 60_000);
    const worker = startWorker(processes, redis.url, temp.dir("gadugi-host-a-"), h.env, 3);
    await waitFor(() => worker.log().includes("worker "), 20_000, "the worker did not start");
    const run = orchestrator(h.repo.dir, ["run", "prompts/*.md", "--queue", redis.url], h.env);
    await waitFor(() => started(worker.log()) === 3, 30_000, "the worker did not take all three jobs");
    run.kill("SIGKILL");
    const [runId] = readdirSync(join(h.repo.dir, ".gadugi", "runs"));
    const cancel = await runCli(h.repo.dir, ["cancel", runId as string], { env: h.env });
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`cancelled its jobs on ${redis.url}`);
    await waitFor(
      () => (worker.log().match(/finished \(cancelled\)/g) ?? []).length === 3,
      20_000,
      `jobs not cancelled: ${worker.log()}`,
    );
  }, 90_000);
  it("waits with a warning while Redis is away mid-run and finishes when it is back", async () => {
    const own = await startRedis({ persist: true });
    try {
      const h = await hosts(temp, threeTasks, 3000);
      const worker = startWorker(processes, own.url, temp.dir("gadugi-host-a-"), h.env, 3);
      await waitFor(() => worker.log().includes("worker "), 20_000, "the worker did not start");
      const run = orchestrator(h.repo.dir, ["run", "prompts/*.md", "--queue", own.url], h.env);
      let output = "";
      run.stderr?.on("data", (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)));
      await waitFor(() => started(worker.log()) === 3, 30_000, "the worker did not take all three jobs");
      await own.kill();
      await waitFor(() => /unreachable/.test(output), 10_000, `no warning: ${output}`);
      await own.restart();
      expect(await exited, output + worker.log()).toBe(0);
      const [runId] = readdirSync(join(h.repo.dir, ".gadugi", "runs"));
      const notes = journal(h.repo.dir, runId as string)
        .filter((e) => e.type === "warning")
        .map((e) => (e as { message: string }).message);
      expect(notes.some((m) => /is unreachable .*waiting for it/.test(m))).toBe(true);
      expect(notes.some((m) => /is reachable again/.test(m))).toBe(true);
    } finally {
      await own.stop();
    }
  }, 90_000);
});
