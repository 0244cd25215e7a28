import { existsSync } from "node:fs";
import { join } from "node:path";
import { ExecutionPlan } from "@gadugi/interfaces";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { type CliResult, runCli } from "./run-cli.js";

/** Runs the built CLI in `cwd`; stdin gets `input` (or is closed at once). */
function gadugi(cwd: string, args: string[], input = ""): Promise<CliResult> {
  return runCli(cwd, args, { input });
}

const FILES: Record<string, string> = {
  "package.json": '{ "name": "fixture", "type": "module" }\n',
  "tsconfig.json": '{ "compilerOptions": { "module": "NodeNext", "moduleResolution": "NodeNext" } }\n',
  "src/math.ts": "export const add = (a: number, b: number) => a + b;\n",
  "src/app.ts": 'import { add } from "./math.js";\nexport const total = add(1, 2);\n',
  "src/other.ts": "export const other = 1;\n",
  "py/core.py": "def run():\n    return 1\n",
  "py/service.py": "from core import run\n",
  "prompts/math.md": "# Add sub\n\nUpdate `src/math.ts`.\n",
  "prompts/app.md": "# Print totals\n\nChange `src/app.ts`.\n",
  "prompts/other.md": "---\ndepends_on: math\n---\n# Other\n\nUpdate `src/other.ts` and `src/app.ts`.\n",
  "prompts/done.md": "# COMPLETED: nothing left\n",
};
const PROMPTS = ["prompts/math.md", "prompts/app.md", "prompts/other.md", "prompts/done.md"];

