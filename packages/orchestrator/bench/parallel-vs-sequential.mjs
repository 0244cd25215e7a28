#!/usr/bin/env node
// Wall time of a 20-task run at --max-parallel N against the same 20 tasks run one by one
// (--max-parallel 1) with the same tool, each in a fresh copy of the same generated repository.
// Every task goes through the whole workflow (worktree, agent, tests, merge); the agent is the
// sample's command agent, which works --work-ms per task.
//   node bench/parallel-vs-sequential.mjs [--tasks 20] [--parallel 4] [--work-ms 2000] [--files 0]
// --files N adds N tracked files, so worktree checkouts cost what they cost in a real repository.
// It also prints Gadugi's own work per task (issue 15: wall − Σ agent time at --max-parallel 1, ÷ N)
// and the parallel wall time against the ideal ceil(N/P) × --work-ms.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Orchestrator, SAMPLE_REPO_SOURCE } from "@gadugi/orchestrator";
import { commitGenerated, writeSampleWorkload } from "@gadugi/test-utils";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const tasks = arg("tasks", 20);
const parallel = arg("parallel", 4);
const workMs = arg("work-ms", 2000);
const extraFiles = arg("files", 0);

async function makeRepo(dir) {
  const files = writeSampleWorkload(dir, {
    agentScript: join(SAMPLE_REPO_SOURCE, "tools", "sample-agent.mjs"),
    tasks,
    workMs,
    files: extraFiles,
    config: { workflow: { testCommand: "node --test" }, integration: { testCommand: "node --test" } },
    extra: { "test/ok.test.js": 'import { test } from "node:test";\ntest("ok", () => {});\n' },
  });
  commitGenerated(dir);
  return files;
}

async function measure(label, maxParallel) {
  const root = await mkdtemp(join(tmpdir(), "gadugi-bench-run-"));
  try {
    const promptFiles = await makeRepo(root);
    const started = performance.now();
    const result = await new Orchestrator({ repoRoot: root, github: false }).run({
      promptFiles,
      maxParallel,
    });
    const wallMs = performance.now() - started;
    const done = result.report.tasks.filter((t) => t.status === "completed").length;
    console.log(
      `${label.padEnd(22)} wall ${(wallMs / 1000).toFixed(1)} s  · ${done}/${tasks} completed · run status ${result.status} · measured speedup in report ${result.report.metrics.speedup.toFixed(2)}×`,
    );
    return wallMs;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

console.log(
  `${tasks} independent tasks, agent work ${workMs} ms each, full workflow per task, ${extraFiles + tasks + 4} tracked files`,
);
const sequential = await measure("one by one (max 1)", 1);
const parallelMs = await measure(`parallel (max ${parallel})`, parallel);
console.log(
  `ratio sequential / parallel: ${(sequential / parallelMs).toFixed(2)}× (ideal ${Math.min(parallel, tasks)}×)`,
);
// Issue 15's figures: what Gadugi itself costs per task, serial with the agent, and how far the
// parallel run is from ceil(N/P) × the agent's time.
const ownPerTask = (sequential - tasks * workMs) / tasks;
const ideal = Math.ceil(tasks / parallel) * workMs;
console.log(
  `Gadugi's own work per task (one by one: wall − Σ agent time, ÷ ${tasks}): ${(ownPerTask / 1000).toFixed(2)} s; ` +
    `parallel wall / ideal (${(ideal / 1000).toFixed(0)} s): ${(parallelMs / ideal).toFixed(2)}`,
);
