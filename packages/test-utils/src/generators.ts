import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFiles } from "./temp-repo.js";

export interface GeneratedRepo {
  /** Written files, relative to the target dir. */
  files: string[];
  /** Import edges between generated modules (relative paths, importer → imported). */
  imports: Array<[from: string, to: string]>;
}

export interface GenerateOptions {
  modules: number;
  /** Distinct imports per module (capped at modules - 1). Default 3. */
  importsPerModule?: number;
  /** Modules per directory. Default 50. */
  modulesPerDir?: number;
  /** Seed of the pseudo-random import choice; the same options always give the same files. */
  seed?: number;
}

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** For each module, the distinct other modules it imports; half near it, half anywhere (cycles). */
function chooseImports(options: GenerateOptions): number[][] {
  const n = options.modules;
  const k = Math.min(options.importsPerModule ?? 3, Math.max(n - 1, 0));
  const next = random(options.seed ?? 1);
  const all: number[][] = [];
  for (let i = 0; i < n; i++) {
    const chosen = new Set<number>();
    while (chosen.size < k) {
      const near = chosen.size % 2 === 0 && i >= k;
      const j = near ? Math.floor(next() * i) : Math.floor(next() * n);
      if (j !== i) chosen.add(j);
    }
    all.push([...chosen]);
  }
  return all;
}

function relativeImport(from: string, to: string): string {
  const fromParts = from.split("/").slice(0, -1);
  const toParts = to.split("/");
  let common = 0;
  while (common < fromParts.length && fromParts[common] === toParts[common]) common++;
  const up = fromParts.length - common;
  const rest = toParts.slice(common).join("/");
  return up === 0 ? `./${rest}` : `${"../".repeat(up)}${rest}`;
}

/**
 * A TypeScript project (NodeNext, `.js` import suffixes) of `modules` modules under
 * `src/pkgN/modM.ts`, each importing `importsPerModule` others, with cycles. Deterministic.
 */
export function generateTsRepo(dir: string, options: GenerateOptions): GeneratedRepo {
  const perDir = options.modulesPerDir ?? 50;
  const pathOf = (i: number): string => `src/pkg${Math.floor(i / perDir)}/mod${i}.ts`;
  const choices = chooseImports(options);
  const files: Record<string, string> = {
    "package.json": `${JSON.stringify({ name: "generated-ts", private: true, type: "module" }, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
        },
        include: ["src"],
      },
      null,
      2,
    )}\n`,
  };
  const imports: Array<[string, string]> = [];
  choices.forEach((deps, i) => {
    const path = pathOf(i);
    const lines = deps.map((j) => {
      imports.push([path, pathOf(j)]);
      return `import { fn${j} } from "${relativeImport(path, pathOf(j)).replace(/\.ts$/, ".js")}";`;
    });
    const calls = deps.map((j) => `fn${j}(depth - 1)`).join(" + ");
    lines.push(
      "",
      `export function fn${i}(depth: number): number {`,
      `  return depth <= 0 ? ${i} : ${calls || "0"};`,
      "}",
      "",
    );
    files[path] = lines.join("\n");
  });
  writeFiles(dir, files);
  return { files: Object.keys(files), imports };
}

/**
 * A Python package `app/` of `modules` modules under `app/pkgN/modM.py` (with `__init__.py`),
 * each importing `importsPerModule` others, alternating `from x import f` and `import x`. Imports
 * form cycles, so it is a fixture for static analysis, not a program to run. Deterministic.
 */
export function generatePythonRepo(dir: string, options: GenerateOptions): GeneratedRepo {
  const perDir = options.modulesPerDir ?? 50;
  const pkgOf = (i: number): number => Math.floor(i / perDir);
  const pathOf = (i: number): string => `app/pkg${pkgOf(i)}/mod${i}.py`;
  const moduleOf = (i: number): string => `app.pkg${pkgOf(i)}.mod${i}`;
  const choices = chooseImports(options);
  const files: Record<string, string> = {
    "pyproject.toml": '[project]\nname = "generated-py"\nversion = "0.0.0"\n',
    "app/__init__.py": "",
  };
  const imports: Array<[string, string]> = [];
  choices.forEach((deps, i) => {
    files[`app/pkg${pkgOf(i)}/__init__.py`] = "";
    const path = pathOf(i);
    const top: string[] = [];
    const body: string[] = [];
    deps.forEach((j, n) => {
      imports.push([path, pathOf(j)]);
      if (n % 2 === 0) {
        top.push(`from ${moduleOf(j)} import fn${j}`);
        body.push(`fn${j}`);
      } else {
        top.push(`import ${moduleOf(j)}`);
        body.push(`${moduleOf(j)}.fn${j}`);
      }
    });
    const calls = body.map((f) => `${f}(depth - 1)`).join(" + ");
    files[path] = [
      ...top,
      "",
      "",
      `def fn${i}(depth: int) -> int:`,
      `    return ${i} if depth <= 0 else ${calls || "0"}`,
      "",
    ].join("\n");
  });
  writeFiles(dir, files);
  return { files: Object.keys(files), imports };
}

