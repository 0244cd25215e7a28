import { describe, expect, it } from "vitest";
import {
  chooseProgressMode,
  createProgressRenderer,
  type ProgressEvent,
  type ProgressMode,
} from "./progress.js";

const T0 = Date.parse("2026-01-01T10:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const EVENTS: ProgressEvent[] = [
  { type: "run.started", repoRoot: "/repo", at: at(0) },
  { type: "task.status", taskId: "task-api", status: "queued", at: at(0) },
  { type: "task.status", taskId: "task-ui", status: "queued", at: at(0) },
  { type: "task.status", taskId: "task-docs", status: "pending", at: at(0) },
  { type: "task.status", taskId: "task-api", status: "running", at: at(1) },
  { type: "phase.started", taskId: "task-api", phase: "implementation", at: at(1) },
  { type: "process.started", taskId: "task-api", pid: 4242, command: ["claude", "-p", "…"], at: at(1) },
  {
    type: "agent.event",
    taskId: "task-api",
    event: { type: "tool_call", at: at(2), tool: "Edit" },
    at: at(2),
  },
  {
    type: "agent.event",
    taskId: "task-api",
    event: { type: "usage", at: at(3), usage: { inputTokens: 1200, outputTokens: 300, costUsd: 0.042 } },
    at: at(3),
  },
  { type: "task.status", taskId: "task-ui", status: "running", at: at(2) },
  { type: "concurrency.changed", from: 4, to: 1, reason: "circuit breaker opened", at: at(4) },
  { type: "process.exited", taskId: "task-api", pid: 4242, exitCode: 0, at: at(65) },
  {
    type: "phase.finished",
    taskId: "task-api",
    phase: "implementation",
    status: "completed",
    durationMs: 64_000,
    at: at(65),
  },
  { type: "task.status", taskId: "task-api", status: "completed", at: at(66) },
  { type: "task.status", taskId: "task-ui", status: "failed", reason: "tests failed", at: at(70) },
  {
    type: "task.status",
    taskId: "task-docs",
    status: "skipped",
    reason: 'dependency "task-ui" failed',
    at: at(70),
  },
  { type: "run.finished", status: "failed", at: at(71) },
];

function render(mode: ProgressMode, events = EVENTS, now = () => T0 + 71_000) {
  const writes: string[] = [];
  const renderer = createProgressRenderer({
    mode,
    stream: { write: (t: string) => writes.push(t), isTTY: mode === "tty", columns: 120 },
    now,
  });
  for (const event of events) renderer.handle(event);
  renderer.close();
  return writes;
}

