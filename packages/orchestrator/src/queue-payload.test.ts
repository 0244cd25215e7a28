import { GadugiConfig } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { configForJob, inputForJob } from "./queue-payload.js";
import type { TaskWorkInput } from "./task-work.js";

describe("what a queued job carries", () => {
  it("leaves secret-looking agent env values and the queue URL out of the config", () => {
    const config = GadugiConfig.parse({
      agents: {
        mine: {
          kind: "command",
          command: ["node", "a.mjs"],
          env: { ANTHROPIC_API_KEY: "sk-ant-xyz", MODE: "fast" },
        },
      },
      queue: { url: "redis://:hunter2@queue:6379", remote: "origin" },
    });
    const sent = JSON.stringify(configForJob(config));
    expect(sent).not.toContain("sk-ant-xyz");
    expect(sent).not.toContain("hunter2");
    expect(configForJob(config).agents.mine?.env).toEqual({ ANTHROPIC_API_KEY: "[REDACTED]", MODE: "fast" });
    // The original is left as it was.
    expect(config.agents.mine?.env.ANTHROPIC_API_KEY).toBe("sk-ant-xyz");
  });

  it("leaves secret-looking env values out of the task's agent", () => {
    const input = {
      version: 1,
      runId: "run-1",
      task: { id: "t" },
      agent: { name: "mine", config: { env: { GITHUB_TOKEN: "ghp_secret", LANG: "C" } } },
      baseRef: "main",
    } as unknown as TaskWorkInput;
    const sent = inputForJob(input);
    expect(JSON.stringify(sent)).not.toContain("ghp_secret");
    expect(sent.agent.config.env).toEqual({ GITHUB_TOKEN: "[REDACTED]", LANG: "C" });
  });
});