describe("gadugi analyze", () => {
  const temp = useTempDirs();
  const fixture = async (): Promise<TempRepo> => temp.track(await createTempRepo({ files: FILES }));

  it("prints the plan as a table with every edge and its reason", async () => {
    const repo = await fixture();
    const { stdout, stderr, code } = await gadugi(repo.dir, ["analyze", ...PROMPTS]);
    expect(code).toBe(0);
    expect(stdout).toContain("3 tasks in 3 levels; 3 edges; recommended parallelism 1");
    expect(stdout).toContain("math → other  [explicit] other declares depends_on: math");
    expect(stdout).toContain(
      "app → other  [same-file] both write src/app.ts; they must not run at once, so other waits for app (app was listed first)",
    );
    expect(stdout).toContain(
      "math → app  [import (soft)] app writes src/app.ts, which imports src/math.ts, written by math",
    );
    expect(stdout).toContain("prompts/done.md: its first line says COMPLETED");
    expect(stderr).toMatch(
      /^import coupling: read the imports of 3 files \(0 from cache\), found 1, in \d+ ms$/m,
    );
  });

  it("prints JSON that validates against the ExecutionPlan schema", async () => {
    const repo = await fixture();
    const { stdout, code } = await gadugi(repo.dir, ["analyze", "--json", ...PROMPTS]);
    expect(code).toBe(0);
    const plan = ExecutionPlan.parse(JSON.parse(stdout));
    expect(plan.tasks.map((t) => t.slug)).toEqual(["math", "app", "other"]);
    expect(plan.edges.map((e) => `${e.kind}:${e.hard}`)).toEqual([
      "explicit:true",
      "same-file:true",
      "import:false",
    ]);
    expect(plan.repoRoot).toBe(repo.dir);
  });

  it("prints Mermaid, and honours --soft-edges warn and --cwd", async () => {
    const repo = await fixture();
    const mermaid = await gadugi(repo.dir, ["analyze", "--mermaid", ...PROMPTS]);
    expect(mermaid.stdout.split("\n")[0]).toBe("flowchart TD");
    expect(mermaid.stdout).toContain("t0 -.->|imports| t1");
    expect(mermaid.stdout).toContain("t0 -->|depends on| t2");

    const warn = await gadugi(temp.dir(), [
      "analyze",
      "--cwd",
      repo.dir,
      "--soft-edges",
      "warn",
      "prompts/math.md",
      "prompts/app.md",
    ]);
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain("2 tasks in 1 level; 1 edge; recommended parallelism 2");
    expect(warn.stdout).toContain('may run in parallel although they are coupled (soft-edge policy "warn")');
  });

  it("follows gadugi.config analysis settings unless a flag overrides them", async () => {
    const repo = await fixture();
    repo.write({ "gadugi.config.json": JSON.stringify({ analysis: { softEdges: "warn" } }) });
    const fromConfig = await gadugi(repo.dir, ["analyze", "--json", "prompts/math.md", "prompts/app.md"]);
    expect(fromConfig.code).toBe(0);
    expect(JSON.parse(fromConfig.stdout).levels).toHaveLength(1);
    const overridden = await gadugi(repo.dir, [
      "analyze",
      "--json",
      "--soft-edges",
      "serialize",
      "prompts/math.md",
      "prompts/app.md",
    ]);
    expect(JSON.parse(overridden.stdout).levels).toHaveLength(2);
  });

  it("takes the prompts as gadugi run does: a quoted glob, or --all-prompts", async () => {
    const repo = await fixture();
    // A glob no shell expanded (a script, a quoted argument): expanded here, sorted.
    const globbed = await gadugi(repo.dir, ["analyze", "--json", "prompts/*.md"]);
    expect(globbed.code).toBe(0);
    expect(JSON.parse(globbed.stdout).tasks.map((t: { slug: string }) => t.slug)).toEqual([
      "app",
      "math",
      "other",
    ]);
    const all = await gadugi(repo.dir, ["analyze", "--json", "--all-prompts"]);
    expect(all.code).toBe(0);
    const files = (out: string) => JSON.parse(out).tasks.map((t: { promptFile: string }) => t.promptFile);
    expect(files(all.stdout)).toEqual(files(globbed.stdout));
    const none = await gadugi(repo.dir, ["analyze", "prompts/*.txt"]);
    expect(none).toMatchObject({ code: 2, stdout: "" });
    expect(none.stderr).toContain("GADUGI_FILE_NOT_FOUND prompts/*.txt");
  });

  it("reads the seed's request form from stdin", async () => {
    const request =
      "/agent:orchestrator-agent\n\nExecute these specific prompts in parallel:\n- math.md\n- app.md\n";
    const repo = await fixture();
    const piped = await gadugi(repo.dir, ["analyze", "--json"], request);
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout).tasks.map((t: { slug: string }) => t.slug)).toEqual(["math", "app"]);

    const dash = await gadugi(
      repo.dir,
      ["analyze", "--json", "prompts/other.md", "-"],
      "1. prompts/math.md\n",
    );
    expect(JSON.parse(dash.stdout).tasks.map((t: { slug: string }) => t.slug)).toEqual(["other", "math"]);

    const empty = await gadugi(repo.dir, ["analyze"], "");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("GADUGI_NO_TASKS");
  });

  it("exits 2 with a clear message on bad input, and prints no plan", async () => {
    const repo = await fixture();
    const missing = await gadugi(repo.dir, ["analyze", "prompts/nope.md"]);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toContain("GADUGI_FILE_NOT_FOUND prompts/nope.md does not exist.");

    const dir = await gadugi(repo.dir, ["analyze", "--json", "prompts"]);
    expect(dir.code).toBe(2);
    expect(JSON.parse(dir.stderr)).toMatchObject({ error: { code: "GADUGI_FILE_UNREADABLE" } });

    repo.write({ "prompts/bad.md": "---\npriority: urgent\n---\n# Bad\n" });
    const bad = await gadugi(repo.dir, ["analyze", "prompts/math.md", "prompts/bad.md"]);
    expect(bad).toMatchObject({ code: 2, stdout: "" });
    expect(bad.stderr).toContain("GADUGI_PROMPT_INVALID prompts/bad.md:2: frontmatter key `priority`");

    for (const args of [
      ["--import-depth", "0"],
      ["--soft-edges", "sometimes"],
      ["--json", "--mermaid"],
    ]) {
      const usage = await gadugi(repo.dir, ["analyze", ...args, "prompts/math.md"]);
      expect(usage.code).toBe(2);
      expect(usage.stdout).toBe("");
    }
    expect(existsSync(join(repo.dir, ".gadugi"))).toBe(false);
  });

  it("is listed in --help, and its help exits 0", async () => {
    const repo = await fixture();
    const help = await gadugi(repo.dir, ["--help"]);
    expect(help.stdout).toMatch(/analyze \[options\] \[prompts\.\.\.\]/);
    const own = await gadugi(repo.dir, ["analyze", "--help"]);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain("--soft-edges <policy>");
  });
});
