import { describe, expect, it } from "vitest";
import {
  AgentConfig,
  AgentEvent,
  Duration,
  ExecutionPlan,
  formatIssues,
  GadugiConfig,
  parseDuration,
  RunEvent,
  RunState,
  TASK_ID_PATTERN,
  TaskData,
  WORKFLOW_PHASES,
  WorkflowState,
} from "./index.js";

describe("TaskData", () => {
  it("fills defaults for a minimal task", () => {
    const task = TaskData.parse({
      id: "task-20260101-120000-ab12",
      slug: "add-login",
      name: "Add login",
      promptFile: "prompts/add-login.md",
    });
    expect(task).toMatchObject({
      status: "pending",
      type: "feature",
      complexity: "medium",
      priority: "medium",
      targetFiles: [],
      dependencies: [],
    });
    expect(task.id).toMatch(TASK_ID_PATTERN);
  });

  it("rejects unknown keys and bad slugs, naming the key", () => {
    const result = TaskData.safeParse({
      id: "t",
      slug: "Bad Slug",
      name: "x",
      promptFile: "x.md",
      colour: "blue",
    });
    expect(result.success).toBe(false);
    const lines = formatIssues(result.error!);
    expect(lines.some((l) => l.startsWith("- slug:"))).toBe(true);
    expect(lines.some((l) => l.includes("colour"))).toBe(true);
  });

  it("defaults a target file's access to modifies", () => {
    const task = TaskData.parse({
      id: "t",
      slug: "t",
      name: "t",
      promptFile: "t.md",
      targetFiles: [{ path: ".claude/x.py" }],
    });
    expect(task.targetFiles[0]).toEqual({ path: ".claude/x.py", access: "modifies" });
  });
});

describe("GadugiConfig", () => {
  it("parses an empty file into a complete config", () => {
    const config = GadugiConfig.parse({});
    expect(config.maxParallel).toBe(4);
    expect(config.retry).toEqual({ maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 30000 });
    expect(config.circuitBreaker.failureThreshold).toBe(5);
    expect(config.workflow.requiredPhases).toEqual([...WORKFLOW_PHASES]);
    expect(config.analysis.softEdges).toBe("serialize");
    expect(config.branchPrefix).toBe("gadugi/");
  });

  it("points at the bad key in nested sections", () => {
    const result = GadugiConfig.safeParse({ retry: { maxAttempts: 0 }, analysis: { softEdge: "warn" } });
    expect(result.success).toBe(false);
    const lines = formatIssues(result.error!);
    expect(lines.some((l) => l.startsWith("- retry.maxAttempts:"))).toBe(true);
    expect(lines.some((l) => l.startsWith("- analysis:") && l.includes("softEdge"))).toBe(true);
  });

  it("validates agent definitions", () => {
    const config = GadugiConfig.parse({
      agents: { fast: { kind: "claude", model: "haiku", autonomy: "full" } },
      agent: "fast",
    });
    // Unset, so the config's taskTimeoutSec applies instead of a hidden per-agent default.
    expect(config.agents.fast?.timeoutSec).toBeUndefined();
    expect(GadugiConfig.safeParse({ agents: { x: { kind: "cursor" } } }).success).toBe(false);
  });

  it("leaves the default agent unset instead of naming a command agent without a command", () => {
    expect(GadugiConfig.parse({}).agent).toBeUndefined();
  });

  it("takes every command as a command line or an argument array", () => {
    const config = GadugiConfig.parse({
      setup: { commands: ["npm ci", ["node", "scripts/seed.mjs"]] },
      workflow: { testCommand: ["pytest", "-q"], reviewCommand: "review --stdin" },
      integration: { testCommand: "npm test" },
      agents: { mine: { kind: "command", command: "my-agent {prompt_file}" } },
    });
    expect(config.setup.commands).toEqual(["npm ci", ["node", "scripts/seed.mjs"]]);
    expect(config.workflow.testCommand).toEqual(["pytest", "-q"]);
    expect(config.agents.mine?.command).toBe("my-agent {prompt_file}");
    expect(GadugiConfig.safeParse({ workflow: { testCommand: [] } }).success).toBe(false);
  });

  it("reads every *Sec key as seconds or a duration", () => {
    const config = GadugiConfig.parse({
      taskTimeoutSec: "2h",
      idleTimeoutSec: "90s",
      setup: { commandTimeoutSec: "30m" },
      circuitBreaker: { resetTimeoutSec: 45 },
      agents: { a: { kind: "claude", timeoutSec: "1h30m", idleTimeoutSec: "5m" } },
    });
    expect(config.taskTimeoutSec).toBe(7200);
    expect(config.idleTimeoutSec).toBe(90);
    expect(config.setup.commandTimeoutSec).toBe(1800);
    expect(config.circuitBreaker.resetTimeoutSec).toBe(45);
    expect(config.agents.a).toMatchObject({ timeoutSec: 5400, idleTimeoutSec: 300 });
    const bad = GadugiConfig.safeParse({ taskTimeoutSec: "10 minutes" });
    expect(formatIssues(bad.error!)).toEqual([
      '- taskTimeoutSec: expected a duration such as "90s", "30m", "1h30m" or "2h", or a number of seconds, got "10 minutes"',
    ]);
  });

  it("accepts the setup switches setupEnvironment has", () => {
    expect(GadugiConfig.parse({}).setup).toMatchObject({
      installDependencies: true,
      reuseNodeModules: false,
    });
    const setup = GadugiConfig.parse({
      setup: { installDependencies: false, reuseNodeModules: "hardlink" },
    }).setup;
    expect(setup).toMatchObject({ installDependencies: false, reuseNodeModules: "hardlink" });
    expect(GadugiConfig.safeParse({ setup: { reuseNodeModules: "copy" } }).success).toBe(false);
  });
});

