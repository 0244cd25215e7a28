import { GadugiError } from "@gadugi/error-handling";
import type { AgentConfigInput } from "@gadugi/interfaces";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { getAdapter } from "./adapters/index.js";
import { displayCommand, MAX_PROMPT_ARG_BYTES } from "./invocation.js";
import { makeRequest } from "./test-helpers/request.js";

const temp = useTempDirs();

function invocation(
  agent: AgentConfigInput,
  overrides: Parameters<typeof makeRequest>[2] = {},
  isRoot = false,
) {
  const request = makeRequest(temp.dir(), agent, overrides);
  return { request, inv: getAdapter(agent.kind).buildInvocation(request, { isRoot }) };
}

describe("buildInvocation", () => {
  it("claude: every option maps to its verified flag, prompt as -p's argument, stdin /dev/null", () => {
    const { request, inv } = invocation({
      kind: "claude",
      autonomy: "edit",
      model: "opus",
      maxTurns: 12,
      appendSystemPrompt: "Be brief.",
      maxBudgetUsd: 2.5,
    });
    expect(inv.file).toBe("claude");
    expect(inv.args).toEqual([
      "-p",
      "Say hi",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "acceptEdits",
      "--model",
      "opus",
      "--max-turns",
      "12",
      "--append-system-prompt",
      "Be brief.",
      "--max-budget-usd",
      "2.5",
    ]);
    expect(inv.stdin).toBe("ignore");
    expect(inv.cwd).toBe(request.worktree);
    expect(inv.warnings).toEqual([]);
    expect(inv.env).toMatchObject({ GADUGI_TASK_ID: "task-1", GADUGI_PROMPT_FILE: request.promptFile });
  });

  it("claude: IS_SANDBOX=1 only for full autonomy as root", () => {
    expect(invocation({ kind: "claude", autonomy: "full" }, {}, true).inv.env.IS_SANDBOX).toBe("1");
    expect(invocation({ kind: "claude", autonomy: "full" }, {}, false).inv.env.IS_SANDBOX).toBeUndefined();
    expect(invocation({ kind: "claude", autonomy: "edit" }, {}, true).inv.env.IS_SANDBOX).toBeUndefined();
  });

  it("codex: exec --json in the worktree, sandbox per autonomy, prompt last, stdin closed", () => {
    const { request, inv } = invocation({
      kind: "codex",
      autonomy: "read-only",
      model: "gpt-5",
      maxTurns: 3,
    });
    expect(inv.args).toEqual([
      "exec",
      "--json",
      "-C",
      request.worktree,
      "-s",
      "read-only",
      "-m",
      "gpt-5",
      "Say hi",
    ]);
    expect(inv.stdin).toBe("closed");
    expect(inv.warnings).toEqual(["codex has no option for maxTurns; the setting is ignored"]);
    expect(invocation({ kind: "codex", autonomy: "full" }).inv.args).toContain(
      "--dangerously-bypass-approvals-and-sandbox",
    );
  });

  it("gemini, opencode and aider append the extra system prompt to the prompt", () => {
    const { inv } = invocation({ kind: "gemini", autonomy: "edit", appendSystemPrompt: "Be brief." });
    expect(inv.args).toEqual([
      "-p",
      "Say hi\n\nBe brief.",
      "-o",
      "stream-json",
      "--skip-trust",
      "--approval-mode",
      "auto_edit",
    ]);
    expect(invocation({ kind: "opencode", appendSystemPrompt: "X" }).inv.args[1]).toBe("Say hi\n\nX");
    expect(invocation({ kind: "aider", appendSystemPrompt: "X" }).inv.args.slice(0, 2)).toEqual([
      "--message",
      "Say hi\n\nX",
    ]);
  });

  it("a long prompt, or one starting with '-', never goes as an argument", () => {
    const long = `${"x".repeat(MAX_PROMPT_ARG_BYTES)}y`;
    const claude = invocation({ kind: "claude" }, { prompt: long }).inv;
    expect(claude.args.slice(0, 2)).toEqual(["-p", "--output-format"]);
    expect(claude.stdin).toEqual({ text: long });
    const codex = invocation({ kind: "codex" }, { prompt: "- item one" }).inv;
    expect(codex.args.at(-1)).toBe("-");
    expect(codex.stdin).toEqual({ text: "- item one" });
    const gemini = invocation({ kind: "gemini" }, { prompt: "- item" }).inv;
    expect(gemini.stdin).toEqual({ text: "- item" });
    expect(gemini.args[1]).not.toMatch(/^-/);
    const { request, inv: opencode } = invocation({ kind: "opencode" }, { prompt: "- item" });
    expect(opencode.args).toContain(request.promptFile);
    const aider = invocation({ kind: "aider" }, { prompt: "- item" });
    expect(aider.inv.args.slice(0, 2)).toEqual(["--message-file", aider.request.promptFile]);
  });

  it("agent.command overrides the executable and keeps its own arguments first", () => {
    const { inv } = invocation({ kind: "codex", command: ["npx", "-y", "@openai/codex"] });
    expect(inv.file).toBe("npx");
    expect(inv.args.slice(0, 4)).toEqual(["-y", "@openai/codex", "exec", "--json"]);
  });

  it("command: placeholders substituted inside each argument, no shell, env from the config", () => {
    const { request, inv } = invocation({
      kind: "command",
      command: ["my-agent", "--file={prompt_file}", "{worktree}", "task {task_id}; rm -rf /", "$HOME"],
      env: { MY_VAR: "1" },
    });
    expect(inv.file).toBe("my-agent");
    expect(inv.args).toEqual([
      `--file=${request.promptFile}`,
      request.worktree,
      "task task-1; rm -rf /",
      "$HOME",
    ]);
    expect(inv.env.MY_VAR).toBe("1");
    expect(inv.stdin).toBe("ignore");
  });

  it("command without a program is GADUGI_AGENT_NOT_FOUND with a hint", () => {
    const request = makeRequest(temp.dir(), { kind: "command" });
    let error: unknown;
    try {
      getAdapter("command").buildInvocation(request);
    } catch (e) {
      error = e;
    }
    expect(GadugiError.is(error, "GADUGI_AGENT_NOT_FOUND")).toBe(true);
    expect((error as GadugiError).hint).toContain('"command"');
  });
});

describe("displayCommand", () => {
  it("masks secrets and the values of secret variables, and shortens long arguments", () => {
    const shown = displayCommand(
      "claude",
      ["--api-key", "abcdef123456", "-p", "x".repeat(500), "sk-ant-abcdefghijklmnop123"],
      {
        OPENAI_API_KEY: "abcdef123456",
      },
    );
    expect(shown[2]).toBe("[REDACTED]");
    expect(shown[4]).toMatch(/^x{200}…\(500 chars\)$/);
    expect(shown[5]).toBe("sk-[REDACTED]");
  });
});
