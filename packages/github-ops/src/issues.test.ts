import { describe, expect, it } from "vitest";
import { TOKEN, useLocalGitHub } from "./test-helpers/index.js";

const local = useLocalGitHub();

describe("issues and comments", () => {
  it("creates an issue with the default labels and the branch marker", async () => {
    const issue = await local.ops({ labels: ["gadugi", "automation"] }).createIssue({
      title: "Add retry",
      body: "From prompts/retry.md",
      labels: ["feature", "gadugi"],
      branch: "gadugi/add-retry",
    });
    expect(issue).toMatchObject({
      number: 1,
      url: "https://github.com/acme/widgets/issues/1",
      title: "Add retry",
      state: "open",
      labels: ["gadugi", "automation", "feature"],
    });
    expect(issue.body).toContain("From prompts/retry.md");
    expect(local.server.state.issues[0]?.body).toContain("<!-- gadugi-branch: gadugi/add-retry -->");
    expect(local.server.state.requests[0]?.token).toBe(TOKEN);
  });

  it("comments on an issue or a pull request", async () => {
    const gh = local.ops();
    const issue = await gh.createIssue({ title: "x" });
    const comment = await gh.addComment(issue.number, "Review: looks good");
    expect(comment.url).toBe(`https://github.com/acme/widgets/issues/1#issuecomment-${comment.id}`);
    expect(local.server.state.comments).toMatchObject([{ issueNumber: 1, body: "Review: looks good" }]);
  });

  it("creates many issues with per-item results; one failure does not lose the others", async () => {
    local.server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 422,
      body: {
        message: "Validation Failed",
        errors: [{ resource: "Issue", code: "invalid", field: "assignees" }],
        status: "422",
      },
    });
    const results = await local
      .ops()
      .batchCreateIssues([{ title: "a" }, { title: "b" }, { title: "c" }, { title: "d" }], {
        concurrency: 1,
      });
    expect(results.map((r) => r.ok)).toEqual([false, true, true, true]);
    const failed = results[0]!;
    if (failed.ok) throw new Error("unreachable");
    expect(failed.error.code).toBe("GADUGI_GITHUB_API");
    expect(failed.error.message).toContain("Issue.assignees is invalid");
    expect(failed.input).toEqual({ title: "a" });
    expect(local.server.state.issues.map((i) => i.title)).toEqual(["b", "c", "d"]);
  });

  it("runs a batch concurrently and keeps results in input order", async () => {
    const titles = Array.from({ length: 7 }, (_, i) => `task ${i}`);
    const results = await local.ops().batchCreateIssues(
      titles.map((title) => ({ title })),
      { concurrency: 3 },
    );
    expect(results.map((r) => (r.ok ? r.value.title : "failed"))).toEqual(titles);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("the branch's issue, on resume", () => {
  it("finds the issue made for a branch instead of opening a second one", async () => {
    const gh = local.ops();
    await gh.createIssue({ title: "other", branch: "gadugi/other" });
    const first = await gh.ensureIssue({ title: "Add retry", branch: "gadugi/add-retry" });
    expect(first.created).toBe(true);
    // The run crashed before saving the issue number; the resumed task looks first.
    const found = await gh.findIssueForBranch("gadugi/add-retry");
    expect(found?.number).toBe(first.issue.number);
    const second = await gh.ensureIssue({ title: "Add retry", branch: "gadugi/add-retry" });
    expect(second).toEqual({ issue: found, created: false });
    expect(local.server.state.issues).toHaveLength(2);
    expect(await gh.findIssueForBranch("gadugi/add")).toBeUndefined();
  });

  it("does not take a pull request or a closed issue for the branch's issue", async () => {
    const gh = local.ops();
    const old = await gh.createIssue({ title: "old", branch: "gadugi/x" });
    local.server.state.issues[0]!.state = "closed";
    await gh.createPr({
      title: "x",
      head: "gadugi/x",
      base: "main",
      body: "<!-- gadugi-branch: gadugi/x -->",
    });
    expect(await gh.findIssueForBranch("gadugi/x")).toBeUndefined();
    expect((await gh.findIssueForBranch("gadugi/x", { state: "all" }))?.number).toBe(old.number);
  });

  it("pages through many issues to find the branch's issue", async () => {
    const gh = local.ops();
    await gh.createIssue({ title: "target", branch: "gadugi/target" });
    const at = new Date().toISOString();
    for (let i = 0; i < 150; i++) {
      local.server.state.issues.push({
        id: 5000 + i,
        number: 100 + i,
        owner: "acme",
        repo: "widgets",
        title: `filler ${i}`,
        body: null,
        state: "open",
        labels: ["gadugi"],
        assignees: [],
        createdAt: at,
        updatedAt: at,
        closedAt: null,
      });
    }
    const found = await gh.findIssueForBranch("gadugi/target");
    expect(found?.title).toBe("target");
    const lists = local.server.requestsTo("GET", "/repos/acme/widgets/issues");
    expect(lists.map((r) => r.query.page ?? "1")).toEqual(["1", "2"]);
    expect(lists[0]?.query).toMatchObject({ labels: "gadugi", state: "open", per_page: "100" });
  });
});
