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

  it("applies the tightest wall limit that was asked for, and the config's idle limit", () => {
    expect(chooseAgent(task(), config).config).toMatchObject({ timeoutSec: 900, idleTimeoutSec: 120 });
    expect(chooseAgent(task(), config, { timeoutSec: 60 }).config.timeoutSec).toBe(60);
    expect(chooseAgent(task({ timeoutSec: 30 }), config, { timeoutSec: 60 }).config.timeoutSec).toBe(30);
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
