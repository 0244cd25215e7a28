#!/usr/bin/env node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
/**
 * The plan of a backlog whose prompts share hotspot files, with and without merge rules (build
 * the package first: `pnpm --filter @gadugi/task-analyzer build`).
 *
 *   node bench/hotspots.mjs [--prompts 108] [--keep]
 *
 * Generates a repository with one module per prompt, a shared NOTES.md, README.md and
 * CHANGELOG.md, and a backlog in which every prompt edits its own module, about half also ask
 * to update NOTES.md, a third the README, a quarter the CHANGELOG, and every tenth shares a module
 * with the next one (a real conflict no rule covers). Then analyze() plans it three times:
 *
 *   off      integration.mergeRules: false (the plan before merge rules)
 *   default  the built-in rules (CHANGELOG, NOTES: append-only; the README has no rule)
 *   readme   the built-in rules plus "README.md": "append-only" in the config
 *
 * Printed per plan: levels, critical path length, recommended parallelism, hard same-file edges,
 * soft hotspot edges, and the analysis time.
 */
import { commitGenerated } from "@gadugi/test-utils";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const count = option("--prompts", 108);
const { analyze } = await import(join(here, "..", "dist", "index.js"));

/** Writes the repository and the backlog; returns the prompt files. */
function generate(dir) {
  mkdirSync(join(dir, "src"), { recursive: true });
  mkdirSync(join(dir, "prompts"), { recursive: true });
  writeFileSync(join(dir, "NOTES.md"), "# Notes\n");
  writeFileSync(join(dir, "README.md"), "# Project\n");
  writeFileSync(join(dir, "CHANGELOG.md"), "# Changelog\n");
  const prompts = [];
  for (let i = 1; i <= count; i++) {
    writeFileSync(join(dir, "src", `mod${i}.js`), `export const mod${i} = ${i};\n`);
    // Deterministic spread: which prompts also touch which shared file.
    const asks = [`Change \`src/mod${i}.js\` so that it exports a function.`];
    if (i % 2 === 0) asks.push("Write down what you learned in `NOTES.md`.");
    if (i % 3 === 0) asks.push("Describe the new function in `README.md`.");
    if (i % 4 === 1) asks.push("Add an entry to `CHANGELOG.md`.");
    if (i % 10 === 0 && i < count) asks.push(`Also adapt \`src/mod${i + 1}.js\` to it.`);
    const file = `prompts/task-${i}.md`;
    writeFileSync(join(dir, file), `# Task ${i}\n\n${asks.join(" ")}\n`);
    prompts.push(file);
  }
  commitGenerated(dir);
  return prompts;
}

const dir = mkdtempSync(join(tmpdir(), "gadugi-hotspots-"));
try {
  const promptFiles = generate(dir);
  const variants = [
    ["off", false],
    ["default", {}],
    ["readme", { "README.md": "append-only" }],
  ];
  console.log(
    `${count} prompts; shared files: NOTES.md, README.md, CHANGELOG.md, and a module every tenth prompt`,
  );
  console.log("rules     levels  critical path  parallelism  same-file edges  hotspot edges  analyze ms");
  const hints = [];
  for (const [name, mergeRules] of variants) {
    const started = performance.now();
    const { plan } = await analyze({ repoRoot: dir, promptFiles, idSalt: "bench", cache: false, mergeRules });
    const ms = performance.now() - started;
    const kind = (k) => plan.edges.filter((e) => e.kind === k).length;
    console.log(
      [
        name.padEnd(8),
        String(plan.levels.length).padStart(6),
        String(plan.criticalPath.length).padStart(14),
        String(plan.recommendedParallelism).padStart(12),
        String(kind("same-file")).padStart(16),
        String(kind("hotspot")).padStart(14),
        ms.toFixed(0).padStart(11),
      ].join(" "),
    );
    // What the plan suggests for the files that still serialize it (the README under "default").
    for (const w of plan.warnings)
      if (w.message.includes("integration.mergeRules")) hints.push(`plan warning (${name}): ${w.message}`);
  }
  for (const hint of hints) console.log(hint);
} finally {
  if (args.includes("--keep")) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
