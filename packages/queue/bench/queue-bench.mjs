#!/usr/bin/env node
// A queued run on one machine: N independent tasks of --work-ms command-agent work each, run by
// W `gadugi worker` processes × concurrency C (each with a work dir of its own) fed through a
// real redis-server, the orchestrator in its own repository pushing to a bare remote. Prints
// the wall time against the ideal ceil(N / (W×C)) × work, and per task the queue latency:
// enqueue → a worker starts it, and the worker's finish → merged on the integration branch.
// Then, alone, how soon the orchestrator's side hears that a job ended: --notify no-op jobs one
// after another through TaskQueue.wait, the worker's finish → the wait resolved.
//   node bench/queue-bench.mjs [--tasks 24] [--workers 3] [--concurrency 2] [--work-ms 3000] [--local]
//     [--notify 40] [--lib <another build's dist/index.js>] [--keep]
// Also printed: the CPU seconds the orchestrator and the workers used with everything they
// started (agents, git, tests), against what the machine's cores give in the wall time.
// --keep leaves the directories (the workers' clones and journals) in place and names them.
// --local also runs the same tasks in one process (`gadugi run --max-parallel W×C`, no queue), as
// the baseline of what the workflow itself costs on this machine.
// Needs the built CLI (apps/cli/dist) and redis-server on PATH.
import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "@gadugi/test-utils";
import { Queue } from "bullmq";
import { parseQueueUrl, QUEUE_PREFIX, redisOptions } from "../dist/index.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const tasks = arg("tasks", 24);
const workerCount = arg("workers", 3);
const concurrency = arg("concurrency", 2);
const workMs = arg("work-ms", 3000);
const slots = workerCount * concurrency;
const local = process.argv.includes("--local");
const notifyJobs = arg("notify", 40);
const libAt = process.argv.indexOf("--lib");
const lib =
  libAt >= 0 ? new URL(process.argv[libAt + 1], `file://${process.cwd()}/`).href : "../dist/index.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const gadugi = join(repoRoot, "apps", "cli", "dist", "bin", "gadugi.js");
// Preloaded into the orchestrator and each worker (not their children): their CPU at exit.
const cpuPreload = join(repoRoot, "apps", "cli", "bench", "cpu-at-exit.mjs");
const keep = process.argv.includes("--keep");
/** CPU seconds (self, with children) a process wrote at exit; Linux counts 100 ticks a second. */
function cpuOf(file) {
  try {
    const { self, children } = JSON.parse(readFileSync(file, "utf8"));
    return { self: self / 100, all: (self + children) / 100 };
  } catch {
    return { self: 0, all: 0 };
  }
}
const sampleAgent = join(repoRoot, "packages", "orchestrator", "sample-repo", "tools", "sample-agent.mjs");
const git = (cwd, ...args) =>
  execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();
const identity = {
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@localhost",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@localhost",
};

function makeRepo(dir, remote) {
  mkdirSync(join(dir, "prompts"), { recursive: true });
  mkdirSync(join(dir, "tools"), { recursive: true });
  mkdirSync(join(dir, "test"), { recursive: true });
  cpSync(sampleAgent, join(dir, "tools", "sample-agent.mjs"));
  writeFileSync(join(dir, "package.json"), '{ "name": "bench", "private": true, "type": "module" }\n');
  writeFileSync(
    join(dir, "test", "ok.test.js"),
    'import { test } from "node:test";\ntest("ok", () => {});\n',
  );
  const command = ["node", "tools/sample-agent.mjs", "{prompt_file}", "--work-ms", String(workMs)];
  writeFileSync(
    join(dir, "gadugi.config.json"),
    JSON.stringify({
      agent: "sample",
      agents: { sample: { kind: "command", command } },
      workflow: { testCommand: "node --test" },
      integration: { testCommand: "node --test" },
    }),
  );
  for (let i = 1; i <= tasks; i++) {
    writeFileSync(
      join(dir, "prompts", `task-${String(i).padStart(2, "0")}.md`),
      `# Feature ${i}\n\n## Overview\nCreate \`src/feature-${i}.js\`.\n\n## Implementation\n\`\`\`js file=src/feature-${i}.js mode=create\nexport const feature${i} = ${i};\n\`\`\`\n`,
    );
  }
  git(dir, "init", "--quiet", "--initial-branch=main");
  git(dir, "add", "--all");
  git(
    dir,
    "-c",
    "user.name=Bench",
    "-c",
    "user.email=bench@localhost",
    "commit",
    "--quiet",
    "-m",
    "bench repository",
  );
  git(remote, "init", "--quiet", "--bare");
  git(dir, "remote", "add", "origin", remote);
  git(dir, "push", "--quiet", "origin", "main");
}

