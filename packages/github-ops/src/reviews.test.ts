import { describe, expect, it } from "vitest";
import { caught, TOKEN, useLocalGitHub } from "./test-helpers/index.js";

describe("reviews of someone else's pull request", () => {
  // Opened by another account, so GitHub accepts APPROVE and REQUEST_CHANGES from the token.
  const local = useLocalGitHub({ pullAuthor: "octocat" });

  it("approves with a text and comments on lines, at the pull request's head", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "Add retry", head: "gadugi/add-retry", base: "main" });
    const review = await gh.createPrReview(pr.number, {
      event: "APPROVE",
      body: "Looks good.",
      comments: [
        { path: "src/retry.ts", line: 12, body: "Nit: name the constant." },
        { path: "src/old.ts", line: 3, side: "LEFT", body: "Good riddance." },
      ],
    });
    expect(review).toMatchObject({
      event: "APPROVE",
      downgraded: false,
      state: "APPROVED",
      body: "Looks good.",
      author: "gadugi-bot",
      commitId: pr.headSha,
      url: `https://github.com/acme/widgets/pull/${pr.number}#pullrequestreview-${review.id}`,
    });
    expect(review.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(local.server.state.reviews).toMatchObject([
      {
        pullNumber: pr.number,
        state: "APPROVED",
        comments: [
          { path: "src/retry.ts", line: 12, body: "Nit: name the constant." },
          { path: "src/old.ts", line: 3, side: "LEFT", body: "Good riddance." },
        ],
      },
    ]);
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/pulls/*/reviews")[0]?.body).toMatchObject({
      event: "APPROVE",
    });
  });

  it("requests changes, comments, and lists the reviews oldest first", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    await gh.createPrReview(pr.number, { event: "REQUEST_CHANGES", body: "The tests fail." });
    await gh.createPrReview(pr.number, { event: "COMMENT", body: "Fixed now?" });
    const reviews = await gh.listPrReviews(pr.number);
    expect(reviews.map((r) => [r.state, r.body])).toEqual([
      ["CHANGES_REQUESTED", "The tests fail."],
      ["COMMENTED", "Fixed now?"],
    ]);
    expect(await gh.listPrReviews(pr.number + 1).catch((e: unknown) => e)).toMatchObject({
      code: "GADUGI_GITHUB_API",
      args: { operation: "listPrReviews", status: 404 },
    });
  });

  it("retries a 5xx and keeps secrets out of what it sends", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    local.server.failNext("POST", "/repos/acme/widgets/pulls/*/reviews", { status: 502 });
    await gh.createPrReview(pr.number, {
      event: "COMMENT",
      body: `token ${TOKEN}`,
      comments: [{ path: "a.ts", line: 1, body: `Authorization: Bearer ${TOKEN}` }],
    });
    expect(
      local.server.requestsTo("POST", "/repos/acme/widgets/pulls/*/reviews").map((r) => r.status),
    ).toEqual([502, 200]);
    expect(local.server.state.reviews).toHaveLength(1);
    expect(JSON.stringify(local.server.state.reviews)).not.toContain(TOKEN);
  });
});

describe("reviews of the token's own pull request", () => {
  const local = useLocalGitHub();

  it("says GitHub refuses to approve or request changes on one's own pull request", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    const approve = await caught(gh.createPrReview(pr.number, { event: "APPROVE", body: "ok" }));
    expect(approve.code).toBe("GADUGI_GITHUB_API");
    expect(approve.args).toMatchObject({ operation: "createPrReview", status: 422 });
    expect(approve.message).toBe(
      "GitHub createPrReview failed with HTTP 422: Unprocessable Entity: Can not approve your own pull request",
    );
    const changes = await caught(gh.createPrReview(pr.number, { event: "REQUEST_CHANGES", body: "no" }));
    expect(changes.message).toContain("Can not request changes on your own pull request");
    expect(local.server.state.reviews).toHaveLength(0);
  });

  it("posts the verdict as a comment with fallbackToComment, and says it did", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    const changes = await gh.createPrReview(pr.number, {
      event: "REQUEST_CHANGES",
      body: "Gadugi review: request-changes",
      comments: [{ path: "src/a.ts", line: 2, body: "This throws." }],
      fallbackToComment: true,
    });
    expect(changes).toMatchObject({ event: "REQUEST_CHANGES", downgraded: true, state: "COMMENTED" });
    const approve = await gh.createPrReview(pr.number, { event: "APPROVE", fallbackToComment: true });
    expect(approve).toMatchObject({ event: "APPROVE", downgraded: true, state: "COMMENTED" });
    expect(approve.body).toContain("Review verdict: approve");
    expect(local.server.state.reviews).toMatchObject([
      {
        state: "COMMENTED",
        body: "Gadugi review: request-changes",
        comments: [{ path: "src/a.ts", line: 2 }],
      },
      { state: "COMMENTED" },
    ]);
    const comment = await gh.createPrReview(pr.number, {
      event: "COMMENT",
      body: "fyi",
      fallbackToComment: true,
    });
    expect(comment).toMatchObject({ downgraded: false, state: "COMMENTED" });
  });

  it("does not fall back on other refusals: a missing pull request, a review without text", async () => {
    const gh = local.ops();
    const missing = await caught(gh.createPrReview(42, { event: "APPROVE", fallbackToComment: true }));
    expect(missing.args).toMatchObject({ operation: "createPrReview", status: 404 });
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    const empty = await caught(gh.createPrReview(pr.number, { event: "COMMENT", fallbackToComment: true }));
    expect(empty.args).toMatchObject({ status: 422 });
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/pulls/*/reviews")).toHaveLength(2);
  });
});
