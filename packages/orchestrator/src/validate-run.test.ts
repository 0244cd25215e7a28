import { existsSync } from "node:fs";
import { join } from "node:path";
import { GadugiConfig } from "@gadugi/interfaces";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator, type RunRequest } from "./engine.js";

const temp = useTempDirs();

const PROMPT = "# Add a\n\n## Overview\nCreate `src/a.js`.\n";

async function repoWith(config: Record<string, unknown>): Promise<TempRepo> {
  return temp.track(
    await createTempRepo({
      files: { "gadugi.config.json": JSON.stringify(config), "prompts/a.md": PROMPT },
    }),
  );
}

/** The error `run` and `dryRun` both end with; the run must not have started (no run directory). */
async function bothFail(repo: TempRepo, request: Partial<RunRequest> = {}, config?: GadugiConfig) {
  const make = () =>
    new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env, ...(config ? { config } : {}) });
  const full: RunRequest = { promptFiles: ["prompts/a.md"], ...request };
  const dry = await make()
    .dryRun(full)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  const run = await make()
    .run(full)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(dry).toBeDefined();
  expect(run).toMatchObject({ code: (dry as { code: string }).code, message: (dry as Error).message });
  expect(existsSync(join(repo.dir, ".gadugi", "runs"))).toBe(false);
  return dry as { code: string; message: string; hint: string };
}

const agentConfig = {
  agent: "mine",
  agents: { mine: { kind: "command", command: ["node", "{prompt_file}"] } },
};

describe("validateRun: a dry run checks what a run checks", () => {
  it("refuses an unknown agent", async () => {
    const repo = await repoWith(agentConfig);
    expect((await bothFail(repo, { agent: "nosuchagent" })).code).toBe("GADUGI_AGENT_NOT_FOUND");
  });

  it("refuses an agent whose program is not on PATH, naming the task", async () => {
    const repo = await repoWith({
      agent: "missing",
      agents: { missing: { kind: "command", command: "definitely-not-an-agent-xyz {prompt_file}" } },
    });
    const error = await bothFail(repo);
    expect(error.code).toBe("GADUGI_COMMAND_NOT_FOUND");
    expect(error.hint).toContain("prompts/a.md");
  });

  it("refuses a run with no agent chosen", async () => {
    const repo = await repoWith({});
    expect((await bothFail(repo)).code).toBe("GADUGI_NO_AGENT");
  });

  it("refuses a base ref that does not exist, and a bad max-parallel or timeout", async () => {
    const repo = await repoWith(agentConfig);
    expect(await bothFail(repo, { baseRef: "no-such-branch" })).toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
      message: expect.stringContaining("--base"),
    });
    expect((await bothFail(repo, { maxParallel: 65 })).message).toContain("a whole number from 1 to 64");
    expect((await bothFail(repo, { timeoutSec: -5 })).message).toContain("--timeout");
  });

  it("refuses a command needing a shell in a config handed over in code", async () => {
    const repo = await repoWith(agentConfig);
    const config = GadugiConfig.parse({ ...agentConfig, setup: { commands: ["npm ci | tee log"] } });
    const error = await bothFail(repo, {}, config);
    expect(error.code).toBe("GADUGI_COMMAND_SYNTAX");
    expect(error.message).toMatch(/^config: setup\.commands\[0\]: /);
  });

  it("returns the plan when everything checks out, changing nothing", async () => {
    const repo = await repoWith(agentConfig);
    const plan = await new Orchestrator({ repoRoot: repo.dir, env: repo.env }).dryRun({
      promptFiles: ["prompts/a.md"],
    });
    expect(plan.tasks.map((t) => t.slug)).toEqual(["a"]);
    expect(existsSync(join(repo.dir, ".gadugi", "runs"))).toBe(false);
  });
});
