import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { WorktreeRegistry } from "@gadugi/worktree-manager";
import { describe, expect, it } from "vitest";
import { Orchestrator } from "./engine.js";
import { repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

function registry(dir: string): WorktreeRegistry {
  return new WorktreeRegistry(join(dir, ".gadugi", "worktrees.json"));
}

describe("the worktree pool in a run", () => {
  it("hands a merged task's worktree to the next task, tests the integration in a pooled one, and keeps the pool for the next run", async () => {
    const repo = await repoWithSampleAgent(
      temp,
      {
        "one.md": samplePrompt("One", "src/one.js"),
        "two.md": samplePrompt("Two", "src/two.js"),
        "three.md": samplePrompt("Three", "src/three.js"),
      },
      sampleConfig({ worktreePool: { size: 2 }, integration: { testCommand: "node --test" } }),
    );
    // What a developer's checkout has: ignored installed dependencies and a secret copied in.
    writeFileSync(join(repo.dir, ".gitignore"), "node_modules/\n.env\n");
    writeFileSync(join(repo.dir, ".worktreeinclude"), ".env\n");
    await repo.commit("ignore dependencies");
    writeFileSync(join(repo.dir, ".env"), "TOKEN=local\n");
    const promptFiles = ["prompts/one.md", "prompts/two.md", "prompts/three.md"];

    const first = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles,
      maxParallel: 1,
    });
    expect(first.status).toBe("completed");
    expect(first.report.integrationTests?.ok).toBe(true);
    const records = await registry(repo.dir).read();
    const ofRun = records.filter((r) => r.runId === first.runId);
    // One checkout made; the other two tasks took it up after each merge.
    expect(ofRun.filter((r) => r.recycled).length).toBe(2);
    expect(new Set(ofRun.map((r) => r.path)).size).toBe(1);
    // The report says, per task, where its worktree came from and what setup cost.
    const notes = first.report.tasks.map((t) => t.phases.find((p) => p.phase === "setup")?.note ?? "");
    expect(notes.filter((n) => n.startsWith("new worktree in "))).toHaveLength(1);
    expect(notes.filter((n) => n.startsWith("worktree taken up from the pool in "))).toHaveLength(2);
    expect(notes.every((n) => /; environment \d+\.\d+ s/.test(n))).toBe(true);
    const pooled = records.filter((r) => r.status === "pooled");
    expect(pooled).toHaveLength(1);
    const pooledPath = (pooled[0] as (typeof pooled)[number]).path;
    // Pooled: detached, the secret gone, nothing of the last task's left uncommitted.
    expect(await repo.git(["-C", pooledPath, "rev-parse", "--abbrev-ref", "HEAD"])).toBe("HEAD");
    expect(existsSync(join(pooledPath, ".env"))).toBe(false);
    expect(await repo.git(["-C", pooledPath, "status", "--porcelain"])).toBe("");
    // Every task's work is on its branch and merged.
    for (const file of ["src/one.js", "src/two.js", "src/three.js"]) {
      expect(await repo.git(["show", `${first.report.integrationBranch}:${file}`])).toContain(
        "export const v",
      );
    }

    // A dependency installed in the pooled checkout survives into the next run's task.
    mkdirSync(join(pooledPath, "node_modules", "dep"), { recursive: true });
    writeFileSync(join(pooledPath, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
    const second = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/one.md"],
    });
    expect(second.status).toBe("completed");
    const taken = (await registry(repo.dir).read()).find((r) => r.runId === second.runId);
    expect(taken).toMatchObject({ recycled: true, path: pooledPath });
    expect(readFileSync(join(pooledPath, "node_modules", "dep", "index.js"), "utf8")).toContain("1");
  }, 90_000);

  it("removes worktrees as before when the pool is off", async () => {
    const repo = await repoWithSampleAgent(
      temp,
      { "one.md": samplePrompt("One", "src/one.js"), "two.md": samplePrompt("Two", "src/two.js") },
      sampleConfig({ worktreePool: { size: 0 } }),
    );
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/one.md", "prompts/two.md"],
      maxParallel: 1,
    });
    expect(result.status).toBe("completed");
    const records = await registry(repo.dir).read();
    expect(records.map((r) => [r.status, r.recycled ?? false])).toEqual([
      ["removed", false],
      ["removed", false],
    ]);
    expect(await repo.git(["worktree", "list"])).not.toContain(".worktrees");
  }, 60_000);

  it("resumes a failed task whose worktree went into the pool: setup runs again, in a worktree of its own", async () => {
    const flag = join(temp.dir(), "fail-two");
    writeFileSync(flag, "");
    const repo = await repoWithSampleAgent(
      temp,
      { "one.md": samplePrompt("One", "src/one.js"), "two.md": samplePrompt("Two", "src/two.js") },
      sampleConfig({
        agents: { sample: { kind: "command", command: ["node", "tools/flaky-agent.mjs", "{prompt_file}"] } },
      }),
    );
    // The sample agent, except that task Two fails while the flag file exists.
    writeFileSync(
      join(repo.dir, "tools", "flaky-agent.mjs"),
      `import { existsSync, readFileSync } from "node:fs";\nif (readFileSync(process.argv[2], "utf8").includes("src/two.js") && existsSync(${JSON.stringify(flag)})) process.exit(3);\nawait import("./sample-agent.mjs");\n`,
    );
    await repo.commit("flaky agent");
    const orchestrator = new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env });
    const first = await orchestrator.run({
      promptFiles: ["prompts/one.md", "prompts/two.md"],
      maxParallel: 1,
    });
    expect(first.status).toBe("failed");
    const two = first.report.tasks.find((t) => t.slug === "two") as (typeof first.report.tasks)[number];
    // Its worktree went into the pool at the end of the run, and another run takes it up.
    expect((await registry(repo.dir).read()).find((r) => r.taskId === two.id)?.status).toBe("pooled");
    const other = await orchestrator.run({ promptFiles: ["prompts/one.md"], maxParallel: 1 });
    expect(other.status).toBe("completed");

    rmSync(flag);
    const resumed = await orchestrator.resume({ runId: first.runId });
    expect(resumed.status).toBe("completed");
    const setups = resumed.report.tasks
      .find((t) => t.id === two.id)
      ?.phases.filter((p) => p.phase === "setup");
    expect(setups?.[0]?.status).toBe("completed");
    expect(await repo.git(["show", `${resumed.report.integrationBranch}:src/two.js`])).toContain("Two");
    // The worktree it worked in was its own: its commits are on its branch, nobody else's.
    expect(await repo.git(["log", "--format=%s", `${two.branch}`, "-1"])).not.toContain("One");
  }, 120_000);
});
