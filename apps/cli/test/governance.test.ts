import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { repoWithSampleAgent, runCli, SAMPLE_AGENT, samplePrompt } from "./run-cli.js";

const temp = useTempDirs();

/** A repository without a test command, the sample agent, and `workflow` as its config's workflow. */
function repoWith(workflow: Record<string, unknown>): Promise<TempRepo> {
  const config = { agent: "sample", agents: { sample: SAMPLE_AGENT }, workflow };
  return repoWithSampleAgent(temp, {
    "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
    "gadugi.config.json": `${JSON.stringify(config, null, 2)}\n`,
    "prompts/strict.md": samplePrompt("Strict", "src/strict.js"),
    "prompts/after.md": samplePrompt("After", "src/after.js", "depends_on: [strict]"),
  });
}

describe("gadugi run: governance of required phases", () => {
  it("fails a task whose mandatory testing was skipped, merges nothing of it, and the report says why", async () => {
    const repo = await repoWith({ allowSkip: { testing: [] } });
    const result = await runCli(repo.dir, ["run", "prompts/strict.md", "prompts/after.md"], {
      env: repo.env,
    });
    expect(result.code).not.toBe(0);
    const [runId] = readdirSync(join(repo.dir, ".gadugi", "runs"));
    const dir = join(repo.dir, ".gadugi", "runs", runId as string);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    const [strict, after] = report.tasks;
    expect(strict).toMatchObject({
      status: "failed",
      error: expect.stringContaining("workflow.allowSkip.testing does not allow it"),
      governance: { violated: [{ phase: "testing", code: "no-test-command" }] },
    });
    expect(strict.merge?.status).not.toBe("merged");
    expect(after.status).toBe("skipped");
    expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(
      /Governance: \*\*violated\*\* \(1\)[\s\S]*\| Violated \| testing \(no-test-command: /,
    );
    expect(existsSync(join(dir, "report.html"))).toBe(true);
  }, 120_000);

  it("refuses an unknown phase or reason code in workflow.allowSkip, naming the key", async () => {
    const repo = await repoWith({ allowSkip: { tests: [], review: ["no-time"] } });
    const result = await runCli(repo.dir, ["run", "prompts/strict.md"], { env: repo.env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('workflow.allowSkip.tests: unknown phase "tests"');
    expect(result.stderr).toContain('workflow.allowSkip.review: unknown skip reason "no-time"');
    expect(existsSync(join(repo.dir, ".gadugi", "runs"))).toBe(false);
  }, 60_000);
});
