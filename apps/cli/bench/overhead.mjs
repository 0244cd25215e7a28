#!/usr/bin/env node
/**
 * Gadugi's own overhead, through the built CLI (build it first: `npm run setup` or `pnpm build`):
 * issue 15's table. Each workload is one `gadugi run` in a fresh generated repository, with an
 * agent that works a fixed time per task, so the ideal wall time is known: ceil(N/P) × the agent
 * time. Reported per workload: ideal, wall, wall/ideal, the target, and the orchestrator's peak
 * RSS (VmHWM, sampled from /proc).
 *
 *   node apps/cli/bench/overhead.mjs [--only 1,3] [--warm] [--keep] [--bin <gadugi.js>]
 *
 *   --warm   run each workload a second time in the same repository (prompts re-run as a new
 *            run), so the worktree pool from the first run is in place, and report both
 *   --only   workload numbers to run (1-based)
 *   --bin    another build of the CLI to measure (an older checkout's `apps/cli/dist/bin/gadugi.js`)
 *
 * The agents: the sample repository's command agent (`tools/sample-agent.mjs --work-ms`), which
 * waits and then writes the file its prompt asks for; and for the last workload a fake `claude`
 * that replays a real Claude Code capture (`../shared/agent-cli/runs/`) paced over 5 s and edits
 * a file, through the whole workflow (setup, tests, documentation check, merge).
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  captureFiles,
  commitGenerated,
  createFakeAgent,
  generatePythonRepo,
  writeSampleWorkload,
} from "@gadugi/test-utils";

const here = dirname(fileURLToPath(import.meta.url));
// Another build of the CLI to measure (e.g. an older checkout's), instead of this one.
const binAt = process.argv.indexOf("--bin");
const bin = binAt === -1 ? join(here, "..", "dist", "bin", "gadugi.js") : resolve(process.argv[binAt + 1]);
const sampleAgent = join(
  here,
  "..",
  "..",
  "..",
  "packages",
  "orchestrator",
  "sample-repo",
  "tools",
  "sample-agent.mjs",
);
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1].split(",").map(Number);
const WARM = process.argv.includes("--warm");
const KEEP = process.argv.includes("--keep");

const WORKLOADS = [
  {
    label: "6 tasks × 1 s, P=1, 5,000 tracked files",
    tasks: 6,
    workMs: 1000,
    parallel: 1,
    files: 5000,
    own: true,
  },
  {
    label: "12 tasks × 5 s, P=4, 5,000 tracked files",
    tasks: 12,
    workMs: 5000,
    parallel: 4,
    files: 5000,
    target: 1.1,
  },
  {
    label: "32 tasks × 2 s, P=8, small repository",
    tasks: 32,
    workMs: 2000,
    parallel: 8,
    files: 0,
    target: 1.075,
  },
  {
    label: "100 tasks × 1 s, P=8, small repository",
    tasks: 100,
    workMs: 1000,
    parallel: 8,
    files: 0,
    target: 14.5 / 13,
    rssTarget: 150,
  },
  {
    label: "12 tasks × 5 s fake claude, P=4, 600-file Python",
    tasks: 12,
    workMs: 5000,
    parallel: 4,
    claude: true,
    target: 16 / 15,
  },
];

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** A repository for a sample-agent workload: `files` filler modules, one prompt per task. */
function sampleRepo(dir, { tasks, workMs, files }) {
  writeSampleWorkload(dir, { agentScript: sampleAgent, tasks, workMs, files });
  commitGenerated(dir);
}

/**
 * A generated Python repository (600 modules) and a fake `claude` on PATH: it replays a real
 * Claude Code stream-json capture, one line every `workMs / lines` ms, and edits an existing
 * module (the same edit in every task, so the merges are clean and no documentation is due).
 */
function claudeRepo(dir, binDir, { tasks, workMs }) {
  generatePythonRepo(dir, { modules: 600 });
  mkdirSync(join(dir, "prompts"), { recursive: true });
  writeFileSync(join(dir, ".gitignore"), ".venv/\n__pycache__/\n.env\n");
  writeFileSync(
    join(dir, "gadugi.config.json"),
    JSON.stringify({ agent: "claude", setup: { skipMissingUv: true } }),
  );
  for (let i = 1; i <= tasks; i++) {
    writeFileSync(
      join(dir, "prompts", `task-${String(i).padStart(3, "0")}.md`),
      `# Tidy module ${i}\n\n## Overview\nAdd a docstring to \`app/pkg${i % 12}/mod${i}.py\`.\n`,
    );
  }
  commitGenerated(dir);
  const capture = "claude-write-acceptedits";
  const lines = readFileSync(captureFiles(capture).stdout, "utf8").split("\n").filter(Boolean).length;
  createFakeAgent(binDir, {
    name: "claude",
    capture,
    delayMs: Math.round(workMs / lines),
    writeFiles: { "app/pkg0/mod0.py": '"""Tidied by the agent."""\n' },
  });
}

const cpuPreload = join(here, "cpu-at-exit.mjs");
// Linux counts /proc CPU times in clock ticks of 1/100 s (USER_HZ).
const TICKS_PER_SECOND = 100;

/**
 * Runs the CLI; resolves with wall ms, exit code, peak RSS (MB) of the orchestrator, and the CPU
 * seconds of the orchestrator and of everything it started (agents, git, tests).
 */
