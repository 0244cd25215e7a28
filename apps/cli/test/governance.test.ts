import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SAMPLE_REPO_SOURCE } from "@gadugi/orchestrator";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const temp = useTempDirs();

const prompt = (title: string, file: string, frontmatter = "") =>
  `${frontmatter ? `---\n${frontmatter}\n---\n` : ""}# ${title}\n\n## Overview\nCreate \`${file}\`.\n\n## Implementation\n\`\`\`js file=${file} mode=create\nexport const v = ${JSON.stringify(title)};\n\`\`\`\n`;

/** A repository without a test command, the sample agent, and `workflow` as its config's workflow. */
async function repoWith(workflow: Record<string, unknown>): Promise<TempRepo> {
  const config = {
    agent: "sample",
    agents: { sample: { kind: "command", command: ["node", "tools/sample-agent.mjs", "{prompt_file}"] } },
    workflow,
  };
  const repo = temp.track(
    await createTempRepo({
      files: {
        "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
        "gadugi.config.json": `${JSON.stringify(config, null, 2)}\n`,
        "prompts/strict.md": prompt("Strict", "src/strict.js"),
        "prompts/after.md": prompt("After", "src/after.js", "depends_on: [strict]"),
      },
    }),
  );
  mkdirSync(join(repo.dir, "tools"));
  copyFileSync(
    join(SAMPLE_REPO_SOURCE, "tools", "sample-agent.mjs"),
    join(repo.dir, "tools", "sample-agent.mjs"),
  );
  await repo.commit("add the sample agent");
  return repo;
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
