#!/usr/bin/env node
/**
 * Start-up benchmark of the built CLI (build it first: `pnpm build`).
 *
 *   node apps/cli/bench/startup.mjs [--runs 21] [--analyze-runs 5] [--ts 5000] [--bin <gadugi.js>] [--keep]
 *
 * Every measurement is one fresh `node dist/bin/gadugi.js …` process, timed from spawn to exit
 * (wall), as a user would see it:
 *
 *   node -e 0             Node's own start-up, the floor
 *   gadugi --help         the program with every command, nothing run
 *   gadugi --version
 *   analyze --json cold   8 prompts over a generated 5,000-module TypeScript repository
 *                         (@gadugi/test-utils' generateTsRepo), no .gadugi/cache
 *   analyze --json warm   the same again, the import-graph cache in place
 *
 * Reported: median and minimum of each, the warm/cold ratio of the medians, and the load average
 * before and after (the machine is shared: read the figures against it).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const RUNS = option("runs", 21);
const ANALYZE_RUNS = option("analyze-runs", 5);
const TS_MODULES = option("ts", 5000);
const KEEP = process.argv.includes("--keep");
// Another build of the CLI to measure (e.g. an older checkout's), instead of this one.
const binAt = process.argv.indexOf("--bin");
const bin = binAt === -1 ? join(here, "..", "dist", "bin", "gadugi.js") : resolve(process.argv[binAt + 1]);

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** One process, timed from spawn to exit; fails the bench when it does not exit 0. */
function timed(args, cwd = here) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return { ms, stdout: result.stdout };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0] };
}

function measure(args, runs, cwd) {
  timed(args, cwd); // warms the file-system cache; not counted
  return stats(Array.from({ length: runs }, () => timed(args, cwd).ms));
}

const fmt = (n, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const row = (label, s) => `  ${label.padEnd(22)} ${fmt(s.median).padStart(7)} ms   (min ${fmt(s.min)} ms)`;

const root = mkdtempSync(join(tmpdir(), "gadugi-cli-bench-"));
try {
  const loadBefore = loadavg();
  console.log(`node ${process.version}, ${bin}`);
  console.log(`load average before: ${loadBefore}`);
  console.log(`start-up, median of ${RUNS} processes:`);
  const node = measure(["-e", "0"], RUNS);
  const help = measure([bin, "--help"], RUNS);
  const version = measure([bin, "--version"], RUNS);
  console.log(row("node -e 0", node));
  console.log(row("gadugi --help", help));
  console.log(row("gadugi --version", version));
  console.log(`  --help over Node's own start-up: +${fmt(help.median - node.median)} ms`);

  const repo = join(root, "ts");
  mkdirSync(repo);
  const { commitGenerated, generateTsRepo, writeModulePrompts } = await import("@gadugi/test-utils");
  const generated = generateTsRepo(repo, { modules: TS_MODULES });
  const prompts = writeModulePrompts(repo, generated.files);
  commitGenerated(repo);
  const analyze = [bin, "analyze", "--json", ...prompts];
  const cold = [];
  const warm = [];
  let tasks = 0;
  for (let run = 0; run < ANALYZE_RUNS; run++) {
    rmSync(join(repo, ".gadugi"), { recursive: true, force: true });
    cold.push(timed(analyze, repo).ms);
    const second = timed(analyze, repo);
    warm.push(second.ms);
    tasks = JSON.parse(second.stdout).tasks.length;
  }
  const c = stats(cold);
  const w = stats(warm);
  console.log(
    `analyze --json, ${tasks} prompts over ${fmt(TS_MODULES)} TypeScript modules, median of ${ANALYZE_RUNS}:`,
  );
  console.log(row("cold (no cache)", c));
  console.log(row("warm (cache in place)", w));
  console.log(`  warm/cold: ${fmt(w.median / c.median, 3)}`);
  console.log(`load average after: ${loadavg()}`);
} finally {
  if (KEEP) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
