import { GadugiConfig } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { resolveAgentSetting, reviewerAgent } from "./index.js";

describe("resolveAgentSetting", () => {
  it("parses the command and falls back to the config's time limits", () => {
    const config = GadugiConfig.parse({
      taskTimeoutSec: "2h",
      idleTimeoutSec: "10m",
      agents: { mine: { kind: "command", command: "my-agent --prompt {prompt_file}" } },
    });
    expect(resolveAgentSetting(config.agents.mine!, config)).toEqual({
      kind: "command",
      command: ["my-agent", "--prompt", "{prompt_file}"],
      autonomy: "edit",
      env: {},
      timeoutSec: 7200,
      idleTimeoutSec: 600,
    });
  });

  it("keeps the agent's own limits", () => {
    const config = GadugiConfig.parse({
      taskTimeoutSec: 7200,
      agents: { fast: { kind: "claude", timeoutSec: "30m", idleTimeoutSec: 60 } },
    });
    expect(resolveAgentSetting(config.agents.fast!, config)).toMatchObject({
      timeoutSec: 1800,
      idleTimeoutSec: 60,
    });
  });
});

describe("reviewerAgent", () => {
  it("runs a configured reviewer read-only, with its command parsed and the config's task timeout", () => {
    const config = GadugiConfig.parse({
      taskTimeoutSec: 5400,
      agents: { critic: { kind: "claude", command: ["/opt/claude/bin/claude"], autonomy: "full" } },
    });
    expect(reviewerAgent(config, "critic")).toMatchObject({
      command: ["/opt/claude/bin/claude"],
      autonomy: "read-only",
      timeoutSec: 5400,
    });
  });
});
