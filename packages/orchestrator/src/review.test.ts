import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventJournal } from "@gadugi/state";
import { TaskTracker } from "@gadugi/task-tracking";
import { createFakeReviewer, createTempDir, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator, runFiles } from "./engine.js";
import { originAndGitHub, repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

/** The review's comment: a file block the sample agent carries out in the fix round. */
const COMMENT = "Please add a note.\n```js file=src/review-note.js mode=create\nexport const note = 1;\n```";

/** A repository whose reviewer (workflow.reviewCommand) gives `verdicts`, look by look. */
async function reviewedRepo(
  prompts: Record<string, string>,
  verdicts: string[],
  workflow: Record<string, unknown> = {},
): Promise<TempRepo> {
  const reviewer = createFakeReviewer(temp.track(createTempDir("gadugi-reviewer-")).path, {
    verdicts,
    comment: COMMENT,
  });
  return repoWithSampleAgent(
    temp,
    prompts,
    sampleConfig({
      workflow: { testCommand: "node --test", reviewCommand: reviewer.command, ...workflow },
    }),
  );
}

const filesOn = (repo: TempRepo, ref: string) => repo.git(["ls-tree", "-r", "--name-only", ref]);

describe("a review with consequences in a run", () => {
  it("request-changes → fix round → approve: the fixed branch is merged", async () => {
    const repo = await reviewedRepo({ "one.md": samplePrompt("One", "src/one.js") }, [
      "request-changes",
      "approve",
    ]);
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/one.md"],
    });
    expect(result.status).toBe("completed");
    const [one] = result.report.tasks;
    expect(one?.merge?.status).toBe("merged");
    expect(one?.review).toMatchObject({ verdict: "approve", fixRounds: 1, changesRequested: false });
    expect(one?.review?.rounds.map((r) => r.verdict)).toEqual(["request-changes", "approve"]);
    const merged = await filesOn(repo, result.report.integrationBranch as string);
    expect(merged).toContain("src/one.js");
    expect(merged).toContain("src/review-note.js");
  }, 60_000);

  it("request-changes twice: changes-requested, not merged, its dependents skipped, and the report says why", async () => {
    const repo = await reviewedRepo(
      {
        "picky.md": samplePrompt("Picky", "src/picky.js"),
        "after.md": samplePrompt("After", "src/after.js", "depends_on: [picky]"),
      },
      ["request-changes"],
    );
    const orchestrator = new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env });
    const result = await orchestrator.run({ promptFiles: ["prompts/picky.md", "prompts/after.md"] });
    expect(result.status).toBe("failed");
    const [picky, after] = result.report.tasks;
    expect(picky?.status).toBe("changes-requested");
    expect(picky?.error).toMatch(
      /^the reviewer requested changes after 1 fix round: Look 2: .*Please add a note/,
    );
    expect(picky?.merge?.status).not.toBe("merged");
    expect(after?.status).toBe("skipped");
    const journal = readFileSync(join(runFiles(repo.dir, result.runId).dir, "events.jsonl"), "utf8")
      .trim()
      .split("\n");
    const skipped = journal
      .map((l) => JSON.parse(l))
      .find((e) => e.type === "task.status" && e.status === "skipped");
    expect(skipped).toMatchObject({
      taskId: after?.id,
      reason: expect.stringMatching(
        /^dependency "task-[^"]+" failed: the reviewer requested changes after 1 fix round/,
      ),
    });
    expect(result.report.metrics).toMatchObject({ tasksCompleted: 0, tasksFailed: 1, tasksSkipped: 1 });
    const merged = await filesOn(repo, result.report.integrationBranch as string);
    expect(merged).not.toContain("src/picky.js");
    // The work stays on its branch, the fix round's commit included.
    expect(await filesOn(repo, picky?.branch as string)).toContain("src/review-note.js");

    // JSON, Markdown and HTML: the verdict, the comments and the rounds.
    const json = JSON.parse(readFileSync(result.reportFiles.json, "utf8"));
    expect(json.tasks[0].review).toMatchObject({
      verdict: "request-changes",
      fixRounds: 1,
      mergeable: false,
    });
    expect(json.tasks[0].review.rounds).toHaveLength(2);
    expect(json.tasks[0].review.rounds[0].comments).toContain("Please add a note.");
    const markdown = readFileSync(result.reportFiles.markdown, "utf8");
    expect(markdown).toContain(
      "Review: **request-changes** after 2 rounds (1 fix round); changes still requested: not merged",
    );
    expect(markdown).toMatch(
      /\| 1 \| request-changes \| Look 1: reviewed \d+ file\(s\)\. Please add a note\./,
    );
    expect(markdown).toMatch(/\| 2 \| request-changes \| Look 2: /);
    expect(markdown).toContain("| picky | changes-requested: the reviewer requested changes");
    const html = readFileSync(result.reportFiles.html, "utf8");
    expect(html).toContain("<h2>Reviews</h2>");
    expect(html).toMatch(/<tr><td>picky<\/td><td>2<\/td><td>request-changes<\/td>/);

    // A resume queues it again (changes-requested → queued) and the standing verdict holds.
    const resumed = await orchestrator.resume({ runId: result.runId });
    expect(resumed.report.tasks[0]?.status).toBe("changes-requested");
    // The whole journal, run and resume, through the status machine: every move is legal.
    const { events } = await EventJournal.forRun(repo.dir, result.runId).read();
    const tracker = new TaskTracker();
    const moves: string[] = [];
    for (const event of events) {
      if (event.type === "task.added" && !tracker.has(event.task.id))
        tracker.add(event.task.id, event.task.status);
      if (event.type !== "task.status" || event.taskId !== picky?.id) continue;
      const from = tracker.status(event.taskId);
      if (from === event.status && from !== "running") continue;
      tracker.transition(event.taskId, event.status, event.reason);
      moves.push(`${from}→${event.status}`);
    }
    expect(moves).toEqual([
      "pending→queued",
      "queued→running",
      "running→changes-requested",
      "changes-requested→queued",
      "queued→running",
      "running→changes-requested",
    ]);
  }, 90_000);

  it("workflow.mergeOnRequestChanges merges a task whose reviewer still requests changes", async () => {
    const repo = await reviewedRepo({ "one.md": samplePrompt("One", "src/one.js") }, ["request-changes"], {
      mergeOnRequestChanges: true,
    });
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/one.md"],
    });
    const [one] = result.report.tasks;
    expect(one?.status).toBe("completed");
    expect(one?.merge?.status).toBe("merged");
    expect(one?.review).toMatchObject({ changesRequested: true, mergeable: true });
    expect(readFileSync(result.reportFiles.markdown, "utf8")).toContain(
      "changes still requested; merged anyway (workflow.mergeOnRequestChanges)",
    );
  }, 60_000);

  it("posts each look as a review of the task's pull request on GitHub", async () => {
    const repo = await reviewedRepo({ "one.md": samplePrompt("One", "src/one.js") }, [
      "request-changes",
      "approve",
    ]);
    const { server, github } = await originAndGitHub(temp, repo);
    const result = await new Orchestrator({ repoRoot: repo.dir, github, env: repo.env }).run({
      promptFiles: ["prompts/one.md"],
    });
    expect(result.status).toBe("completed");
    const pr = server.state.prs[0]!;
    // The run's own PR: GitHub refuses REQUEST_CHANGES and APPROVE, so both are COMMENT reviews.
    expect(server.state.reviews.map((r) => [r.pullNumber, r.state])).toEqual([
      [pr.number, "COMMENTED"],
      [pr.number, "COMMENTED"],
    ]);
    expect(server.state.reviews.map((r) => r.body.split("\n")[0])).toEqual([
      "### Gadugi review: request-changes",
      "### Gadugi review: approve",
    ]);
    const rounds = result.report.tasks[0]?.review?.rounds ?? [];
    expect(rounds.map((r) => r.posted)).toMatchObject([
      { kind: "pr-review", event: "REQUEST_CHANGES", downgraded: true },
      { kind: "pr-review", event: "APPROVE", downgraded: true },
    ]);
    expect(readFileSync(result.reportFiles.markdown, "utf8")).toContain(
      "PR review (as COMMENT: the run's own PR)",
    );
  }, 60_000);
});
