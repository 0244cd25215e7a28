import { GadugiConfig, TaskData } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { chooseAgent } from "./agents.js";

const task = (extra: Record<string, unknown> = {}) =>
  TaskData.parse({ id: "t1", slug: "t1", name: "T1", promptFile: "prompts/t1.md", ...extra });

describe("chooseAgent", () => {
  const config = GadugiConfig.parse({
    agent: "fast",
    taskTimeoutSec: 900,
    idleTimeoutSec: 120,
    agents: {
      fast: { kind: "claude", model: "haiku", timeoutSec: 1800 },
      shell: { kind: "command", command: ["sh", "{prompt_file}"] },
    },
  });

  it("takes the prompt's agent, then --agent, then the config's default", () => {
    expect(chooseAgent(task({ agent: "shell" }), config, { agent: "codex" }).name).toBe("shell");
    expect(chooseAgent(task(), config, { agent: "codex" }).config.kind).toBe("codex");
    expect(chooseAgent(task(), config).config).toMatchObject({ kind: "claude", model: "haiku" });
  });

  it("turns a prompt's `run` into the command agent, split without a shell", () => {
    const choice = chooseAgent(task({ run: `node tools/do.mjs "two words" {prompt_file}` }), config);
    expect(choice.name).toBe("run");
    expect(choice.config.command).toEqual(["node", "tools/do.mjs", "two words", "{prompt_file}"]);
  });

  it("settles the wall limit: the prompt's timeout, --timeout, the agent's own, then taskTimeoutSec", () => {
    expect(chooseAgent(task(), config).config).toMatchObject({ timeoutSec: 1800, idleTimeoutSec: 120 });
    expect(chooseAgent(task(), config, { timeoutSec: 60 }).config.timeoutSec).toBe(60);
    expect(chooseAgent(task({ timeoutSec: 30 }), config, { timeoutSec: 60 }).config.timeoutSec).toBe(30);
    expect(chooseAgent(task({ agent: "shell" }), config).config.timeoutSec).toBe(900);
  });

  it("lets a long taskTimeoutSec win over the built-in agents' default of an hour", () => {
    const long = GadugiConfig.parse({ agent: "claude", taskTimeoutSec: 7200 });
    expect(chooseAgent(task(), long).config.timeoutSec).toBe(7200);
    expect(chooseAgent(task({ run: "make" }), long).config.timeoutSec).toBe(7200);
  });

  it("takes an agent's command as a command line too", () => {
    const lined = GadugiConfig.parse({
      agent: "mine",
      agents: { mine: { kind: "command", command: "my-agent --task {task_id} {prompt_file}" } },
    });
    expect(chooseAgent(task(), lined).config.command).toEqual([
      "my-agent",
      "--task",
      "{task_id}",
      "{prompt_file}",
    ]);
  });

  it("says what to set when no agent is chosen at all", () => {
    try {
      chooseAgent(task(), GadugiConfig.parse({}));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "GADUGI_NO_AGENT" });
      expect((error as Error).message).toContain("prompts/t1.md");
      expect((error as { hint: string }).hint).toContain('Set "agent" in gadugi.config.json');
    }
  });

  it("names the agent and what to do when it is unknown or has no program", () => {
    expect(() => chooseAgent(task({ agent: "cursor" }), config)).toThrowError(
      /"cursor" is not installed or not configured/,
    );
    try {
      chooseAgent(task(), GadugiConfig.parse({ agent: "command" }));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "GADUGI_AGENT_NOT_FOUND" });
      expect((error as { hint: string }).hint).toContain("run:");
    }
  });
});