describe("Duration", () => {
  it("turns 90s, 30m, 1h30m, 2h and numbers into seconds", () => {
    expect(["90s", "30m", "1h30m", "2h", "1h0m5s", 120, "120", 0.5].map((v) => parseDuration(v))).toEqual([
      90, 1800, 5400, 7200, 3605, 120, 120, 0.5,
    ]);
    expect(Duration.parse("2H")).toBe(7200);
  });

  it("rejects what is not a duration, with the forms it accepts", () => {
    for (const value of ["10 minutes", "-5", -5, "1x", "", "0", 0, "m", "30m1h", true]) {
      const result = Duration.safeParse(value);
      expect(result.success, String(value)).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/^expected a duration such as "90s"/);
    }
  });
});

describe("AgentConfig and AgentEvent", () => {
  it("requires a non-empty command array when one is given", () => {
    expect(AgentConfig.safeParse({ kind: "command", command: [] }).success).toBe(false);
    expect(AgentConfig.parse({ kind: "command", command: ["sh", "{prompt_file}"] }).autonomy).toBe("edit");
  });

  it("discriminates events by type", () => {
    const event = AgentEvent.parse({
      type: "finished",
      at: "2026-01-01T00:00:00.000Z",
      outcome: "max_turns",
      exitCode: 0,
    });
    expect(event.type).toBe("finished");
    expect(
      AgentEvent.safeParse({ type: "finished", at: "x", outcome: "exploded", exitCode: 1 }).success,
    ).toBe(false);
  });
});

describe("RunEvent", () => {
  const stamp = { seq: 1, at: "2026-01-01T00:00:00.000Z", runId: "run-1" };

  it("accepts each journal event shape", () => {
    const events = [
      { ...stamp, type: "run.started", repoRoot: "/repo" },
      { ...stamp, type: "task.status", taskId: "a", status: "running" },
      {
        ...stamp,
        type: "phase.finished",
        taskId: "a",
        phase: "testing",
        status: "skipped",
        reason: "no tests",
      },
      {
        ...stamp,
        type: "merge.result",
        taskId: "a",
        branch: "gadugi/a",
        status: "conflict",
        conflictFiles: ["x"],
      },
      { ...stamp, type: "concurrency.changed", from: 4, to: 2, reason: "low memory" },
    ];
    for (const e of events) expect(RunEvent.safeParse(e).success, JSON.stringify(e)).toBe(true);
  });

  it("rejects an event without a sequence number or with an unknown type", () => {
    expect(RunEvent.safeParse({ type: "run.status", at: "x", runId: "r", status: "running" }).success).toBe(
      false,
    );
    expect(RunEvent.safeParse({ ...stamp, type: "task.exploded" }).success).toBe(false);
  });
});

describe("WorkflowState and RunState", () => {
  it("keeps per-phase records for resume", () => {
    const state = WorkflowState.parse({
      runId: "r",
      taskId: "a",
      status: "running",
      updatedAt: "2026-01-01T00:00:00.000Z",
      phases: [{ phase: "setup", status: "completed", durationMs: 12 }],
    });
    expect(state.phases[0]?.data).toEqual({});
    expect(state.attempts).toBe(0);
  });

  it("rejects an unknown phase", () => {
    const result = WorkflowState.safeParse({
      runId: "r",
      taskId: "a",
      status: "running",
      updatedAt: "x",
      phases: [{ phase: "deploy", status: "completed" }],
    });
    expect(result.success).toBe(false);
  });

  it("parses a run with tasks", () => {
    const run = RunState.parse({
      runId: "r",
      status: "running",
      startedAt: "t",
      updatedAt: "t",
      repoRoot: "/repo",
      tasks: { a: { runId: "r", taskId: "a", status: "queued", updatedAt: "t" } },
    });
    expect(run.journalSeq).toBe(0);
    expect(run.tasks.a?.status).toBe("queued");
  });
});

describe("ExecutionPlan", () => {
  it("requires a positive recommended parallelism and reasons on edges", () => {
    const plan = {
      createdAt: "t",
      repoRoot: "/r",
      tasks: [],
      edges: [
        { from: "a", to: "b", kind: "import", hard: false, reason: "b imports a", chain: ["b.ts", "a.ts"] },
      ],
      levels: [["a"], ["b"]],
      criticalPath: ["a", "b"],
      recommendedParallelism: 1,
    };
    expect(ExecutionPlan.parse(plan).warnings).toEqual([]);
    expect(ExecutionPlan.safeParse({ ...plan, recommendedParallelism: 0 }).success).toBe(false);
  });
});
