import type { ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RunState } from "@gadugi/interfaces";
import { startRedis, type TestRedis, useTempDirs, waitFor } from "@gadugi/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hosts, journal, line, prompt, startWorker } from "./queue-hosts.js";
import { runCli } from "./run-cli.js";

const temp = useTempDirs();
const PASSWORD = "queue-pass-7f3e";
let redis: TestRedis;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
});
afterAll(async () => {
  await redis.stop();
});
afterEach(() => {
  for (const w of workers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
});

describe("gadugi run --queue with gadugi workers", () => {
  it("runs a 12-task DAG with a shared file on two workers, survives a worker killed mid-task, merges every task once", async () => {
    const h = await hosts(
      temp,
      {
        // alpha, gamma and iota share src/alpha.js (declared): the plan runs them one after another.
        "alpha.md": prompt(
          "Alpha",
          [{ file: "src/alpha.js", mode: "create", body: line("alpha") }],
          "files: [src/alpha.js]",
        ),
        "beta.md": prompt("Beta", [{ file: "src/beta.js", mode: "create", body: line("beta") }]),
        "gamma.md": prompt(
          "Gamma",
          [{ file: "src/alpha.js", mode: "append", body: line("gamma") }],
          "depends_on: [alpha]\nfiles: [src/alpha.js]",
        ),
        "delta.md": prompt(
          "Delta",
          [
            { file: "src/delta.js", mode: "create", body: line("delta") },
            { file: "shared.txt", mode: "append", body: "delta line\n" },
          ],
          "files: [src/delta.js]",
        ),
        "epsilon.md": prompt(
          "Epsilon",
          [
            { file: "src/epsilon.js", mode: "create", body: line("epsilon") },
            { file: "shared.txt", mode: "append", body: "epsilon line\n" },
          ],
          "files: [src/epsilon.js]",
        ),
        "zeta.md": prompt(
          "Zeta",
          [{ file: "src/zeta.js", mode: "create", body: line("zeta") }],
          "depends_on: [beta, gamma]",
        ),
        "eta.md": prompt("Eta", [{ file: "src/eta.js", mode: "create", body: line("eta") }]),
        "theta.md": prompt(
          "Theta",
          [{ file: "src/delta.js", mode: "append", body: line("theta") }],
          "depends_on: [delta]",
        ),
        "iota.md": prompt(
          "Iota",
          [{ file: "src/alpha.js", mode: "append", body: line("iota") }],
          "files: [src/alpha.js]",
        ),
        "kappa.md": prompt("Kappa", [{ file: "src/kappa.js", mode: "create", body: line("kappa") }]),
        "lambda.md": prompt(
          "Lambda",
          [{ file: "src/lambda.js", mode: "create", body: line("lambda") }],
          "depends_on: [kappa, theta]",
        ),
        "mu.md": prompt("Mu", [{ file: "src/mu.js", mode: "create", body: line("mu") }]),
      },
      1500,
    );
    const hostB = temp.dir("gadugi-host-b-");
    const first = startWorker(workers, redis.url, temp.dir("gadugi-host-a-"), h.env);
    const second = startWorker(workers, redis.url, hostB, h.env);
    await waitFor(
      () => first.log().includes("worker ") && second.log().includes("worker "),
      20_000,
      `workers did not start: ${first.log()} ${second.log()}`,
    );

    const run = runCli(h.repo.dir, ["run", "prompts/*.md", "--queue", redis.url], { env: h.env });
    // Kill the first worker once it runs a task: its job stalls and runs again on the second.
    await waitFor(() => / started/.test(first.log()), 30_000, "the first worker took no job");
    first.child.kill("SIGKILL");
    const result = await run;
    expect(result.code, result.stdout + result.stderr + second.log()).toBe(0);

    const [runId] = readdirSync(join(h.repo.dir, ".gadugi", "runs"));
    const state = RunState.parse(
      JSON.parse(readFileSync(join(h.repo.dir, ".gadugi", "runs", runId!, "state.json"), "utf8")),
    );
    expect(state.status).toBe("completed");
    const events = journal(h.repo.dir, runId!);
    const merged = events
      .filter((e) => e.type === "merge.result" && e.status === "merged")
      .map((e) => (e as { taskId: string }).taskId);
    // delta and epsilon both appended to shared.txt: the later one's merge conflicted and it was
    // re-run as a job of its own (`…r1`) on top of the integration branch, then merged.
    const conflicts = events.filter((e) => e.type === "merge.result" && e.status === "conflict");
    expect(conflicts).toHaveLength(1);
    expect(first.log() + second.log()).toMatch(/job \S+:\d+r1: task/);
    // The second worker ran it (the first was killed early) afresh, its agent told why.
    const rerunTask = (conflicts[0] as { taskId: string }).taskId;
    const [clone] = readdirSync(join(hostB, "repos"));
    const rerunPrompt = readFileSync(
      join(hostB, "repos", clone as string, ".gadugi", "runs", runId!, "prompts", `${rerunTask}.md`),
      "utf8",
    );
    expect(rerunPrompt).toContain("## Redo this task on top of merged work");
    // Every task merged exactly once.
    expect(state.taskIds).toHaveLength(12);
    expect(merged.sort()).toEqual([...state.taskIds].sort());
    const branch = state.integrationBranch as string;
    const show = (path: string) => h.repo.git(["show", `${branch}:${path}`]);
    expect(await show("src/alpha.js")).toMatch(/alpha[\s\S]*gamma/);
    expect(await show("shared.txt")).toContain("delta line");
    expect(await show("shared.txt")).toContain("epsilon line");
    expect(await show("src/zeta.js")).toContain("zeta");
    expect(await show("src/alpha.js")).toMatch(/iota/);
    expect(await show("src/delta.js")).toMatch(/delta[\s\S]*theta/);
    expect(await show("src/lambda.js")).toContain("lambda");
    const report = JSON.parse(
      readFileSync(join(h.repo.dir, ".gadugi", "runs", runId!, "report.json"), "utf8"),
    );
    expect(report.integrationTests).toMatchObject({ ok: true });
    // Phases and agent runs came back from the workers into this journal.
    for (const id of state.taskIds) {
      expect(state.tasks[id]?.phases.find((p) => p.phase === "implementation")?.status).toBe("completed");
      expect(state.agentRuns[id]?.length).toBeGreaterThan(0);
    }
    // Which worker ran what; the first worker's stalled job ended on the second.
    const placed = JSON.parse(
      readFileSync(join(h.repo.dir, ".gadugi", "runs", runId!, "workers.json"), "utf8"),
    );
    expect(Object.keys(placed.tasks).sort()).toEqual([...state.taskIds].sort());
    const killedJob = /job (\S+): task/.exec(first.log())?.[1];
    expect(killedJob).toBeDefined();
    expect(second.log()).toContain(`job ${killedJob}: finished`);
    expect(placed.tasks[killedJob?.split(":")[1] as string].worker.pid).toBe(second.child.pid);
    // The progress view said where each task ran, and `gadugi status` does.
    expect(result.stderr).toMatch(/running: on worker \S+ \(pid \d+\)/);
    const status = await runCli(h.repo.dir, ["status", runId as string]);
    expect(status.stdout).toContain("WORKER");
    expect(status.stdout).toContain(`:${second.child.pid}`);
    // The password is nowhere in what the run wrote.
    for (const file of ["events.jsonl", "state.json", "report.json", "report.md", "workers.json"]) {
      expect(readFileSync(join(h.repo.dir, ".gadugi", "runs", runId!, file), "utf8")).not.toContain(PASSWORD);
    }
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    // `gadugi workers` lists the live one.
    let pids: number[] = [];
    const until = Date.now() + 10_000;
    do {
      const listed = await runCli(h.repo.dir, ["workers", "--queue", redis.url, "--json"]);
      pids = JSON.parse(listed.stdout).map((w: { pid: number }) => w.pid);
    } while (pids.length !== 1 && Date.now() < until);
    expect(pids).toEqual([second.child.pid]);
  }, 120_000);

  it("fails at start with GADUGI_QUEUE_UNREACHABLE, the URL masked, when Redis is not there", async () => {
    const h = await hosts(
      temp,
      { "alpha.md": prompt("Alpha", [{ file: "src/alpha.js", mode: "create", body: line("alpha") }]) },
      0,
    );
    const url = `redis://:${PASSWORD}@127.0.0.1:1`;
    const result = await runCli(h.repo.dir, ["run", "prompts/*.md", "--queue", url], { env: h.env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("GADUGI_QUEUE_UNREACHABLE");
    expect(result.stderr).toContain("redis://:***@127.0.0.1:1");
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
    // Checked before the run is made: nothing is left to resume or clean up.
    expect(existsSync(join(h.repo.dir, ".gadugi", "runs"))).toBe(false);
  }, 30_000);

  it("refuses a queued run without the git remote the workers need, before anything runs", async () => {
    const h = await hosts(
      temp,
      { "alpha.md": prompt("Alpha", [{ file: "src/alpha.js", mode: "create", body: line("alpha") }]) },
      0,
    );
    const result = await runCli(
      h.repo.dir,
      ["run", "prompts/*.md", "--queue", redis.url, "--remote", "upstream"],
      { env: h.env },
    );
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("GADUGI_QUEUE_NO_REMOTE");
    expect(result.stderr).toContain("upstream");
    expect(existsSync(join(h.repo.dir, ".gadugi", "runs"))).toBe(false);
  }, 30_000);
});
