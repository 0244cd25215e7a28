import { GadugiError } from "@gadugi/error-handling";
import { type GitHubServer, startGitHubServer } from "@gadugi/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { FAST_THROTTLE, formatFailureIssue, GitHubOperations } from "./index.js";

const TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

describe("formatFailureIssue", () => {
  it("lists the task, phase and error context", () => {
    const { title, body } = formatFailureIssue({
      taskId: "task-20260101-120000-abcd",
      taskName: "add-retry",
      runId: "run-1",
      phase: "testing",
      attempt: 2,
      branch: "gadugi/add-retry",
      error: {
        code: "GADUGI_COMMAND_FAILED",
        message: "`npm test` exited with 1: 3 failing",
        hint: "Run the command yourself.",
        causes: ["AssertionError: expected 1 to be 2"],
        details: { command: "npm test" },
        timestamp: "2026-01-01T12:00:00.000Z",
      },
    });
    expect(title).toBe("Gadugi: add-retry failed in testing: `npm test` exited with 1: 3 failing");
    expect(body).toContain("| Task | `task-20260101-120000-abcd (add-retry)` |");
    expect(body).toContain("| Phase | `testing` |");
    expect(body).toContain("| Attempt | `2` |");
    expect(body).toContain("| Error code | `GADUGI_COMMAND_FAILED` |");
    expect(body).toContain("**Hint:** Run the command yourself.");
    expect(body).toContain("- AssertionError: expected 1 to be 2");
    expect(body).toContain('"command": "npm test"');
    expect(body).toContain("<!-- gadugi-failure: run=run-1 task=task-20260101-120000-abcd phase=testing -->");
  });

  it("keeps only the end of the log, in a fence its backticks cannot break", () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    lines.push("```", "after fence");
    const { body } = formatFailureIssue(
      { taskId: "t", error: new Error("boom"), logTail: lines.join("\n"), logFile: ".gadugi/runs/r/t.log" },
      { maxLogLines: 10 },
    );
    expect(body).toContain("### Log (last 10 lines of `.gadugi/runs/r/t.log`)");
    expect(body).not.toContain("line 91\n");
    expect(body).toContain("````\nline 92");
    expect(body).toContain("after fence\n````");
  });

  it("takes a GadugiError with its code, hint and causes", () => {
    const error = new GadugiError(
      "GADUGI_AGENT_FAILED",
      { taskId: "t", agent: "claude", reason: "max turns" },
      { cause: new Error("inner") },
    );
    const { body } = formatFailureIssue({ taskId: "t", error });
    expect(body).toContain("`GADUGI_AGENT_FAILED`");
    expect(body).toContain("**Hint:** See the task's log");
    expect(body).toContain("- inner");
  });

  it("stays under GitHub's body limit", () => {
    const huge = Array.from({ length: 200 }, () => "x".repeat(2000));
    const { body } = formatFailureIssue({ error: "boom", logTail: huge }, { maxLogLines: 200 });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("_Filed automatically by Gadugi._");
  });
});

describe("createFailureIssue", () => {
  let server: GitHubServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it("files the report as an issue, redacted, with the failure label", async () => {
    server = await startGitHubServer({ token: TOKEN });
    const gh = new GitHubOperations({
      owner: "acme",
      repo: "widgets",
      token: TOKEN,
      baseUrl: server.url,
      throttle: FAST_THROTTLE,
      env: { OPENAI_API_KEY: "sk-proj-abcdefghijklmnopqrstuvwxyz" },
    });
    const issue = await gh.createFailureIssue({
      taskId: "task-1",
      phase: "implementation",
      error: { code: "GADUGI_AGENT_FAILED", message: `agent crashed, token ${TOKEN}` },
      logTail: [
        "starting",
        "export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz",
        `git push https://x-access-token:${TOKEN}@github.com/acme/widgets.git`,
        "fatal: boom",
      ],
    });
    expect(issue.labels).toEqual(["gadugi", "gadugi-failure"]);
    expect(issue.title).toBe("Gadugi: task-1 failed in implementation: agent crashed, token [REDACTED]");
    const stored = server.state.issues[0]!;
    expect(stored.body).toContain("fatal: boom");
    expect(stored.body).not.toContain(TOKEN);
    expect(stored.body).not.toContain("sk-proj-abcdefghijklmnopqrstuvwxyz");
    expect(stored.body).toContain("[REDACTED]");
  });
});
