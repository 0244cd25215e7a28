import { execFileSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobId, QueueWorker } from "@gadugi/queue";
import { EventJournal, rebuildRunState } from "@gadugi/state";
import { fixturePath, startRedis, type TempRepo, type TestRedis, useTempDirs } from "@gadugi/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Orchestrator, type RunRequest, runFiles } from "./engine.js";
import type { QueuedTaskResult, QueuedTaskWork } from "./queue-payload.js";
import { queueTaskHandler } from "./queue-worker.js";
import { repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();
let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** A bare repository as the fixture's `origin`: the git remote workers clone. Its path. */
function bareRemote(): string {
  const remote = join(temp.dir("gadugi-remote-"), "remote.git");
  execFileSync("git", ["init", "--quiet", "--bare", remote]);
  return remote;
}

/** A run of `repo`'s prompts with every task's work a job on the test's Redis. */
function runQueued(repo: TempRepo, request: RunRequest) {
  return new Orchestrator({
    repoRoot: repo.dir,
    github: false,
    env: repo.env,
    queue: { url: redis.url },
  }).run(request);
}

describe("Orchestrator with a queue", () => {
  it("runs each task's work on a queue worker, retries a job its worker could not do, merges the results here", async () => {
    const repo = await repoWithSampleAgent(
      temp,
      {
        "one.md": samplePrompt("One", "src/one.js"),
        "two.md": samplePrompt("Two", "src/two.js", "depends_on: [one]"),
      },
      sampleConfig({ retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } }),
    );
    const remote = bareRemote();
    await repo.git(["remote", "add", "origin", remote]);
    // An earlier run's result under the name the workers will give task two: kept as it is.
    await repo.git(["branch", "gadugi/two", "HEAD~1"]);
    const earlier = (await repo.git(["rev-parse", "gadugi/two"])).trim();
    const workDir = temp.dir("gadugi-worker-");
    const handle = queueTaskHandler({ workDir, env: repo.env });
    const seen: string[] = [];
    // The first job fails on its worker (as a failed clone would): the scheduler retries it.
    const worker = await QueueWorker.start<QueuedTaskWork, QueuedTaskResult>({
      url: redis.url,
      concurrency: 2,
      handler: async (work, context) => {
        seen.push(context.jobId);
        if (seen.length === 1) throw new Error("fetching the remote failed: network unreachable");
        return handle(work, context);
      },
    });
    try {
      const result = await runQueued(repo, { promptFiles: ["prompts/one.md", "prompts/two.md"] });
      expect(result.status).toBe("completed");
      const [one, two] = result.plan.tasks.map((t) => t.id) as [string, string];
      expect(seen).toEqual([
        jobId(result.runId, one, 1),
        jobId(result.runId, one, 2),
        jobId(result.runId, two, 1),
      ]);
      const state = await rebuildRunState(repo.dir, result.runId);
      expect(state.tasks[one]?.attempts).toBe(2);
      expect(Object.values(state.merges).map((m) => m.status)).toEqual(["merged", "merged"]);
      // two started from one's merged work: its branch holds one's file. It came back under a
      // name of its own, the earlier run's gadugi/two untouched, and no branch of the remote moved.
      const branch = state.tasks[two]?.branch as string;
      expect(branch).toBe("gadugi/two-2");
      expect((await repo.git(["rev-parse", "gadugi/two"])).trim()).toBe(earlier);
      expect(await repo.git(["show", `${branch}:src/one.js`])).toContain("One");
      // The remote got what the workers needed (the run's base, the integration branch) and the
      // task branches they pushed; the run completed, so its own refs are gone from the remote and
      // from here, the integration branch stays. No branch of the remote moved.
      const refs = execFileSync("git", ["for-each-ref", "--format=%(refname)"], { cwd: remote }).toString();
      expect(refs).toContain(`refs/heads/${state.integrationBranch}`);
      expect(refs).not.toContain(`refs/gadugi/${result.runId}/`);
      expect(refs).not.toContain("refs/heads/gadugi/two");
      expect(await repo.git(["for-each-ref", `refs/gadugi/${result.runId}/`])).toBe("");
      const pushed = (await EventJournal.forRun(repo.dir, result.runId).read()).events.filter(
        (e) => e.type === "warning" && e.message.includes("refs/gadugi"),
      );
      expect(pushed).toEqual([]);
      // While a job ran, the phase its worker was in was journaled here (what `gadugi status` shows).
      const { events } = await EventJournal.forRun(repo.dir, result.runId).read();
      const live = events.filter(
        (e) => e.type === "task.updated" && Object.keys(e.patch).join() === "currentPhase",
      );
      expect(live.map((e) => (e as { patch: { currentPhase: string } }).patch.currentPhase)).toContain(
        "implementation",
      );
      const placed = JSON.parse(
        readFileSync(join(runFiles(repo.dir, result.runId).dir, "workers.json"), "utf8"),
      );
      expect(placed.tasks[two].worker).toEqual(worker.ref);
      // The worker pooled one's worktree once its work was pushed, and two took it up: one
      // checkout on the worker for both tasks.
      const [clone] = readdirSync(join(workDir, "repos"));
      const registry = JSON.parse(
        readFileSync(join(workDir, "repos", clone as string, ".gadugi", "worktrees.json"), "utf8"),
      );
      const records = (
        registry.worktrees as { taskId: string; status: string; recycled?: boolean; path: string }[]
      ).filter((r) => r.taskId === one || r.taskId === two);
      expect(records.map((r) => [r.taskId, r.status, r.recycled ?? false])).toEqual([
        [one, "removed", false],
        [two, "pooled", true],
      ]);
      expect(records[1]?.path).toBe(records[0]?.path);
    } finally {
      await worker.close();
    }
  }, 60_000);

  it("at the run's budget stops the jobs running on workers: their tasks end budget-exceeded, their work so far fetched back", async () => {
    // A stand-in for claude on the worker: writes the task's file, then replays the real
    // claude-tool-allowed capture (its result states $0.00216), slowly for a prompt saying SLOW.
    const bin = temp.dir("gadugi-claude-");
    const capture = fixturePath("agent-cli/runs/claude-tool-allowed.jsonl");
    const claude = join(bin, "claude");
    writeFileSync(
      claude,
      `#!${process.execPath}
const { mkdirSync, readFileSync, writeFileSync } = require("node:fs");
const prompt = process.argv[process.argv.indexOf("-p") + 1] ?? "";
const tick = String.fromCharCode(96);
const file = new RegExp("Create " + tick + "([^" + tick + "]+)" + tick).exec(prompt)?.[1];
if (file && !prompt.includes("# Document the changes")) {
  mkdirSync(require("node:path").dirname(file), { recursive: true });
  writeFileSync(file, "export const v = 1;\\n");
}
process.on("SIGINT", () => process.exit(130));
const lines = readFileSync(${JSON.stringify(capture)}, "utf8").split("\\n").filter(Boolean);
const pace = prompt.includes("SLOW") ? 1500 : 10;
let i = 0;
const next = () => { if (i === lines.length) process.exit(0); process.stdout.write(lines[i++] + "\\n"); setTimeout(next, pace); };
next();
`,
    );
    chmodSync(claude, 0o755);
    const repo = await repoWithSampleAgent(
      temp,
      {
        "one.md": samplePrompt("One", "src/one.js"),
        "two.md": `${samplePrompt("Two", "src/two.js")}\nSLOW\n`,
        "three.md": samplePrompt("Three", "src/three.js", "depends_on: [two]"),
      },
      sampleConfig({ agent: "claude", agents: { claude: { kind: "claude", command: [claude] } } }),
    );
    const remote = bareRemote();
    await repo.git(["remote", "add", "origin", remote]);
    const handle = queueTaskHandler({ workDir: temp.dir("gadugi-worker-"), env: repo.env });
    const worker = await QueueWorker.start<QueuedTaskWork, QueuedTaskResult>({
      url: redis.url,
      concurrency: 2,
      handler: handle,
    });
    try {
      const result = await runQueued(repo, {
        promptFiles: ["prompts/one.md", "prompts/two.md", "prompts/three.md"],
        maxBudgetUsd: 0.003,
      });
      const status = Object.fromEntries(result.report.tasks.map((t) => [t.slug, t.status]));
      const errors = result.report.tasks.map((t) => `${t.slug}: ${t.error ?? ""}`).join("\n");
      // one's job ended with its spend, which reached the budget while two ran on the worker.
      expect(status, errors).toEqual({ one: "completed", two: "budget-exceeded", three: "skipped" });
      const two = result.report.tasks.find((t) => t.slug === "two");
      expect(two?.error).toMatch(/The run reached its budget of \$0\.0030/);
      // two's work so far came back from its worker, committed on its branch.
      expect(await repo.git(["show", `${two?.branch}:src/two.js`])).toBe("export const v = 1;");
      expect(result.report.cost?.budget).toMatchObject({ reached: true, stopped: [expect.any(String)] });
    } finally {
      await worker.close();
    }
  }, 90_000);

  it("keeps a completed run completed when the remote refuses to delete its refs, with a warning", async () => {
    const repo = await repoWithSampleAgent(
      temp,
      { "one.md": samplePrompt("One", "src/one.js") },
      sampleConfig(),
    );
    const remote = bareRemote();
    // A hook that refuses any deletion (receive.denyDeletes guards branches only).
    const hook = join(remote, "hooks", "pre-receive");
    writeFileSync(
      hook,
      '#!/bin/sh\nwhile read old new ref; do [ "$new" = 0000000000000000000000000000000000000000 ] && exit 1; done\nexit 0\n',
    );
    chmodSync(hook, 0o755);
    await repo.git(["remote", "add", "origin", remote]);
    const handle = queueTaskHandler({ workDir: temp.dir("gadugi-worker-"), env: repo.env });
    const worker = await QueueWorker.start<QueuedTaskWork, QueuedTaskResult>({
      url: redis.url,
      handler: handle,
    });
    try {
      const result = await runQueued(repo, { promptFiles: ["prompts/one.md"] });
      expect(result.status).toBe("completed");
      const refs = execFileSync("git", ["for-each-ref", "--format=%(refname)"], { cwd: remote }).toString();
      expect(refs).toContain(`refs/gadugi/${result.runId}/base`);
      const { events } = await EventJournal.forRun(repo.dir, result.runId).read();
      const warnings = events.flatMap((e) => (e.type === "warning" ? [e.message] : []));
      expect(warnings).toEqual([
        expect.stringContaining(`could not delete the run's refs (refs/gadugi/${result.runId}/*)`),
      ]);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
