import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AgentEvent,
  type AgentKind,
  type AgentRunRequest,
  AgentRunResult,
  type Autonomy,
} from "@gadugi/interfaces";
import {
  type CaptureName,
  captureFiles,
  createFakeAgent,
  createTempRepo,
  prependPath,
  readFakeAgentCalls,
  useTempDirs,
} from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { makeRequest } from "./test-helpers/request.js";

const temp = useTempDirs();

/** Alive and not a zombie (a zombie holds its pid until its new parent reaps it). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * A process tree for the kill tests: the agent (node) starts a child (node) in its own process
 * group, prints both pids as JSON, then per `mode`: "chatty" prints every 100 ms, "silent" says
 * nothing, "exit" exits 0 leaving the child behind (holding stdout when `inherit`).
 * `stubborn` makes the child ignore SIGTERM.
 */
const TREE = `
const { spawn } = require("node:child_process");
const [mode, stubborn, inherit] = process.argv.slice(1);
const childCode = (stubborn === "1" ? "process.on('SIGTERM', () => {});" : "") + "setInterval(() => {}, 1000);";
const child = spawn(process.execPath, ["-e", childCode], { stdio: inherit === "1" ? "inherit" : "ignore" });
console.log(JSON.stringify({ parent: process.pid, child: child.pid }));
if (mode === "chatty") setInterval(() => console.log("tick"), 100);
else if (mode === "exit") setTimeout(() => process.exit(0), 200);
else if (mode === "late") setTimeout(() => { console.log("done after a long silence"); process.exit(0); }, 1500);
else setInterval(() => {}, 1000);
`;

function treeRequest(dir: string, mode: string, opts: { stubborn?: boolean; inherit?: boolean } = {}) {
  return makeRequest(dir, {
    kind: "command",
    command: [process.execPath, "-e", TREE, mode, opts.stubborn ? "1" : "0", opts.inherit ? "1" : "0"],
  });
}