function startWorker(url, workDir) {
  const cpuFile = `${workDir}.cpu.json`;
  const child = spawn(
    process.execPath,
    [
      "--import",
      cpuPreload,
      gadugi,
      "worker",
      "--queue",
      url,
      "--concurrency",
      String(concurrency),
      "--workdir",
      workDir,
    ],
    {
      env: { ...process.env, ...identity, GADUGI_BENCH_CPU_FILE: cpuFile },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d.toString();
  });
  child.stderr.on("data", (d) => {
    out += d.toString();
  });
  return { child, cpuFile, started: () => out.includes("worker "), output: () => out };
}

function stats(values, unit = "s") {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const show = (ms) => (unit === "ms" ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
  return `median ${show(at(0.5))}, p90 ${show(at(0.9))}, max ${show(sorted.at(-1))}`;
}

const root = mkdtempSync(join(tmpdir(), "gadugi-queue-bench-"));
let printCpu = () => {};
const redis = await startRedis();
const workers = [];
try {
  const repo = join(root, "orchestrator");
  const remote = join(root, "remote.git");
  mkdirSync(repo);
  mkdirSync(remote);
  makeRepo(repo, remote);
  for (let i = 0; i < workerCount; i++) workers.push(startWorker(redis.url, join(root, `worker-${i}`)));
  while (!workers.every((w) => w.started())) await new Promise((r) => setTimeout(r, 50));

  const started = performance.now();
  const runCpuFile = join(root, "orchestrator.cpu.json");
  const run = spawn(
    process.execPath,
    [
      "--import",
      cpuPreload,
      gadugi,
      "run",
      "prompts/*.md",
      "--queue",
      redis.url,
      "--max-parallel",
      String(slots),
      "--json",
    ],
    {
      cwd: repo,
      env: { ...process.env, ...identity, GADUGI_BENCH_CPU_FILE: runCpuFile },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let runOut = "";
  run.stdout.on("data", (d) => {
    runOut += d.toString();
  });
  run.stderr.on("data", (d) => {
    runOut += d.toString();
  });
  const code = await new Promise((resolve) => run.on("exit", resolve));
  const wallMs = performance.now() - started;
  if (code !== 0) {
    const last = runOut.trim().split("\n").at(-1) ?? "";
    const report = last.startsWith("{") ? JSON.parse(last).report : undefined;
    const bad = (report?.tasks ?? []).filter((t) => t.status !== "completed" || t.merge?.status !== "merged");
    const why = bad.map(
      (t) => `${t.slug}: ${t.status}, merge ${t.merge?.status ?? "none"} ${t.error ?? t.merge?.reason ?? ""}`,
    );
    throw new Error(
      `gadugi run exited with ${code}:\n${why.join("\n") || runOut.slice(-3000)}\n${workers
        .map((w) => w.output())
        .join("\n")
        .slice(-3000)}`,
    );
  }

  // Per task: enqueue → start and finish (from the jobs), merged (from the orchestrator's journal).
  const [runId] = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/gadugi/integration-*")
    .trim()
    .split("\n")
    .map((b) => b.replace(/^gadugi\/integration-/, ""));
  const events = readFileSync(join(repo, ".gadugi", "runs", runId, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const merged = new Map(
    events
      .filter((e) => e.type === "merge.result" && e.status === "merged")
      .map((e) => [e.taskId, Date.parse(e.at)]),
  );
  const queue = new Queue("tasks", {
    prefix: QUEUE_PREFIX,
    connection: redisOptions(parseQueueUrl(redis.url)),
  });
  const jobs = (await queue.getJobs(["completed"])).filter((j) => j.data.runId === runId);
  await queue.close();
  const pickup = jobs.map((j) => j.processedOn - j.timestamp);
  const toMerge = jobs
    .filter((j) => merged.has(j.data.taskId))
    .map((j) => merged.get(j.data.taskId) - j.finishedOn);
  const onWorker = jobs.map((j) => j.finishedOn - j.processedOn);
  const ideal = Math.ceil(tasks / slots) * workMs;
  console.log(
    `${tasks} tasks × ${workMs / 1000} s agent work, ${workerCount} workers × concurrency ${concurrency} (${slots} slots), full workflow per task, real Redis and git remote`,
  );
  console.log(
    `wall ${(wallMs / 1000).toFixed(1)} s vs ideal ${(ideal / 1000).toFixed(0)} s: ${(wallMs / ideal).toFixed(2)}× the ideal (target ≤ 1.25×) · ${merged.size}/${tasks} merged`,
  );
  console.log(`enqueue → worker start: ${stats(pickup)}`);
  console.log(`on the worker (fetch, worktree, workflow, push): ${stats(onWorker)}`);
  // What the workflow's own processes took per task on the workers (their journals): the agent
  // run, the task's tests, the documentation phase's agent run. Waves of the median task's sum
  // are the ideal a queue could reach with this workflow on this machine.
  const phaseMs = new Map();
  for (let i = 0; i < workerCount; i++) {
    const clones = join(root, `worker-${i}`, "repos");
    for (const clone of existsSync(clones) ? readdirSync(clones) : []) {
      const file = join(clones, clone, ".gadugi", "runs", runId, "events.jsonl");
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, "utf8").trim().split("\n")) {
        const e = JSON.parse(line);
        if (e.type !== "phase.finished" || !["implementation", "testing", "documentation"].includes(e.phase))
          continue;
        phaseMs.set(e.taskId, (phaseMs.get(e.taskId) ?? 0) + (e.durationMs ?? 0));
      }
    }
  }
  const perTask = [...phaseMs.values()].sort((a, b) => a - b);
  const median = perTask[Math.floor(perTask.length / 2)] ?? 0;
  const workflowIdeal = Math.ceil(tasks / slots) * median;
  console.log(
    `the workflow's processes per task (agent, tests, documentation agent): ${stats(perTask)}; ideal with them ${(workflowIdeal / 1000).toFixed(1)} s, the wall ${(wallMs / workflowIdeal).toFixed(2)}× that`,
  );
  console.log(`worker finish → merged: ${stats(toMerge)}`);
  // The workers' CPU is known once they exit: printed at the end.
  const orchestratorCpu = cpuOf(runCpuFile);
  printCpu = () => {
    const workersCpu = workers.map((w) => cpuOf(w.cpuFile));
    const all = orchestratorCpu.all + workersCpu.reduce((sum, c) => sum + c.all, 0);
    const cores = cpus().length;
    console.log(
      `CPU: orchestrator ${orchestratorCpu.self.toFixed(1)} s (${orchestratorCpu.all.toFixed(1)} s with its git calls), workers ${workersCpu.map((c) => `${c.self.toFixed(1)}/${c.all.toFixed(1)}`).join(", ")} s (own/with agents, git, tests); all ${all.toFixed(1)} s = ${(all / cores).toFixed(1)} s of wall on ${cores} cores`,
    );
  };
  // A job waits while its worker's resource governor holds back a slot (host short of CPU/memory).
  const throttles = workers.flatMap((w) => w.output().match(/concurrency \d+ → \d+: [^\n]*/g) ?? []);
  console.log(
    `workers' governors: ${throttles.length} concurrency changes${throttles.length > 0 ? ` (first: ${throttles[0]})` : ""}`,
  );
  if (notifyJobs > 0) {
    const { QueueWorker, TaskQueue } = await import(lib);
    const worker = await QueueWorker.start({ url: redis.url, name: "notify", handler: async () => 1 });
    const queue = await TaskQueue.open(redis.url, { name: "notify" });
    const told = [];
    for (let i = 0; i < notifyJobs; i++) {
      const id = `notify:t${i}:1`;
      await queue.submit(id, { runId: "notify", taskId: `t${i}`, payload: {} });
      const end = await queue.wait(id);
      told.push(Date.now() - end.result.finishedAt);
    }
    await queue.close();
    await worker.close();
    console.log(
      `worker finish → orchestrator told (${notifyJobs} no-op jobs, one at a time): ${stats(told, "ms")}`,
    );
  }
  if (local) {
    const plain = join(root, "local");
    mkdirSync(plain);
    mkdirSync(join(root, "local-remote.git"));
    makeRepo(plain, join(root, "local-remote.git"));
    const t0 = performance.now();
    execFileSync(
      process.execPath,
      [gadugi, "run", "prompts/*.md", "--max-parallel", String(slots), "--json"],
      {
        cwd: plain,
        env: { ...process.env, ...identity },
        stdio: "ignore",
      },
    );
    const localMs = performance.now() - t0;
    console.log(
      `the same run in one process (no queue, --max-parallel ${slots}): ${(localMs / 1000).toFixed(1)} s (${(localMs / ideal).toFixed(2)}× the ideal); queued / local ${(wallMs / localMs).toFixed(2)}`,
    );
  }
} finally {
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(
    workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r() : w.child.on("exit", r)))),
  );
  await redis.stop();
  printCpu();
  if (keep) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
