#!/usr/bin/env node
/**
 * Python scanner on one large bracketed literal (build first: `pnpm --filter @gadugi/task-analyzer build`).
 *
 *   node bench/python-literal.mjs [--kb 1100] [--runs 5]
 *
 * Generates a module holding a single dict literal of about `--kb` kilobytes (nested lists,
 * tuples and dicts, prefixed strings, strings and comments that look like imports), with imports
 * before and after it, like the data tables some formatters ship. Prints the median time of
 * `scanPythonImports` over `--runs` calls and the imports it found. The scanner is linear in the
 * file's size (it used to be quadratic in the literal's length: about 30 s for 1.1 MB).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { scanPythonImports } = await import(join(here, "..", "dist", "index.js"));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const BYTES = option("kb", 1100) * 1000;
const RUNS = option("runs", 5);

function dictLiteralModule(bytes) {
  const parts = ["import os\nfrom . import alpha\n\nDATA = {\n"];
  let size = parts[0].length;
  for (let i = 0; size < bytes; i++) {
    const entry =
      `    "key_${i}": [{"name": 'v${i}', "tags": ("a", "b]"), "n": [${i}, [${i + 1}, {"p": r"x\\y(", "q": b'}'}]]},` +
      ` "import fake_${i}"],  # ) import commented\n`;
    parts.push(entry);
    size += entry.length;
  }
  parts.push("}\n\nfrom .beta import thing\nimport pkg.tail\n");
  return parts.join("");
}

const source = dictLiteralModule(BYTES);
const times = [];
let imports = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  imports = scanPythonImports(source);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const medianMs = times[Math.floor(times.length / 2)];
console.log(
  `scanPythonImports, one ${(source.length / 1e6).toFixed(2)} MB dict literal: ` +
    `median ${medianMs.toFixed(0)} ms over ${RUNS} runs (${(source.length / 1e6 / (medianMs / 1000)).toFixed(1)} MB/s)`,
);
console.log(
  `imports: ${imports.map((imp) => `${".".repeat(imp.level)}${imp.module}[${imp.names}]`).join(" ")}`,
);