function runCli(args, cwd, env) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const cpuFile = join(cwd, "..", `cpu-${Date.now()}.json`);
    const child = spawn(process.execPath, ["--import", cpuPreload, bin, ...args], {
      cwd,
      env: { ...env, GADUGI_BENCH_CPU_FILE: cpuFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // The process is gone; the last sample stands.
      }
    }, 50);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(sample);
      const cpu = existsSync(cpuFile) ? JSON.parse(readFileSync(cpuFile, "utf8")) : { self: 0, children: 0 };
      resolveRun({
        wallMs: performance.now() - started,
        code,
        rssMb: peakKb / 1024,
        output,
        cpuSelf: cpu.self / TICKS_PER_SECOND,
        cpuAll: (cpu.self + cpu.children) / TICKS_PER_SECOND,
      });
    });
  });
}

/**
 * The agent processes of the run this pass made (its `processes.json`: agents are the processes
 * a run registers), timed: `totalMs` summed over all of them (the implementation runs and the
 * documentation phase's, each with its own start-up), `perTaskMs` the median task's sum.
 */
function agentProcesses(repo, seen) {
  const runs = join(repo, ".gadugi", "runs");
  const [runId] = readdirSync(runs).filter((id) => !seen.has(id));
  seen.add(runId);
  const { processes } = JSON.parse(readFileSync(join(runs, runId, "processes.json"), "utf8"));
  const byTask = new Map();
  for (const p of processes) {
    const ms = Date.parse(p.endedAt) - Date.parse(p.startedAt);
    byTask.set(p.taskId, (byTask.get(p.taskId) ?? 0) + ms);
  }
  const sorted = [...byTask.values()].sort((a, b) => a - b);
  return {
    totalMs: sorted.reduce((sum, ms) => sum + ms, 0),
    perTaskMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
  };
}

async function measure(workload, number) {
  const dir = mkdtempSync(join(tmpdir(), "gadugi-overhead-"));
  const binDir = join(dir, ".bench-bin");
  const repo = join(dir, "repo");
  mkdirSync(repo);
  try {
    if (workload.claude) claudeRepo(repo, binDir, workload);
    else sampleRepo(repo, workload);
    const env = { ...process.env, NO_COLOR: "1", PATH: `${binDir}:${process.env.PATH}` };
    const args = ["run", "--all-prompts", "--max-parallel", String(workload.parallel)];
    const ideal = Math.ceil(workload.tasks / workload.parallel) * workload.workMs;
    const rows = [];
    const seen = new Set();
    for (const pass of WARM ? ["cold", "warm"] : ["cold"]) {
      const result = await runCli(args, repo, env);
      if (result.code !== 0) {
        console.error(result.output.slice(-3000));
        throw new Error(`workload ${number} (${pass}) exited ${result.code}`);
      }
      rows.push({ pass, ...result, ideal, agents: agentProcesses(repo, seen) });
    }
    return rows;
  } finally {
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

if (!existsSync(bin)) {
  console.error(`No built CLI at ${bin}: run \`npm run setup\` (or \`pnpm build\`) first.`);
  process.exit(1);
}
console.log(`Gadugi overhead through the built CLI (${bin}) · load average before: ${loadavg()}`);
console.log("");
const cores = cpus().length;
console.log(
  `| # | workload | pass | ideal | wall | wall / ideal | target | peak RSS | CPU s: orchestrator / all | all CPU ÷ ${cores} cores | ideal with the agents' measured time | wall less that |`,
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const [i, workload] of WORKLOADS.entries()) {
  if (only && !only.includes(i + 1)) continue;
  for (const row of await measure(workload, i + 1)) {
    const ratio = row.wallMs / row.ideal;
    // Own work per task: the wall less the agents' configured work time, and less the agent
    // processes' measured time (their start-up and the documentation phase's run included).
    const perTask = (agentMs) => ((row.wallMs - agentMs) / workload.tasks / 1000).toFixed(2);
    const agentMs = row.agents.totalMs;
    // The ideal again with what the agent processes really took (median task), not their work time.
    const measuredIdeal = Math.ceil(workload.tasks / workload.parallel) * row.agents.perTaskMs;
    const target = workload.own
      ? `own work ≤ 0.30 s/task: ${perTask(workload.tasks * workload.workMs)} s (${perTask(agentMs)} s beside the agent processes' measured ${(agentMs / 1000).toFixed(1)} s)`
      : `≤ ${((workload.target * row.ideal) / 1000).toFixed(1)} s ${row.wallMs <= workload.target * row.ideal ? "met" : "missed"}`;
    const rss = `${row.rssMb.toFixed(0)} MB${workload.rssTarget ? ` (≤ ${workload.rssTarget} ${row.rssMb <= workload.rssTarget ? "met" : "missed"})` : ""}`;
    console.log(
      `| ${i + 1} | ${workload.label} | ${row.pass} | ${(row.ideal / 1000).toFixed(1)} s | ${(row.wallMs / 1000).toFixed(1)} s | ${ratio.toFixed(2)} | ${target} | ${rss} | ${row.cpuSelf.toFixed(1)} / ${row.cpuAll.toFixed(1)} | ${(row.cpuAll / cores).toFixed(1)} s | ${(measuredIdeal / 1000).toFixed(1)} s | ${((row.wallMs - measuredIdeal) / 1000).toFixed(1)} s |`,
    );
  }
}
console.log("");
console.log(`load average after: ${loadavg()}`);
