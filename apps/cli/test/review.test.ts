import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createFakeReviewer, createTempDir, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { repoWithSampleAgent, runCli, SAMPLE_AGENT, samplePrompt } from "./run-cli.js";

const temp = useTempDirs();

/** A repository with the sample agent and a scripted reviewer giving `verdicts`, look by look. */
function repoReviewedWith(verdicts: string[]): Promise<TempRepo> {
  const reviewer = createFakeReviewer(temp.track(createTempDir("gadugi-reviewer-")).path, {
    verdicts,
    comment: "Please name the value after the task.",
  });
  const config = {
    agent: "sample",
    agents: { sample: SAMPLE_AGENT },
    workflow: { testCommand: "node --test", reviewCommand: reviewer.command },
  };
  return repoWithSampleAgent(temp, {
    "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
    "test/ok.test.js": 'import { test } from "node:test";\ntest("ok", () => {});\n',
    "gadugi.config.json": `${JSON.stringify(config, null, 2)}\n`,
    "prompts/picky.md": samplePrompt("Picky", "src/picky.js"),
    "prompts/after.md": samplePrompt("After", "src/after.js", "depends_on: [picky]"),
  });
}

describe("gadugi run: a review with consequences", () => {
  it("a reviewer that still requests changes after the fix round keeps the task and its dependent from merging", async () => {
    const repo = await repoReviewedWith(["request-changes"]);
    const result = await runCli(repo.dir, ["run", "prompts/picky.md", "prompts/after.md"], { env: repo.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /picky +changes-requested .* the reviewer requested changes after 1 fix round: .*Please name the value after the task\./,
    );
    const [runId] = readdirSync(join(repo.dir, ".gadugi", "runs"));
    const dir = join(repo.dir, ".gadugi", "runs", runId as string);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    const [picky, after] = report.tasks;
    expect(picky).toMatchObject({
      status: "changes-requested",
      review: { verdict: "request-changes", fixRounds: 1, changesRequested: true, mergeable: false },
    });
    expect(picky.review.rounds.map((r: { comments: string }) => r.comments)).toEqual([
      expect.stringContaining("Please name the value after the task."),
      expect.stringContaining("Please name the value after the task."),
    ]);
    expect(picky.merge?.status).not.toBe("merged");
    expect(after.status).toBe("skipped");
    const markdown = readFileSync(join(dir, "report.md"), "utf8");
    expect(markdown).toContain(
      "Review: **request-changes** after 2 rounds (1 fix round); changes still requested: not merged",
    );
    expect(readFileSync(join(dir, "report.html"), "utf8")).toContain("<h2>Reviews</h2>");
  }, 120_000);

  it("request-changes, then approve after the fix round: merged, exit 0", async () => {
    const repo = await repoReviewedWith(["request-changes", "approve"]);
    const result = await runCli(repo.dir, ["run", "prompts/picky.md", "prompts/after.md"], { env: repo.env });
    expect(result.code).toBe(0);
    const [runId] = readdirSync(join(repo.dir, ".gadugi", "runs"));
    const report = JSON.parse(
      readFileSync(join(repo.dir, ".gadugi", "runs", runId as string, "report.json"), "utf8"),
    );
    expect(report.tasks.map((t: { status: string }) => t.status)).toEqual(["completed", "completed"]);
    expect(report.tasks[0].review).toMatchObject({ verdict: "approve", fixRounds: 1 });
    // The reviewer's script repeats its last verdict: the dependent is approved at once.
    expect(report.tasks[1].review).toMatchObject({ verdict: "approve", fixRounds: 0 });
  }, 120_000);
});
