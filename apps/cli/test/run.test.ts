import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunEvent, RunState } from "@gadugi/interfaces";
import { type TempRepo, useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { repoWithSampleAgent, sampleWorkConfig } from "./run-cli.js";

const gadugiBin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));
const agentBin = fileURLToPath(new URL("../dist/bin/orchestrator-agent.js", import.meta.url));
const temp = useTempDirs();

interface Result {
  stdout: string;
  stderr: string;
  code: number | null;
}

function start(
  bin: string,
  cwd: string,
  args: string[],
  env: Record<string, string>,
  input = "",
): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: "1", CI: "1" },
  });
  child.stdin?.end(input);
  return child;
}

function finish(child: ChildProcess): Promise<Result> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ stdout, stderr, code }));
  });
}

/** A prompt whose agent (the sample agent) applies the fenced blocks it lists. */
function prompt(options: {
  title: string;
  frontmatter?: string;
  text?: string;
  blocks: { file: string; mode: "append" | "create"; body: string }[];
}): string {
  const fm = options.frontmatter ? `---\n${options.frontmatter}\n---\n` : "";
  const blocks = options.blocks
    .map((b) => `\`\`\`js file=${b.file} mode=${b.mode}\n${b.body}\`\`\``)
    .join("\n\n");
  return `${fm}# ${options.title}\n\n## Overview\n${options.text ?? ""}\n\n## Implementation\n${blocks}\n`;
}

interface Fixture {
  repo: TempRepo;
  env: Record<string, string>;
  agentLog: string;
}

/**
 * A small repository with the sample agent as its command agent: every task's agent sleeps
 * `workMs` (standing in for real work) and writes the blocks of its prompt.
 */
async function fixture(prompts: Record<string, string>, workMs = 200): Promise<Fixture> {
  const config = sampleWorkConfig(workMs);
  const repo = await repoWithSampleAgent(temp, {
    "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
    "src/base.js": "export const base = 1;\n",
    "test/base.test.js":
      'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { base } from "../src/base.js";\ntest("base", () => assert.equal(base, 1));\n',
    "shared.txt": "shared\n",
    "gadugi.config.json": `${JSON.stringify(config, null, 2)}\n`,
    ...Object.fromEntries(Object.entries(prompts).map(([name, text]) => [`prompts/${name}`, text])),
  });
  const agentLog = join(temp.dir(), "agent.log");
  writeFileSync(agentLog, "");
  return { repo, env: { ...repo.env, GADUGI_SAMPLE_AGENT_LOG: agentLog }, agentLog };
}

function runIds(repo: TempRepo): string[] {
  const dir = join(repo.dir, ".gadugi", "runs");
  return existsSync(dir) ? readdirSync(dir) : [];
}

