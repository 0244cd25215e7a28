// Benchmark: 32 tasks of the command agent that each sleep 2 s, --max-parallel 8, run through the
// Scheduler and runAgentTask with real processes (and a process registry). Ideal wall time: 8 s.
//
//   pnpm --filter @gadugi/execution-monitor bench            (needs a build: tsc -b)
//   node bench/scheduler.mjs --tasks 32 --parallel 8 --sleep 2000 --agent sleep|node
//
// --agent sleep (default) runs `sleep 2`; --agent node runs `node -e "setTimeout(() => {}, 2000)"`,
// which adds node's own start-up (~50-150 ms per process, more on a loaded machine).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAgentExecutor, ProcessRegistry, Scheduler } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "32" },
    parallel: { type: "string", default: "8" },
    sleep: { type: "string", default: "2000" },
    agent: { type: "string", default: "sleep" },
  },
});
const tasks = Number(values.tasks);
const parallel = Number(values.parallel);
const sleepMs = Number(values.sleep);
const command =
  values.agent === "node"
    ? [process.execPath, "-e", `setTimeout(() => {}, ${sleepMs})`]
    : ["sleep", String(sleepMs / 1000)];

const root = mkdtempSync(join(tmpdir(), "gadugi-bench-"));
const runDir = join(root, ".gadugi", "runs", "bench");
const worktree = join(root, "wt");
mkdirSync(worktree, { recursive: true });
writeFileSync(join(worktree, "prompt.md"), "sleep\n");

const registry = await ProcessRegistry.open(runDir, { runId: "bench" });
const durations = new Map();
const agentExecutor = createAgentExecutor({ registry });
const executeMs = new Map();
const executor = {
  async execute(input, context) {
    const t0 = performance.now();
    const outcome = await agentExecutor.execute(input, context);
    executeMs.set(input.taskId, performance.now() - t0);
    return outcome;
  },
};
const graph = Array.from({ length: tasks }, (_, i) => {
  const id = `task-${String(i + 1).padStart(2, "0")}`;
  return {
    id,
    payload: {
      runId: "bench",
      taskId: id,
      worktree,
      prompt: "sleep",
      promptFile: join(worktree, "prompt.md"),
      agent: { kind: "command", command },
      logFile: join(runDir, "logs", `${id}.log`),
      eventsFile: join(runDir, "logs", `${id}.events.jsonl`),
    },
  };
});

const clock = () => performance.now();
const scheduler = new Scheduler({ runId: "bench", executor, maxParallel: parallel, now: clock });
const started = clock();
const result = await scheduler.run(graph);
const wallMs = clock() - started;
await registry.close();

for (const t of result.tasks) durations.set(t.taskId, t.data?.durationMs ?? Number.NaN);
const ideal = Math.ceil(tasks / parallel) * sleepMs;
const over = ((wallMs - ideal) / ideal) * 100;

// Scheduler gap: from a slot being freed (a task's end) to the next task's start in it.
const starts = result.tasks.map((t) => t.startedAt).sort((a, b) => a - b);
const ends = result.tasks.map((t) => t.endedAt).sort((a, b) => a - b);
const gaps = starts.slice(parallel).map((s, i) => s - ends[i]);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const agentOverhead = mean([...durations.values()].map((d) => d - sleepMs));
const bookkeeping = mean(result.tasks.map((t) => executeMs.get(t.taskId) - durations.get(t.taskId)));
const slotOverhead = ((wallMs - ideal) * parallel) / tasks;

const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
console.log(`tasks ${tasks} × ${sleepMs} ms (${command.slice(0, 2).join(" ")}…), max parallel ${parallel}`);
console.log(`machine: ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}, node ${process.version}`);
console.log(`status: ${result.status}, max concurrent ${result.maxConcurrent}`);
console.log(
  `wall time:  ${fmt(wallMs)}   ideal ${fmt(ideal)}   ${over >= 0 ? "+" : ""}${over.toFixed(1)}% over ideal`,
);
console.log(`overhead per task (slot time): ${slotOverhead.toFixed(1)} ms`);
console.log(`  of which agent process start/exit + runAgent bookkeeping: ${agentOverhead.toFixed(1)} ms`);
console.log(
  `  of which request validation + registry start/exit writes (fsync): ${bookkeeping.toFixed(1)} ms`,
);
console.log(
  `  of which scheduler (slot freed → next task started): ${mean(gaps).toFixed(2)} ms (max ${Math.max(...gaps).toFixed(2)} ms)`,
);
console.log("  (the rest: a wave's spawn() calls, synchronous, queue behind each other on the event loop)");
console.log(`target within 10% of ideal: ${over <= 10 ? "met" : "NOT met"}`);
rmSync(root, { recursive: true, force: true });
if (result.status !== "completed") process.exitCode = 1;
