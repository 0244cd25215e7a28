#!/usr/bin/env node
/**
 * Benchmark of @gadugi/task-analyzer (build it first: `pnpm --filter @gadugi/task-analyzer build`).
 *
 *   node bench/analyze.mjs [--ts 5000] [--py 2000] [--runs 3] [--keep]
 *
 * Generates a TypeScript repository (NodeNext, `.js` specifiers, 3 imports per module, cycles)
 * and a Python package with @gadugi/test-utils' generators, commits them, and writes 8 prompts
 * that each modify two modules. Every measurement runs in a fresh Node process:
 *
 *   graph   buildImportGraph() over every tracked source file (what madge does):
 *           cold (no .gadugi/cache), warm (nothing changed), warm-edit (one module edited)
 *   analyze analyze() over the 8 prompts, which reads only the import neighbourhood of the
 *           files the prompts write: cold, warm, warm-edit (a written module edited)
 *   madge   madge over the same TypeScript files, in the same run (it does not read Python)
 *
 * Reported: median wall time of the call and of the whole process, files per second (cold),
 * peak RSS (the child's maxRSS), import edges found.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);

// ---- child modes -------------------------------------------------------------------------------

if (process.argv[2] === "--child-analyze") {
  const [repo, ...prompts] = process.argv.slice(3);
  const { analyze } = await import(join(here, "..", "dist", "index.js"));
  const started = performance.now();
  const { plan, graph } = await analyze({ repoRoot: repo, promptFiles: prompts, idSalt: "bench" });
  const ms = performance.now() - started;
  process.stdout.write(
    JSON.stringify({
      ms,
      rssMb: process.resourceUsage().maxRSS / 1024,
      files: graph?.files ?? 0,
      edges: graph?.edges ?? 0,
      fromCache: graph?.fromCache ?? 0,
      parsed: graph?.parsed ?? 0,
      typescriptLoaded: graph?.typescriptLoaded ?? false,
      tasks: plan.tasks.length,
      planEdges: plan.edges.length,
    }),
  );
  process.exit(0);
}

if (process.argv[2] === "--child-graph") {
  const [repo] = process.argv.slice(3);
  const { buildImportGraph } = await import(join(here, "..", "dist", "index.js"));
  const started = performance.now();
  const graph = await buildImportGraph(repo);
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, ...graph.stats }));
  process.exit(0);
}

if (process.argv[2] === "--child-madge") {
  const [repo] = process.argv.slice(3);
  const madge = createRequire(join(here, "..", "package.json"))("madge");
  const started = performance.now();
  const result = await madge(join(repo, "src"), {
    fileExtensions: ["ts"],
    tsConfig: join(repo, "tsconfig.json"),
  });
  const graph = result.obj();
  const ms = performance.now() - started;
  const edges = Object.values(graph).reduce((n, list) => n + list.length, 0);
  process.stdout.write(
    JSON.stringify({
      ms,
      rssMb: process.resourceUsage().maxRSS / 1024,
      files: Object.keys(graph).length,
      edges,
    }),
  );
  process.exit(0);
}

// ---- parent ------------------------------------------------------------------------------------

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const TS_MODULES = option("ts", 5000);
const PY_MODULES = option("py", 2000);
const RUNS = option("runs", 3);
const KEEP = process.argv.includes("--keep");

const { commitGenerated, generatePythonRepo, generateTsRepo, writeModulePrompts } = await import(
  "@gadugi/test-utils"
);

function child(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [self, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`bench child failed: ${result.stderr}`);
  return { ...JSON.parse(result.stdout), wallMs };
}

function median(runs, key) {
  const sorted = runs.map((r) => r[key]).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function summarize(label, runs) {
  return {
    label,
    ms: median(runs, "ms"),
    wallMs: median(runs, "wallMs"),
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    files: runs[0].files,
    edges: runs[0].edges,
    extra: runs[0],
  };
}

function benchRepo(name, dir, generated, withMadge) {
  const prompts = writeModulePrompts(dir, generated.files);
  const expectedEdges = new Set(generated.imports.map(([a, b]) => `${a}>${b}`)).size;
  const runs = { graphCold: [], graphWarm: [], graphEdit: [], cold: [], warm: [], edit: [], madge: [] };
  const modules = generated.files.filter((f) => /mod\d+\.(ts|py)$/.test(f));
  const anyModule = modules[10];
  const writtenModule = modules[Math.floor(modules.length / 17)];
  const edit = (file, run) =>
    appendFileSync(join(dir, file), file.endsWith(".py") ? `# edit ${run}\n` : `// edit ${run}\n`);
  for (let run = 0; run < RUNS; run++) {
    rmSync(join(dir, ".gadugi"), { recursive: true, force: true });
    runs.graphCold.push(child(["--child-graph", dir]));
    runs.graphWarm.push(child(["--child-graph", dir]));
    edit(anyModule, run);
    runs.graphEdit.push(child(["--child-graph", dir]));
    rmSync(join(dir, ".gadugi"), { recursive: true, force: true });
    runs.cold.push(child(["--child-analyze", dir, ...prompts]));
    runs.warm.push(child(["--child-analyze", dir, ...prompts]));
    edit(writtenModule, run);
    runs.edit.push(child(["--child-analyze", dir, ...prompts]));
    if (withMadge) runs.madge.push(child(["--child-madge", dir]));
  }
  return {
    name,
    expectedEdges,
    graph: [
      summarize("cold", runs.graphCold),
      summarize("warm", runs.graphWarm),
      summarize("warm-edit", runs.graphEdit),
      ...(withMadge ? [summarize("madge", runs.madge)] : []),
    ],
    analyze: [summarize("cold", runs.cold), summarize("warm", runs.warm), summarize("warm-edit", runs.edit)],
  };
}

const fmt = (n, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

function table(rows, withRate) {
  const lines = ["    run         call ms   process ms   files/s   peak RSS MB   files   edges"];
  for (const s of rows) {
    const rate = withRate && (s.label === "cold" || s.label === "madge") ? fmt((s.files / s.ms) * 1000) : "";
    lines.push(
      `    ${s.label.padEnd(10)}  ${fmt(s.ms).padStart(7)}   ${fmt(s.wallMs).padStart(10)}   ${rate.padStart(7)}   ${fmt(s.rssMb).padStart(11)}   ${fmt(s.files).padStart(5)}   ${fmt(s.edges).padStart(5)}`,
    );
  }
  return lines;
}

function report(r) {
  const [cold, warm, edit, madge] = r.graph;
  const [aCold, aWarm, aEdit] = r.analyze;
  const lines = [
    `\n${r.name}: ${fmt(cold.files)} source files, ${fmt(r.expectedEdges)} generated import edges`,
  ];
  lines.push("  whole-repository import graph (buildImportGraph):", ...table(r.graph, true));
  lines.push(
    `    warm/cold: ${fmt(warm.ms / cold.ms, 3)} (no change), ${fmt(edit.ms / cold.ms, 3)} (one module edited)`,
  );
  if (madge) {
    lines.push(
      `    madge/cold: ${fmt(madge.ms / cold.ms, 2)}x slower (call), ${fmt(madge.wallMs / cold.wallMs, 2)}x (process); madge found ${fmt(madge.edges)} edges`,
    );
  }
  lines.push(
    "  analyze() of 8 prompts (import neighbourhood of written files only):",
    ...table(r.analyze, false),
  );
  lines.push(
    `    warm/cold: ${fmt(aWarm.ms / aCold.ms, 3)} (no change), ${fmt(aEdit.ms / aCold.ms, 3)} (a written module edited)`,
  );
  return lines.join("\n");
}

const root = mkdtempSync(join(tmpdir(), "gadugi-bench-"));
try {
  console.log(`node ${process.version}, ${RUNS} runs each (median), temp dir ${root}`);
  const tsDir = join(root, "ts");
  mkdirSync(tsDir);
  const ts = generateTsRepo(tsDir, { modules: TS_MODULES });
  commitGenerated(tsDir);
  const pyDir = join(root, "py");
  mkdirSync(pyDir);
  const py = generatePythonRepo(pyDir, { modules: PY_MODULES });
  commitGenerated(pyDir);

  const results = [
    benchRepo(`TypeScript (${TS_MODULES} modules)`, tsDir, ts, true),
    benchRepo(`Python (${PY_MODULES} modules)`, pyDir, py, false),
  ];
  for (const r of results) console.log(report(r));
  console.log("\n(madge does not read Python, so the Python repository has no comparison.)");
} finally {
  if (KEEP) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