function journal(repo: TempRepo, runId: string): RunEvent[] {
  return readFileSync(join(repo.dir, ".gadugi", "runs", runId, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as RunEvent);
}

function state(repo: TempRepo, runId: string): RunState {
  return RunState.parse(
    JSON.parse(readFileSync(join(repo.dir, ".gadugi", "runs", runId, "state.json"), "utf8")),
  );
}

/** The tasks the agent implemented, one entry per implementation run (documentation runs left out). */
function agentRuns(f: Fixture): string[] {
  return readFileSync(f.agentLog, "utf8")
    .split("\n")
    .filter((title) => title.startsWith("Task: "))
    .map((title) => title.slice("Task: ".length));
}

const line = (text: string) => `export const x${Math.abs(hash(text))} = ${JSON.stringify(text)};\n`;
function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

describe("gadugi run", () => {
  it("runs parallel, dependent and conflicting tasks and ends with every result on the integration branch", async () => {
    const f = await fixture({
      "alpha.md": prompt({
        title: "Alpha module",
        text: "Create `src/alpha.js`.",
        blocks: [{ file: "src/alpha.js", mode: "create", body: line("alpha") }],
      }),
      "beta.md": prompt({
        title: "Beta module",
        text: "Create `src/beta.js`.",
        blocks: [{ file: "src/beta.js", mode: "create", body: line("beta") }],
      }),
      "gamma.md": prompt({
        title: "Extend alpha",
        frontmatter: "depends_on: [alpha]",
        text: "Append to `src/alpha.js`.",
        blocks: [{ file: "src/alpha.js", mode: "append", body: line("gamma") }],
      }),
      // Both append to shared.txt, but declare other files: the conflict only shows at merge time.
      "delta.md": prompt({
        title: "Delta notes",
        frontmatter: "files: [src/delta.js]",
        blocks: [
          { file: "src/delta.js", mode: "create", body: line("delta") },
          { file: "shared.txt", mode: "append", body: "delta line\n" },
        ],
      }),
      "epsilon.md": prompt({
        title: "Epsilon notes",
        frontmatter: "files: [src/epsilon.js]",
        blocks: [
          { file: "src/epsilon.js", mode: "create", body: line("epsilon") },
          { file: "shared.txt", mode: "append", body: "epsilon line\n" },
        ],
      }),
    });
    const result = await finish(start(gadugiBin, f.repo.dir, ["run", "prompts/*.md"], f.env));
    expect(result.stderr).not.toMatch(/Unexpected error/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/measured speedup \d+\.\d\d×/);

    const [runId] = runIds(f.repo);
    const s = state(f.repo, runId!);
    expect(s.status).toBe("completed");
    const branch = s.integrationBranch!;
    const show = (path: string) => f.repo.git(["show", `${branch}:${path}`]);
    expect(await show("src/beta.js")).toContain("beta");
    // gamma waited for alpha and started from its merged result.
    expect(await show("src/alpha.js")).toMatch(/alpha[\s\S]*gamma/);
    // The unpredicted conflict was resolved by re-running the later task on top of the merged work.
    const shared = await show("shared.txt");
    expect(shared).toContain("delta line");
    expect(shared).toContain("epsilon line");
    const events = journal(f.repo, runId!);
    const conflicts = events.filter((e) => e.type === "merge.result" && e.status === "conflict");
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ conflictFiles: ["shared.txt"] });
    expect(Object.values(s.merges).every((m) => m.status === "merged")).toBe(true);
    // The integration branch passed the tests, and the report says so.
    const report = JSON.parse(
      readFileSync(join(f.repo.dir, ".gadugi", "runs", runId!, "report.json"), "utf8"),
    );
    expect(report.integrationTests).toMatchObject({ ok: true });
    expect(report.metrics.speedup).toBeGreaterThan(0);
    // The user's checkout never moved.
    expect((await f.repo.git(["symbolic-ref", "--short", "HEAD"])).trim()).toBe("main");
    expect(existsSync(join(f.repo.dir, "src", "alpha.js"))).toBe(false);
  }, 120_000);

  it("leaves a dirty working tree of the user exactly as it was", async () => {
    const f = await fixture({
      "one.md": prompt({
        title: "One",
        text: "Create `src/one.js`.",
        blocks: [{ file: "src/one.js", mode: "create", body: line("one") }],
      }),
    });
    f.repo.write({ "src/base.js": "export const base = 2; // not committed\n", "notes.txt": "mine\n" });
    await f.repo.git(["add", "notes.txt"]);
    const before = await f.repo.git(["status", "--porcelain"]);
    const diffBefore = await f.repo.git(["diff", "HEAD"]);
    const result = await finish(
      start(gadugiBin, f.repo.dir, ["run", "prompts/one.md", "--no-integrate"], f.env),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await f.repo.git(["status", "--porcelain"])).toBe(before);
    expect(await f.repo.git(["diff", "HEAD"])).toBe(diffBefore);
    expect(f.repo.read("src/base.js")).toBe("export const base = 2; // not committed\n");
  }, 60_000);

  it("changes nothing with --dry-run", async () => {
    const f = await fixture({
      "one.md": prompt({ title: "One", blocks: [{ file: "src/one.js", mode: "create", body: line("one") }] }),
    });
    const snapshot = async () =>
      [
        await f.repo.git(["status", "--porcelain", "--ignored"]),
        await f.repo.git(["branch", "--list"]),
        await f.repo.git(["worktree", "list", "--porcelain"]),
      ].join("\n---\n");
    const before = await snapshot();
    const result = await finish(
      start(gadugiBin, f.repo.dir, ["run", "prompts/one.md", "--dry-run", "--json"], f.env),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).tasks).toHaveLength(1);
    expect(await snapshot()).toBe(before);
    expect(existsSync(join(f.repo.dir, ".gadugi"))).toBe(false);
    expect(agentRuns(f)).toEqual([]);
  }, 60_000);

  it("resumes after kill -9 without running a finished task again or merging twice", async () => {
    const f = await fixture(
      {
        "quick.md": prompt({
          title: "Quick",
          blocks: [{ file: "src/quick.js", mode: "create", body: line("quick") }],
        }),
        "slow.md": prompt({
          title: "Slow",
          frontmatter: "depends_on: [quick]",
          blocks: [{ file: "src/slow.js", mode: "create", body: line("slow") }],
        }),
        "later.md": prompt({
          title: "Later",
          frontmatter: "depends_on: [slow]",
          blocks: [{ file: "src/later.js", mode: "create", body: line("later") }],
        }),
      },
      1500,
    );
    const child = start(gadugiBin, f.repo.dir, ["run", "prompts/*.md"], f.env);
    const ended = finish(child);
    // Kill the orchestrator while "slow" is being implemented, after "quick" is merged.
    let runId: string | undefined;
    await waitFor(
      () => {
        [runId] = runIds(f.repo);
        if (!runId || !existsSync(join(f.repo.dir, ".gadugi", "runs", runId, "events.jsonl"))) return false;
        const merged = journal(f.repo, runId).some((e) => e.type === "merge.result" && e.status === "merged");
        return merged && agentRuns(f).includes("Slow");
      },
      60_000,
      "the run never reached the kill point",
      50,
    );
    child.kill("SIGKILL");
    await ended;
    expect(state(f.repo, runId!).status).toBe("running");

    const resumed = await finish(start(gadugiBin, f.repo.dir, ["resume", runId!], f.env));
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const s = state(f.repo, runId!);
    expect(s.status).toBe("completed");
    const runs = agentRuns(f);
    expect(runs.filter((r) => r === "Quick")).toHaveLength(1);
    expect(runs.filter((r) => r === "Later")).toHaveLength(1);
    const merges = journal(f.repo, runId!).filter((e) => e.type === "merge.result" && e.status === "merged");
    expect(merges.map((e) => (e as { taskId: string }).taskId).sort()).toEqual([...s.taskIds].sort());
    for (const file of ["src/quick.js", "src/slow.js", "src/later.js"]) {
      expect(await f.repo.git(["show", `${s.integrationBranch}:${file}`])).toContain("export const");
    }
  }, 120_000);
});