function treePids(lines: string[]): { parent: number; child: number } {
  const line = lines.find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no pid line in ${JSON.stringify(lines)}`);
  return JSON.parse(line) as { parent: number; child: number };
}

const CAPTURE_FOR: Record<Exclude<AgentKind, "aider" | "command">, CaptureName> = {
  claude: "claude-text",
  codex: "codex-text",
  gemini: "gemini-text",
  opencode: "opencode-text",
};

describe("runAgent starts each CLI with its verified flags", () => {
  const W = "<worktree>";
  const expected: Record<Exclude<AgentKind, "command">, Record<Autonomy, string[]>> = {
    claude: {
      "read-only": [
        "-p",
        "Say hi",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "plan",
        "--model",
        "m1",
      ],
      edit: [
        "-p",
        "Say hi",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "acceptEdits",
        "--model",
        "m1",
      ],
      full: [
        "-p",
        "Say hi",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "bypassPermissions",
        "--model",
        "m1",
      ],
    },
    codex: {
      "read-only": ["exec", "--json", "-C", W, "-s", "read-only", "-m", "m1", "Say hi"],
      edit: ["exec", "--json", "-C", W, "-s", "workspace-write", "-m", "m1", "Say hi"],
      full: ["exec", "--json", "-C", W, "--dangerously-bypass-approvals-and-sandbox", "-m", "m1", "Say hi"],
    },
    gemini: {
      "read-only": [
        "-p",
        "Say hi",
        "-o",
        "stream-json",
        "--skip-trust",
        "--approval-mode",
        "plan",
        "-m",
        "m1",
      ],
      edit: ["-p", "Say hi", "-o", "stream-json", "--skip-trust", "--approval-mode", "auto_edit", "-m", "m1"],
      full: ["-p", "Say hi", "-o", "stream-json", "--skip-trust", "--yolo", "-m", "m1"],
    },
    opencode: {
      "read-only": ["run", "Say hi", "--format", "json", "--model", "m1"],
      edit: ["run", "Say hi", "--format", "json", "--model", "m1"],
      full: ["run", "Say hi", "--format", "json", "--auto", "--model", "m1"],
    },
    aider: {
      "read-only": [
        "--message",
        "Say hi",
        "--yes-always",
        "--no-auto-commits",
        "--no-pretty",
        "--no-check-update",
        "--dry-run",
        "--model",
        "m1",
      ],
      edit: [
        "--message",
        "Say hi",
        "--yes-always",
        "--no-auto-commits",
        "--no-pretty",
        "--no-check-update",
        "--model",
        "m1",
      ],
      full: [
        "--message",
        "Say hi",
        "--yes-always",
        "--no-auto-commits",
        "--no-pretty",
        "--no-check-update",
        "--model",
        "m1",
      ],
    },
  };

  for (const kind of Object.keys(expected) as Array<keyof typeof expected>) {
    it(`${kind}: argv per autonomy, in the worktree, stdin at EOF`, async () => {
      const dir = temp.dir();
      const record = join(dir, "calls.jsonl");
      const bin = join(dir, "bin");
      if (kind === "aider") {
        createFakeAgent(bin, {
          name: "aider",
          stdout: "Applied edit to hello.txt\n",
          writeFiles: { "hello.txt": "hi\n" },
          recordArgsTo: record,
        });
      } else {
        createFakeAgent(bin, { name: kind, capture: CAPTURE_FOR[kind], recordArgsTo: record });
      }
      for (const autonomy of ["read-only", "edit", "full"] as const) {
        const repo = temp.track(await createTempRepo());
        const request = makeRequest(
          join(dir, autonomy),
          { kind, autonomy, model: "m1" },
          { worktree: repo.dir },
        );
        // IS_SANDBOX may be set on the machine running the tests; the adapter must set it itself.
        const env = { ...prependPath(bin), IS_SANDBOX: undefined };
        const result = await runAgent(request, { env, timeoutMs: 20_000 });
        expect(result.outcome, `${kind} ${autonomy}: ${result.reason}`).toBe("ok");
        const call = readFakeAgentCalls(record).at(-1);
        expect(call?.argv).toEqual(expected[kind][autonomy].map((a) => (a === W ? repo.dir : a)));
        expect(call?.cwd).toBe(repo.dir);
        expect(call?.stdin).toBe("");
        expect(call?.env.GADUGI_TASK_ID).toBe("task-1");
        if (kind === "claude") {
          const root = process.getuid?.() === 0;
          expect(call?.env.IS_SANDBOX).toBe(autonomy === "full" && root ? "1" : undefined);
        }
      }
    });
  }

  it("codex: stdin is closed, so a CLI that reads it to EOF does not hang", async () => {
    const dir = temp.dir();
    const record = join(dir, "calls.jsonl");
    createFakeAgent(join(dir, "bin"), {
      name: "codex",
      capture: "codex-text",
      recordArgsTo: record,
      readStdin: true,
    });
    const started = Date.now();
    const result = await runAgent(makeRequest(dir, { kind: "codex" }), {
      env: prependPath(join(dir, "bin")),
      timeoutMs: 10_000,
    });
    expect(result.outcome).toBe("ok");
    expect(Date.now() - started).toBeLessThan(8000);
    expect(readFakeAgentCalls(record)[0]?.stdin).toBe("");
  });

  it("a prompt starting with '-' reaches claude over stdin", async () => {
    const dir = temp.dir();
    const record = join(dir, "calls.jsonl");
    createFakeAgent(join(dir, "bin"), { name: "claude", capture: "claude-text", recordArgsTo: record });
    const prompt = "- fix the bug\n- add a test\n";
    const result = await runAgent(makeRequest(dir, { kind: "claude" }, { prompt }), {
      env: prependPath(join(dir, "bin")),
    });
    expect(result.outcome).toBe("ok");
    const call = readFakeAgentCalls(record)[0];
    expect(call?.stdin).toBe(prompt);
    expect(call?.argv.slice(0, 2)).toEqual(["-p", "--output-format"]);
  });

  it("command: placeholders are substituted per argument and no shell is involved", async () => {
    const dir = temp.dir();
    const record = join(dir, "calls.jsonl");
    const fake = createFakeAgent(join(dir, "bin"), {
      name: "my-agent",
      stdout: "working\ndone\n",
      recordArgsTo: record,
    });
    const request = makeRequest(dir, {
      kind: "command",
      command: [fake.path, "{prompt_file}", "--cwd={worktree}", "{task_id}", "$(whoami)", "a b"],
    });
    const seen: AgentEvent[] = [];
    const result = await runAgent(request, { onEvent: (e) => seen.push(e) });
    expect(result.outcome).toBe("ok");
    expect(readFakeAgentCalls(record)[0]?.argv).toEqual([
      request.promptFile,
      `--cwd=${request.worktree}`,
      "task-1",
      "$(whoami)",
      "a b",
    ]);
    expect(seen.filter((e) => e.type === "text").map((e) => (e.type === "text" ? e.text : ""))).toEqual([
      "working",
      "done",
    ]);
  });
});

describe("runAgent's working directory", () => {
  it("an agent that writes relative to $PWD writes into the worktree, never the caller's directory", async () => {
    const dir = temp.dir();
    const request = makeRequest(dir, {
      kind: "command",
      command: [
        process.execPath,
        "-e",
        "require('node:fs').writeFileSync(require('node:path').join(process.env.PWD, 'made-by-agent.txt'), 'x')",
      ],
    });
    const result = await runAgent(request, { env: { ...process.env, PWD: dir } });
    expect(result.outcome).toBe("ok");
    expect(existsSync(join(request.worktree, "made-by-agent.txt"))).toBe(true);
    expect(existsSync(join(dir, "made-by-agent.txt"))).toBe(false);
  });
});

describe("runAgent records and reports", () => {
  it("appends every raw line to the log before it is parsed, non-JSON lines included", async () => {
    const dir = temp.dir();
    const stdout = `garbage before the json\n${readFileSync(captureFiles("claude-text").stdout, "utf8")}`;
    createFakeAgent(join(dir, "bin"), { name: "claude", stdout, stderr: "a warning on stderr\n" });
    const request = makeRequest(dir, { kind: "claude" });
    const snapshots: Array<{ event: AgentEvent; log: string }> = [];
    const result = await runAgent(request, {
      env: prependPath(join(dir, "bin")),
      onEvent: (event) => snapshots.push({ event, log: readFileSync(request.logFile, "utf8") }),
    });
    expect(result.outcome).toBe("ok");
    const warning = snapshots.find((s) => s.event.type === "warning");
    expect(warning?.event).toMatchObject({ message: "unexpected output: garbage before the json" });
    expect(warning?.log).toContain("garbage before the json\n");
    const text = snapshots.find((s) => s.event.type === "text");
    expect(text?.log).toContain('"type":"assistant"');
    expect(text?.log).not.toContain('"type":"result"');

    const log = readFileSync(request.logFile, "utf8");
    expect(log).toMatch(
      /^\[gadugi\] \S+ start: claude -p 'Say hi' --output-format stream-json --verbose .* \(cwd \S+\)\n/,
    );
    expect(log).toContain("[stderr] a warning on stderr\n");
    expect(log).toContain(readFileSync(captureFiles("claude-text").stdout, "utf8"));
    expect(log.trimEnd().split("\n").at(-1)).toMatch(/^\[gadugi\] \S+ end: ok, exit code 0$/);

    const events = readFileSync(request.eventsFile as string, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => AgentEvent.parse(JSON.parse(l)));
    expect(events[0]).toMatchObject({ type: "started", pid: result.pid });
    expect(events.at(-1)).toMatchObject({ type: "finished", outcome: "ok", exitCode: 0 });
    expect(events.map((e) => e.type)).toEqual(snapshots.map((s) => s.event.type));
  });

  it("carries session, usage, denials and the pid into the result; onSpawn gets a redacted command", async () => {
    const dir = temp.dir();
    createFakeAgent(join(dir, "bin"), { name: "claude", capture: "claude-write-default" });
    const request = makeRequest(dir, {
      kind: "claude",
      command: ["claude", "--api-key", "sk-ant-api03-abcdefghijklmnop1234"],
    });
    const spawned: Array<{ pid: number; command: string[] }> = [];
    const result = await runAgent(request, {
      env: prependPath(join(dir, "bin")),
      onSpawn: (pid, command) => spawned.push({ pid, command }),
    });
    expect(result).toMatchObject({
      runId: "run-1",
      taskId: "task-1",
      outcome: "ok",
      exitCode: 0,
      permissionDenials: 1,
      sessionId: "486aef1b-7490-4fd0-bb25-4ec3fbf53804",
      usage: { inputTokens: 240, outputTokens: 60, costUsd: 0.00216 },
      transient: false,
    });
    expect(() => AgentRunResult.parse(result)).not.toThrow();
    expect(spawned).toEqual([
      { pid: result.pid, command: expect.arrayContaining(["claude", "--api-key", "sk-[REDACTED]"]) },
    ]);
    expect(spawned[0]?.command.join(" ")).not.toContain("abcdefghijklmnop");
    expect(readFileSync(request.logFile, "utf8")).not.toContain("abcdefghijklmnop");
  });

  it("marks a network failure transient so the scheduler can retry it", async () => {
    const dir = temp.dir();
    createFakeAgent(join(dir, "bin"), { name: "codex", capture: "codex-noauth-noretry" });
    const result = await runAgent(makeRequest(dir, { kind: "codex" }), {
      env: prependPath(join(dir, "bin")),
    });
    expect(result).toMatchObject({ outcome: "failed", exitCode: 1, transient: true });
  });

  it("aider: exit 0 without any change to the worktree fails with 'no changes'", async () => {
    const dir = temp.dir();
    createFakeAgent(join(dir, "bin"), { name: "aider", stdout: "Model: gpt\nNo changes made.\n" });
    const repo = temp.track(await createTempRepo({ files: { "a.txt": "a\n" } }));
    const request = makeRequest(dir, { kind: "aider" }, { worktree: repo.dir });
    const result = await runAgent(request, { env: prependPath(join(dir, "bin")) });
    expect(result).toMatchObject({ outcome: "failed", reason: "no changes", exitCode: 0 });
    const injected = await runAgent(request, {
      env: prependPath(join(dir, "bin")),
      hasChanges: async () => true,
    });
    expect(injected.outcome).toBe("ok");
  });
});

describe("runAgent stops agents and leaves no process behind", () => {
  it("kills the whole process tree at the wall-clock timeout", async () => {
    const dir = temp.dir();
    const lines: string[] = [];
    const result = await runAgent(treeRequest(dir, "chatty"), {
      timeoutMs: 1200,
      killGraceMs: 1000,
      onOutput: (l) => lines.push(l),
    });
    expect(result.outcome).toBe("timeout");
    expect(result.reason).toContain("wall-clock timeout");
    // It was busy printing and was still stopped at the wall-clock limit.
    expect(lines.filter((l) => l === "tick").length).toBeGreaterThan(0);
    const { parent, child } = treePids(lines);
    expect(parent).toBe(result.pid);
    expect(isAlive(parent)).toBe(false);
    expect(isAlive(child)).toBe(false);
  });

  it("kills a silent tree at the idle timeout, with SIGKILL for a child that ignores SIGTERM", async () => {
    const dir = temp.dir();
    const lines: string[] = [];
    const result = await runAgent(treeRequest(dir, "silent", { stubborn: true }), {
      idleTimeoutMs: 800,
      killGraceMs: 500,
      onOutput: (l) => lines.push(l),
    });
    expect(result).toMatchObject({ outcome: "timeout", exitCode: null });
    expect(result.reason).toContain("no output for 0.8s");
    const { parent, child } = treePids(lines);
    expect(isAlive(parent)).toBe(false);
    expect(isAlive(child)).toBe(false);
  });

  it("does not kill a long-silent agent that is alive when no idle timeout is set", async () => {
    const dir = temp.dir();
    const seen: AgentEvent[] = [];
    const result = await runAgent(treeRequest(dir, "late"), {
      timeoutMs: 20_000,
      onEvent: (e) => seen.push(e),
    });
    expect(result.outcome).toBe("ok");
    expect(seen).toContainEqual(expect.objectContaining({ type: "text", text: "done after a long silence" }));
  });

  it("maps an abort to cancelled and kills the tree", async () => {
    const dir = temp.dir();
    const controller = new AbortController();
    const lines: string[] = [];
    const result = await runAgent(treeRequest(dir, "silent"), {
      signal: controller.signal,
      killGraceMs: 1000,
      onOutput: (line) => {
        lines.push(line);
        controller.abort("user pressed Ctrl-C");
      },
    });
    expect(result).toMatchObject({
      outcome: "cancelled",
      reason: "cancelled: user pressed Ctrl-C",
      transient: false,
    });
    const { parent, child } = treePids(lines);
    expect(isAlive(parent)).toBe(false);
    expect(isAlive(child)).toBe(false);

    const before = await runAgent(treeRequest(temp.dir(), "silent"), { signal: AbortSignal.abort() });
    expect(before).toMatchObject({ outcome: "cancelled", exitCode: null });
    expect(before.pid).toBeUndefined();
  });

  it("kills what the agent left running after it exited, even a child holding its stdout", async () => {
    const dir = temp.dir();
    const lines: string[] = [];
    const result = await runAgent(treeRequest(dir, "exit", { inherit: true }), {
      killGraceMs: 1000,
      onOutput: (l) => lines.push(l),
    });
    expect(result).toMatchObject({ outcome: "ok", exitCode: 0 });
    const { child } = treePids(lines);
    expect(isAlive(child)).toBe(false);
  });
});

describe("runAgent when the agent cannot start", () => {
  it("a missing CLI fails at once, not transient, naming the program and what to do", async () => {
    const dir = temp.dir();
    const request = makeRequest(dir, { kind: "claude" });
    const seen: AgentEvent[] = [];
    const result = await runAgent(request, {
      env: { ...process.env, PATH: temp.dir() },
      onEvent: (e) => seen.push(e),
    });
    expect(result).toMatchObject({ outcome: "failed", exitCode: null, transient: false });
    expect(result.pid).toBeUndefined();
    expect(result.reason).toContain("GADUGI_AGENT_NOT_FOUND");
    expect(result.reason).toContain("`claude` was not found on PATH");
    expect(result.reason).toContain("gadugi agents");
    expect(seen.map((e) => e.type)).toEqual(["finished"]);
    expect(readFileSync(request.logFile, "utf8")).toMatch(
      /end: failed, exit code none: GADUGI_AGENT_NOT_FOUND/,
    );
  });

  it("a missing worktree is said as such, not as a missing program", async () => {
    const dir = temp.dir();
    const request: AgentRunRequest = {
      ...makeRequest(dir, { kind: "command", command: ["true"] }),
      worktree: join(dir, "gone"),
    };
    const result = await runAgent(request);
    expect(result).toMatchObject({ outcome: "failed", transient: false });
    expect(result.reason).toContain("does not exist");
  });

  it("the command agent without a program fails with the config hint", async () => {
    const dir = temp.dir();
    const result = await runAgent(makeRequest(dir, { kind: "command" }));
    expect(result.outcome).toBe("failed");
    expect(result.reason).toMatch(/^GADUGI_AGENT_NOT_FOUND: .*"command"/);
    expect(existsSync(join(dir, "logs", "task-1.log"))).toBe(true);
  });
});