describe("createProgressRenderer", () => {
  it("plain mode prints one line per state change", () => {
    const text = render("plain")
      .join("")
      .replace(/^\[\d+:\d\d\]/gm, "[t]");
    expect(text).toMatchInlineSnapshot(`
      "[t] run started
      [t] task-api queued
      [t] task-ui queued
      [t] task-docs pending
      [t] task-api running
      [t] task-api implementation started
      [t] task-api process 4242 started: claude -p …
      [t] task-ui running
      [t] concurrency 4 → 1: circuit breaker opened
      [t] task-api process 4242 exited with code 0
      [t] task-api implementation completed in 1:04
      [t] task-api completed after 1:05
      [t] task-ui failed after 1:08: tests failed
      [t] task-docs skipped: dependency "task-ui" failed
      [t] run finished: failed (1 done, 1 failed, 1 skipped or cancelled)
      "
    `);
    expect(text).not.toContain("\x1b[");
  });

  it("shows the run's spend against its budget, each task's cost, and the budget's thresholds", () => {
    const settings = {
      type: "run.settings" as const,
      settings: {
        maxParallel: 2,
        integrate: true,
        keepWorktrees: false,
        softEdges: "serialize" as const,
        openPullRequest: false,
        github: "off" as const,
        budget: { maxUsd: 0.05 },
      },
      at: at(0),
    };
    const usage = (costUsd?: number) => ({
      type: "agent.run" as const,
      taskId: "task-api",
      attempt: 1,
      purpose: "implementation",
      agent: "claude",
      outcome: "ok" as const,
      ...(costUsd === undefined ? {} : { usage: { inputTokens: 100, outputTokens: 10, costUsd } }),
      at: at(60),
    });
    const threshold = (percent: number) => ({
      type: "budget.threshold" as const,
      percent,
      spentUsd: 0.042,
      spentTokens: 110,
      maxUsd: 0.05,
      at: at(61),
    });
    const text = render("plain", [
      ...EVENTS.slice(0, 3),
      settings,
      usage(0.042),
      threshold(80),
      threshold(100),
    ]).join("");
    expect(text).toContain("budget: 80 % reached (spent $0.0420 of $0.0500)\n");
    expect(text).toContain(
      "budget: 100 % reached (spent $0.0420 of $0.0500): no task starts any more and running agents are stopped\n",
    );
    const tty = render("tty", [...EVENTS.slice(0, 3), settings, usage(0.042), usage()]).at(-1) ?? "";
    // A second run with no usage: the task's cost is a lower bound, and so is the run's.
    expect(tty).toMatch(/task-api .*110 tok ≥ \$0\.0420/);
    expect(tty).toContain("spent ≥ $0.0420 of $0.0500");
  });

  it("plain mode stamps lines with the time since the run started", () => {
    const lines = render("plain");
    expect(lines[0]).toBe("[0:00] run started\n");
    expect(lines.at(-1)).toMatch(/^\[1:11\] run finished/);
  });

  it("json mode prints each event as one JSON line", () => {
    const lines = render("json");
    expect(lines).toHaveLength(EVENTS.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(EVENTS);
    const unstamped = render("json", [{ type: "warning", message: "low disk" }], () => T0);
    expect(JSON.parse(unstamped[0] as string)).toEqual({ type: "warning", message: "low disk", at: at(0) });
  });

  it("tty mode redraws a line per task and a summary in place", () => {
    const writes = render("tty");
    const last = writes.at(-1) as string;
    // The first frame (drawn at once, one summary line) is overwritten: cursor up, then each line cleared.
    expect(writes).toHaveLength(2);
    expect(last.startsWith("\x1b[1A\x1b[2K")).toBe(true);
    const frame = last.replace(/\x1b\[\d*[AJK]/g, "");
    expect(frame.split("\n").map((l) => l.replace(/\s+/g, " ").trim())).toEqual([
      "✓ task-api completed implementation 1:05 1.5k tok $0.0420",
      "✗ task-ui failed 1:08 tests failed",
      '- task-docs skipped dependency "task-ui" failed',
      "1/3 done · 0 running · 0 queued · 1 failed · 1:11 elapsed · concurrency 1 · spent $0.0420 · run failed",
      "",
    ]);
  });

  it("counts a task whose review still requests changes as failed, with its own icon", () => {
    const events: ProgressEvent[] = [
      { type: "run.started", repoRoot: "/repo", at: at(0) },
      { type: "task.status", taskId: "task-api", status: "queued", at: at(0) },
      { type: "task.status", taskId: "task-api", status: "running", at: at(1) },
      {
        type: "task.status",
        taskId: "task-api",
        status: "changes-requested",
        reason: "the reviewer requested changes",
        at: at(9),
      },
      { type: "run.finished", status: "failed", at: at(10) },
    ];
    const frame = (render("tty", events).at(-1) as string).replace(/\x1b\[\d*[AJK]/g, "");
    const lines = frame.split("\n").map((l) => l.replace(/\s+/g, " ").trim());
    expect(lines[0]).toBe("✎ task-api changes-requested 0:08 the reviewer requested changes");
    expect(lines[1]).toMatch(/^0\/1 done · 0 running · 0 queued · 1 failed/);
  });

  it("tty mode shows a running task's last activity and is throttled", () => {
    const writes: string[] = [];
    const renderer = createProgressRenderer({
      mode: "tty",
      stream: { write: (t: string) => writes.push(t), isTTY: true },
      now: () => T0 + 5000,
    });
    for (const event of EVENTS.slice(0, 9)) renderer.handle(event);
    expect(writes).toHaveLength(1); // 9 events, one frame: the rest wait for the throttle
    renderer.close();
    const frame = (writes.at(-1) as string).replace(/\x1b\[\d*[AJK]/g, "");
    expect(frame).toMatch(
      /▶ task-api\s+running\s+implementation\s+0:04\s+1\.5k tok \$0\.0420\s+tool: Edit \(0:03 ago\)/,
    );
    expect(frame).toContain("0/3 done · 1 running · 2 queued · 0 failed · 0:05 elapsed");
  });
});

describe("chooseProgressMode", () => {
  it("picks json for --json, plain in CI or without a terminal, tty otherwise", () => {
    expect(chooseProgressMode({ json: true, isTTY: true, env: {} })).toBe("json");
    expect(chooseProgressMode({ isTTY: true, env: { CI: "true" } })).toBe("plain");
    expect(chooseProgressMode({ isTTY: true, env: { CI: "false" } })).toBe("tty");
    expect(chooseProgressMode({ isTTY: false, env: {} })).toBe("plain");
    expect(chooseProgressMode({ isTTY: true, env: { TERM: "dumb" } })).toBe("plain");
    expect(chooseProgressMode({ isTTY: true, env: {} })).toBe("tty");
  });
});

describe("task labels", () => {
  it("shows tasks by the slug their task.added event gives", () => {
    const events: ProgressEvent[] = [
      {
        type: "task.added",
        task: {
          id: "task-20260101-100000-ab12",
          slug: "add-login",
          name: "Add login",
          promptFile: "p/add-login.md",
        },
        at: at(0),
      },
      { type: "task.status", taskId: "task-20260101-100000-ab12", status: "running", at: at(1) },
      { type: "task.status", taskId: "task-20260101-100000-ab12", status: "completed", at: at(5) },
    ];
    const out = render("plain", events, () => T0 + 5_000).join("");
    expect(out).toContain("add-login completed after");
    expect(out).not.toContain("task-20260101-100000-ab12");
  });
});