describe("the seed's command forms", () => {
  const twoTasks = () => ({
    "one.md": prompt({ title: "One", blocks: [{ file: "src/one.js", mode: "create", body: line("one") }] }),
    "two.md": prompt({ title: "Two", blocks: [{ file: "src/two.js", mode: "create", body: line("two") }] }),
    "done.md": `IMPLEMENTED\n${prompt({ title: "Done", blocks: [{ file: "src/done.js", mode: "create", body: line("done") }] })}`,
  });

  it("orchestrator-agent execute --parallel --tasks=a.md,b.md", async () => {
    const f = await fixture(twoTasks());
    const result = await finish(
      start(
        agentBin,
        f.repo.dir,
        [
          "execute",
          "--parallel",
          "--conflict-check",
          "--smart-scheduling",
          "--tasks=prompts/one.md,prompts/two.md",
        ],
        f.env,
      ),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(agentRuns(f).sort()).toEqual(["One", "Two"]);
  }, 60_000);

  it('reads "Execute these specific prompts in parallel:" from stdin', async () => {
    const f = await fixture(twoTasks());
    const request =
      "/agent:orchestrator-agent\n\nExecute these specific prompts in parallel:\n- prompts/one.md\n- prompts/two.md\n";
    const result = await finish(start(gadugiBin, f.repo.dir, ["run", "--no-integrate"], f.env, request));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(agentRuns(f).sort()).toEqual(["One", "Two"]);
  }, 60_000);

  it("--all-prompts runs every prompt not marked IMPLEMENTED", async () => {
    const f = await fixture(twoTasks());
    const result = await finish(
      start(agentBin, f.repo.dir, ["execute", "--all-prompts", "--no-integrate"], f.env),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(agentRuns(f).sort()).toEqual(["One", "Two"]);
    expect(result.stdout).toMatch(/skipped prompts\/done\.md/);
  }, 60_000);
});

describe("inspecting and stopping runs", () => {
  it("lists runs, shows status and the report, and cleans up", async () => {
    const f = await fixture({
      "one.md": prompt({ title: "One", blocks: [{ file: "src/one.js", mode: "create", body: line("one") }] }),
    });
    const ran = await finish(
      start(gadugiBin, f.repo.dir, ["run", "prompts/one.md", "--keep-worktrees"], f.env),
    );
    expect(ran.code, ran.stderr).toBe(0);
    const [runId] = runIds(f.repo);

    const runs = JSON.parse((await finish(start(gadugiBin, f.repo.dir, ["runs", "--json"], f.env))).stdout);
    expect(runs).toMatchObject([{ runId, status: "completed", taskCount: 1 }]);

    const status = await finish(start(gadugiBin, f.repo.dir, ["status"], f.env));
    expect(status.stdout).toContain(`run ${runId}: completed`);
    expect(status.stdout).toMatch(/one\s+completed\s+review/);

    const report = await finish(start(gadugiBin, f.repo.dir, ["report", runId!.slice(0, 12)], f.env));
    expect(report.code).toBe(0);
    expect(report.stdout).toContain("| Measured speedup |");
    expect(report.stdout).toContain("```mermaid");
    const html = await finish(start(gadugiBin, f.repo.dir, ["report", "--format", "html"], f.env));
    expect(html.stdout).toContain("<svg");

    // The worktree was kept; cleanup removes it and keeps the branch.
    const worktree = state(f.repo, runId!).tasks[state(f.repo, runId!).taskIds[0]!]?.worktreePath;
    expect(worktree && existsSync(worktree)).toBe(true);
    const cleaned = await finish(start(gadugiBin, f.repo.dir, ["cleanup", runId!], f.env));
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(existsSync(worktree!)).toBe(false);
    expect(await f.repo.git(["branch", "--list", "gadugi/one"])).toContain("gadugi/one");

    const cancelled = await finish(start(gadugiBin, f.repo.dir, ["cancel", runId!], f.env));
    expect(cancelled.stdout).toContain(`run ${runId} is completed`);

    // State safety copies: a checkpoint per finished task, and backups that restore.
    const checkpoints = JSON.parse(
      (await finish(start(gadugiBin, f.repo.dir, ["state", "checkpoints", runId!, "--json"], f.env))).stdout,
    );
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    const backup = JSON.parse(
      (await finish(start(gadugiBin, f.repo.dir, ["state", "backup", runId!, "--json"], f.env))).stdout,
    );
    expect(backup.runIds).toEqual([runId]);
    writeFileSync(join(f.repo.dir, ".gadugi", "runs", runId!, "state.json"), "{ broken");
    const restored = await finish(start(gadugiBin, f.repo.dir, ["state", "restore", backup.id], f.env));
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`restored ${runId}`);
    expect(state(f.repo, runId!).status).toBe("completed");
  }, 60_000);

  it("gadugi cancel stops a live run: its orchestrator records it cancelled and exits 143", async () => {
    const f = await fixture(
      {
        "one.md": prompt({
          title: "One",
          blocks: [{ file: "src/one.js", mode: "create", body: line("one") }],
        }),
        "two.md": prompt({
          title: "Two",
          blocks: [{ file: "src/two.js", mode: "create", body: line("two") }],
        }),
      },
      20_000,
    );
    const child = start(gadugiBin, f.repo.dir, ["run", "prompts/*.md"], f.env);
    const ended = finish(child);
    await waitFor(() => agentRuns(f).length >= 2, 30_000, "the agents never started", 50);
    const [runId] = runIds(f.repo);
    // While it runs, status shows each agent's pid and output activity from the process registry.
    const live = await finish(start(gadugiBin, f.repo.dir, ["status"], f.env));
    expect(live.stdout).toContain(`run ${runId}: running`);
    expect(live.stdout).toMatch(/ {2}one: pid \d+, running/);
    const cancel = await finish(start(gadugiBin, f.repo.dir, ["cancel", runId!], f.env));
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain("sent SIGTERM");
    const run = await ended;
    expect(run.code).toBe(143);
    const s = state(f.repo, runId!);
    expect(s.status).toBe("cancelled");
    expect(s.taskIds.every((id) => s.tasks[id]?.status === "cancelled")).toBe(true);
    // No agent process survived.
    const registry = JSON.parse(
      readFileSync(join(f.repo.dir, ".gadugi", "runs", runId!, "processes.json"), "utf8"),
    );
    for (const p of registry.processes as { pid: number }[]) {
      expect(() => process.kill(p.pid, 0)).toThrow();
    }
  }, 60_000);
});
