import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "@gadugi/interfaces";
import { WorkflowStateManager } from "@gadugi/state";
import { type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { Orchestrator, runFiles } from "./engine.js";
import { repoWithSampleAgent, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

const sample = (tag: string) => ({
  kind: "command",
  command: ["node", "tools/sample-agent.mjs", "{prompt_file}"],
  env: { AGENT_TAG: tag },
});

/** Three independent tasks; the config's default agent `alpha` always fails, `beta` and `gamma` work. */
async function repoWithAgents(): Promise<TempRepo> {
  const config = {
    agent: "alpha",
    maxParallel: 4,
    agents: {
      alpha: { kind: "command", command: ["node", "-e", "process.exit(3)"] },
      beta: sample("beta"),
      gamma: sample("gamma"),
    },
    workflow: { testCommand: "node --test" },
  };
  return repoWithSampleAgent(
    temp,
    {
      "one.md": samplePrompt("One", "src/one.js"),
      "two.md": samplePrompt("Two", "src/two.js"),
      "three.md": samplePrompt("Three", "src/three.js"),
    },
    config,
  );
}

/** Runs with `--agent beta --max-parallel 1 --timeout 5m` and stops the run after its first merge. */
async function interruptedRun(repo: TempRepo): Promise<string> {
  const controller = new AbortController();
  const loaded = await loadConfig(repo.dir);
  const result = await new Orchestrator({
    repoRoot: repo.dir,
    config: loaded.config,
    ...(loaded.file ? { configFile: loaded.file } : {}),
    github: false,
    env: repo.env,
    onEvent: (event) => {
      if (event.type === "merge.result" && event.status === "merged") controller.abort();
    },
  }).run({
    promptFiles: ["prompts/one.md", "prompts/two.md", "prompts/three.md"],
    agent: "beta",
    maxParallel: 1,
    timeoutSec: 300,
    signal: controller.signal,
  });
  expect(result.status).toBe("cancelled");
  expect(result.report.tasks.filter((t) => t.merge?.status === "merged")).toHaveLength(1);
  return result.runId;
}

function journal(repo: TempRepo, runId: string): RunEvent[] {
  return readFileSync(join(runFiles(repo.dir, runId).dir, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as RunEvent);
}

describe("resume keeps the run", () => {
  it("finishes with the run's own agent, parallelism and limits, not the config's defaults", async () => {
    const repo = await repoWithAgents();
    const runId = await interruptedRun(repo);

    // A new process: nothing but the run id, and the config still says agent alpha.
    const resumed = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).resume({
      runId,
    });
    expect(resumed.status).toBe("completed");
    expect(resumed.report.tasks.map((t) => [t.status, t.merge?.status, t.agent])).toEqual([
      ["completed", "merged", "beta"],
      ["completed", "merged", "beta"],
      ["completed", "merged", "beta"],
    ]);
    expect(resumed.report.metrics.maxParallel).toBe(1);
    const run = await new WorkflowStateManager(repo.dir).loadRun(runId);
    expect(run.settings).toMatchObject({ agent: "beta", maxParallel: 1, timeoutSec: 300, github: "off" });
    expect(run.settings?.configHash).toMatch(/^[0-9a-f]{64}$/);
    // No task's agent ran twice: one implementation run per task, all beta.
    const implementations = Object.values(run.agentRuns).flatMap((runs) =>
      runs.filter((r) => r.purpose === "implementation").map((r) => r.agent),
    );
    expect(implementations).toEqual(["beta", "beta", "beta"]);
  }, 90_000);

  it("leaves the time nobody ran the run out of its wall time and its tasks' durations", async () => {
    const repo = await repoWithAgents();
    const runId = await interruptedRun(repo);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const resumed = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).resume({
      runId,
    });
    expect(resumed.status).toBe("completed");
    const run = await new WorkflowStateManager(repo.dir).loadRun(runId);
    const [pause, ...more] = run.pauses ?? [];
    expect(more).toEqual([]);
    const paused = Date.parse(pause?.to as string) - Date.parse(pause?.from as string);
    expect(paused).toBeGreaterThanOrEqual(1500);
    // The wall time is the run's span less the pause, to the millisecond.
    const { report } = resumed;
    const span = Date.parse(report.endedAt as string) - Date.parse(report.startedAt);
    expect(report.metrics.wallTimeMs).toBe(span - paused);
    for (const task of report.tasks) {
      const start = Date.parse(task.startedAt as string);
      const end = Date.parse(task.endedAt as string);
      const overlap = Math.max(
        0,
        Math.min(end, Date.parse(pause?.to as string)) - Math.max(start, Date.parse(pause?.from as string)),
      );
      expect(task.durationMs, task.slug).toBe(end - start - overlap);
    }
  }, 90_000);

  it("a flag given to resume overrides one setting for the tasks still to run, and is journaled", async () => {
    const repo = await repoWithAgents();
    const runId = await interruptedRun(repo);

    const resumed = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).resume({
      runId,
      agent: "gamma",
    });
    expect(resumed.status).toBe("completed");
    const agents = resumed.report.tasks.map((t) => t.agent).sort();
    expect(agents).toEqual(["beta", "gamma", "gamma"]);
    const settings = journal(repo, runId).filter((e) => e.type === "run.settings");
    expect(settings.map((e) => (e.type === "run.settings" ? [e.settings.agent, e.overrides] : []))).toEqual([
      ["beta", []],
      ["gamma", ["agent"]],
    ]);
    expect(await repo.git(["log", "--format=%s", "-1", resumed.report.integrationBranch as string])).toMatch(
      /^Merge /,
    );
  }, 90_000);

  it("refuses an unknown agent given to resume before anything runs again", async () => {
    const repo = await repoWithAgents();
    const runId = await interruptedRun(repo);
    const before = journal(repo, runId).length;
    await expect(
      new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).resume({ runId, agent: "nope" }),
    ).rejects.toMatchObject({ code: "GADUGI_AGENT_NOT_FOUND" });
    expect(
      journal(repo, runId).filter((e) => e.type === "task.status" && e.status === "running"),
    ).toHaveLength(
      journal(repo, runId)
        .slice(0, before)
        .filter((e) => e.type === "task.status" && e.status === "running").length,
    );
  }, 90_000);
});
