import { readFileSync } from "node:fs";
import path from "node:path";
import type { ReviewSummary } from "@gadugi/interfaces";
import { createFakeReviewer, createTempDir, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { createHarness, phaseOf, TASK_ID } from "./test-helpers/index.js";

const temp = useTempDirs();

/** The fix round's agent: explains feature in a comment, left uncommitted. */
const EXPLAIN = `printf '// feature is 2: the task asks for it\\nexport const feature = 2;\\n' > src/feature.ts`;

async function reviewed(
  verdicts: string[],
  options: Parameters<typeof createHarness>[1] = {},
  comment?: string,
) {
  const reviewer = createFakeReviewer(temp.track(createTempDir("gadugi-reviewer-")).path, {
    verdicts,
    ...(comment === undefined ? {} : { comment }),
  });
  const h = await createHarness(temp, {
    agents: { "review-fix": EXPLAIN },
    ...options,
    workflow: { reviewCommand: reviewer.command, ...options.workflow },
  });
  const state = await h.run();
  const review = phaseOf(state, "review");
  return { h, state, review, summary: review.data.review as ReviewSummary, reviewer };
}

describe("review with consequences", () => {
  it("request-changes → a fix round by the task's agent with the comments → approve: completed", async () => {
    const { h, state, review, summary, reviewer } = await reviewed(["request-changes", "approve"], {
      server: { pullAuthor: "someone-else" },
    });
    expect(state.status).toBe("completed");
    expect(reviewer.looks()).toBe(2);
    expect(h.purposes()).toEqual(["implementation", "review-fix"]);
    const prompt = readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.review-fix-1.md`), "utf8");
    expect(prompt).toContain("Please explain in a comment why feature is 2.");
    // The fix was committed on the branch and pushed, and the second look reviewed it.
    const head = await h.repo.git(["rev-parse", "gadugi/feature-two"]);
    expect(await h.repo.git(["show", "gadugi/feature-two:src/feature.ts"])).toContain("// feature is 2");
    expect(await h.originGit(["rev-parse", "refs/heads/gadugi/feature-two"])).toBe(head);
    expect(summary).toMatchObject({
      verdict: "approve",
      fixRounds: 1,
      changesRequested: false,
      mergeable: true,
    });
    expect(summary.rounds.map((r) => [r.round, r.verdict])).toEqual([
      [1, "request-changes"],
      [2, "approve"],
    ]);
    expect(summary.rounds[0]?.comments).toContain("Please explain in a comment why feature is 2.");
    expect(summary.rounds[1]?.commit).toBe(head);
    expect(review.data.fixes).toMatchObject([{ round: 1, commit: head, changed: true, pushed: true }]);
    // On GitHub: two pull-request reviews, as asked (the PR is another user's).
    const reviews = h.server!.state.reviews;
    expect(reviews.map((r) => [r.pullNumber, r.state])).toEqual([
      [state.prNumber, "CHANGES_REQUESTED"],
      [state.prNumber, "APPROVED"],
    ]);
    expect(reviews[1]?.commitId).toBe(head);
    expect(summary.rounds.map((r) => r.posted)).toMatchObject([
      { kind: "pr-review", event: "REQUEST_CHANGES", downgraded: false },
      { kind: "pr-review", event: "APPROVE", downgraded: false },
    ]);
    expect(h.server!.state.comments).toHaveLength(0);
  });

  it("request-changes twice ends the task changes-requested, with the verdict in the journal", async () => {
    const { h, state, review, summary } = await reviewed(["request-changes"]);
    expect(state.status).toBe("changes-requested");
    expect(state.error).toBe(
      "the reviewer requested changes after 1 fix round: Look 2: reviewed 1 file(s). Please explain in a comment why feature is 2.",
    );
    expect(review.status).toBe("completed");
    expect(summary).toMatchObject({ verdict: "request-changes", fixRounds: 1, changesRequested: true });
    expect(summary.mergeable).toBe(false);
    const events = h.events();
    const finished = events.find((e) => e.type === "phase.finished" && e.phase === "review");
    expect(finished).toMatchObject({ data: { review: { verdict: "request-changes", fixRounds: 1 } } });
    expect(events.filter((e) => e.type === "task.status").map((e) => e.status)).toEqual([
      "running",
      "changes-requested",
    ]);
    // The run's own PR: GitHub refuses REQUEST_CHANGES, so each look is a COMMENT review stating it.
    expect(h.server!.state.reviews.map((r) => r.state)).toEqual(["COMMENTED", "COMMENTED"]);
    expect(h.server!.state.reviews[1]?.body).toContain("### Gadugi review: request-changes");
    expect(summary.rounds.map((r) => r.posted?.downgraded)).toEqual([true, true]);
    expect(readFileSync(review.data.reviewFile as string, "utf8")).toContain("round 2, after the fix round");
  });

  it("workflow.mergeOnRequestChanges completes the task all the same, with a warning", async () => {
    const { h, state, summary } = await reviewed(["request-changes"], {
      workflow: { mergeOnRequestChanges: true },
    });
    expect(state.status).toBe("completed");
    expect(summary).toMatchObject({ changesRequested: true, mergeable: true });
    const warnings = h.events().filter((e) => e.type === "warning");
    expect(warnings.map((w) => w.message)).toContainEqual(
      expect.stringMatching(
        /requested changes after 1 fix round.*merged anyway \(workflow.mergeOnRequestChanges\)/,
      ),
    );
  });

  it("comment merges without a fix round", async () => {
    const { h, state, summary } = await reviewed(["comment"]);
    expect(state.status).toBe("completed");
    expect(h.purposes()).toEqual(["implementation"]);
    expect(summary).toMatchObject({ verdict: "comment", fixRounds: 0, mergeable: true });
  });

  it("posts the reviewer's path:line comments inside the diff as line comments of the PR review", async () => {
    const comment =
      "src/feature.ts:1: say why feature is 2\nREADME.md:1: not in the diff\nsrc/feature.ts:9: past the hunk";
    const { h, summary } = await reviewed(["request-changes", "approve"], {}, comment);
    const [first] = h.server!.state.reviews;
    expect(first?.comments).toEqual([
      expect.objectContaining({ path: "src/feature.ts", line: 1, body: "say why feature is 2" }),
    ]);
    expect(first?.body).toContain("README.md:1: not in the diff");
    expect(summary.rounds[0]?.posted).toMatchObject({ kind: "pr-review", lineComments: 1 });
    expect(summary.rounds[1]?.posted?.lineComments).toBeUndefined();
  });

  it("posts the review without its line comments when GitHub refuses them", async () => {
    const reviewer = createFakeReviewer(temp.track(createTempDir("gadugi-reviewer-")).path, {
      verdicts: ["request-changes", "approve"],
      comment: "src/feature.ts:1: say why feature is 2",
    });
    const h = await createHarness(temp, {
      agents: { "review-fix": EXPLAIN },
      workflow: { reviewCommand: reviewer.command },
      server: { pullAuthor: "someone-else" },
    });
    h.server!.failNext("POST", "/repos/acme/widgets/pulls/*/reviews", {
      status: 422,
      body: { message: "Validation Failed", errors: ["line must be part of the diff"] },
    });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const summary = phaseOf(state, "review").data.review as ReviewSummary;
    expect(summary.rounds[0]?.posted).toMatchObject({ kind: "pr-review", event: "REQUEST_CHANGES" });
    expect(summary.rounds[0]?.posted?.lineComments).toBeUndefined();
    const [first] = h.server!.state.reviews;
    expect(first?.comments).toEqual([]);
    expect(first?.body).toContain("src/feature.ts:1: say why feature is 2");
    expect(h.server!.state.reviews).toHaveLength(2);
  });

  it("without a pull request posts the review as a comment on the task's issue", async () => {
    const { h, state, summary } = await reviewed(["approve"], { origin: "none" });
    expect(state.status).toBe("completed");
    expect(phaseOf(state, "pr_creation").status).toBe("skipped");
    expect(h.server!.state.reviews).toHaveLength(0);
    const comment = h.server!.state.comments[0]!;
    expect(comment.issueNumber).toBe(state.issueNumber);
    expect(comment.body).toContain("### Gadugi review: approve");
    expect(summary.rounds[0]?.posted).toMatchObject({ kind: "issue-comment" });
  });
});