/**
 * `count` prompts (`prompts/task-N.md`), each modifying two of the generated modules, spread over
 * the repository, so every benchmark plans the same kind of work. Returns their paths.
 */
export function writeModulePrompts(dir: string, files: readonly string[], count = 8): string[] {
  const modules = files.filter((f) => /mod\d+\.(ts|py)$/.test(f));
  const slots = count * 2 + 1;
  mkdirSync(join(dir, "prompts"), { recursive: true });
  const prompts: string[] = [];
  for (let i = 0; i < count; i++) {
    const a = modules[Math.floor(((i * 2 + 1) * modules.length) / slots)];
    const b = modules[Math.floor(((i * 2 + 2) * modules.length) / slots)];
    const file = `prompts/task-${i + 1}.md`;
    writeFileSync(join(dir, file), `# Task ${i + 1}\n\nUpdate \`${a}\` and \`${b}\`.\n`);
    prompts.push(file);
  }
  return prompts;
}

export interface SampleWorkloadOptions {
  /** The sample repository's agent script (orchestrator's `sample-repo/tools/sample-agent.mjs`). */
  agentScript: string;
  tasks: number;
  /** How long the agent works per task. */
  workMs: number;
  /** Tracked filler modules (40 lines each, 100 per directory), so checkouts cost what they cost. */
  files?: number;
  /** Laid over the config (`workflow`, `integration`...). */
  config?: Record<string, unknown>;
  /** Extra files, path → content. */
  extra?: Record<string, string>;
}

/**
 * A repository for the overhead benchmarks: the sample agent in `tools/`, a config that runs it
 * (`--work-ms`), filler modules, and one prompt per task that creates its own file
 * (`prompts/task-NNN.md`). Returns the prompts' paths; commit with `commitGenerated`.
 */
export function writeSampleWorkload(dir: string, options: SampleWorkloadOptions): string[] {
  mkdirSync(join(dir, "tools"), { recursive: true });
  mkdirSync(join(dir, "prompts"), { recursive: true });
  copyFileSync(options.agentScript, join(dir, "tools", "sample-agent.mjs"));
  const command = ["node", "tools/sample-agent.mjs", "{prompt_file}", "--work-ms", String(options.workMs)];
  writeFiles(dir, {
    "package.json": '{ "name": "bench", "private": true, "type": "module" }\n',
    ".gitignore": "node_modules/\n.env\n",
    "gadugi.config.json": JSON.stringify({
      agent: "sample",
      agents: { sample: { kind: "command", command } },
      ...options.config,
    }),
    ...options.extra,
  });
  for (let i = 0; i < (options.files ?? 0); i++) {
    const sub = join(dir, "lib", `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `m${i}.js`), `export const m${i} = ${i};\n${"// filler line\n".repeat(40)}`);
  }
  const prompts: string[] = [];
  for (let i = 1; i <= options.tasks; i++) {
    const file = `prompts/task-${String(i).padStart(3, "0")}.md`;
    writeFileSync(
      join(dir, file),
      `# Feature ${i}\n\n## Overview\nCreate \`src/feature-${i}.js\`.\n\n## Implementation\n\`\`\`js file=src/feature-${i}.js mode=create\nexport const feature${i} = ${i};\n\`\`\`\n`,
    );
    prompts.push(file);
  }
  return prompts;
}

/** `git init` and one commit of everything in `dir`, with an identity of its own. */
export function commitGenerated(dir: string): void {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@localhost",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@localhost",
  };
  for (const args of [
    ["init", "-q"],
    ["add", "-A"],
    ["commit", "-qm", "generated"],
  ]) {
    execFileSync("git", args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  }
}
