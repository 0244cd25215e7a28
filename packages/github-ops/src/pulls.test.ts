import { describe, expect, it } from "vitest";
import { caught, useLocalGitHub } from "./test-helpers/index.js";

const local = useLocalGitHub();

describe("pull requests", () => {
  it("opens a pull request linked to its issue", async () => {
    const gh = local.ops();
    const issue = await gh.createIssue({ title: "Add retry" });
    const pr = await gh.createPr({
      title: "Add retry",
      body: "Implements the task.",
      head: "gadugi/add-retry",
      base: "main",
      issueNumber: issue.number,
    });
    expect(pr).toMatchObject({
      number: 2,
      url: "https://github.com/acme/widgets/pull/2",
      state: "open",
      merged: false,
      draft: false,
      head: "gadugi/add-retry",
      base: "main",
    });
    expect(pr.headSha).toMatch(/^[0-9a-f]{40}$/);
    expect(local.server.state.prs[0]?.body).toBe("Implements the task.\n\nCloses #1");
  });

  it("merges one pull request, and treats an already merged one as merged", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    const merged = await gh.mergePr(pr.number, { method: "squash", commitTitle: "Task a" });
    expect(merged).toMatchObject({ number: pr.number, merged: true, alreadyMerged: false });
    expect(local.server.state.prs[0]).toMatchObject({ merged: true, mergeMethod: "squash", state: "closed" });
    const again = await gh.mergePr(pr.number);
    expect(again).toMatchObject({ merged: true, alreadyMerged: true, sha: merged.sha });
  });

  it("says why a pull request cannot be merged", async () => {
    const gh = local.ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    local.server.state.prs[0]!.mergeable = false;
    const error = await caught(gh.mergePr(pr.number));
    expect(error.code).toBe("GADUGI_GITHUB_API");
    expect(error.args).toMatchObject({ operation: "mergePr", status: 405 });
    expect(error.message).toContain("is not mergeable (dirty): Pull Request is not mergeable");
  });

  it("merges a batch in order and reports each one", async () => {
    const gh = local.ops();
    const a = await gh.createPr({ title: "a", head: "gadugi/a", base: "main" });
    const b = await gh.createPr({ title: "b", head: "gadugi/b", base: "main" });
    const c = await gh.createPr({ title: "c", head: "gadugi/c", base: "main" });
    local.server.state.prs[1]!.mergeable = false;
    const results = await gh.batchMergePrs([a.number, { number: b.number }, c.number], { method: "rebase" });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(local.server.state.prs.map((p) => p.merged)).toEqual([true, false, true]);
    expect(local.server.state.prs[0]?.mergeMethod).toBe("rebase");
    const merges = local.server.requestsTo("PUT", "/repos/acme/widgets/pulls/*/merge").map((r) => r.path);
    expect(merges).toEqual([
      `/repos/acme/widgets/pulls/${a.number}/merge`,
      `/repos/acme/widgets/pulls/${b.number}/merge`,
      `/repos/acme/widgets/pulls/${c.number}/merge`,
    ]);
  });
});

describe("the branch's pull request, on resume", () => {
  it("finds the open pull request for a branch and reuses it", async () => {
    const gh = local.ops();
    const first = await gh.ensurePr({ title: "a", head: "gadugi/a", base: "main" });
    expect(first.created).toBe(true);
    const again = await gh.ensurePr({ title: "a", head: "gadugi/a", base: "main" });
    expect(again).toEqual({ pr: first.pr, created: false });
    expect(local.server.requestsTo("GET", "/repos/acme/widgets/pulls").at(-1)?.query).toMatchObject({
      head: "acme:gadugi/a",
      base: "main",
      state: "open",
    });
    expect(await gh.findPrForBranch("gadugi/b")).toBeUndefined();
    await gh.mergePr(first.pr.number);
    expect(await gh.findPrForBranch("gadugi/a")).toBeUndefined();
    expect(await gh.findPrForBranch("gadugi/a", { state: "all" })).toMatchObject({ merged: true });
  });

  it("recovers when the pull request appears between the lookup and the create", async () => {
    const gh = local.ops();
    await gh.createPr({ title: "a", head: "gadugi/a", base: "main" });
    // The lookup misses it (a stale empty answer), then GitHub refuses the duplicate.
    local.server.failNext("GET", "/repos/acme/widgets/pulls", { status: 200, body: [] });
    const result = await gh.ensurePr({ title: "a", head: "gadugi/a", base: "main" });
    expect(result).toMatchObject({ created: false, pr: { number: 1 } });
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/pulls").map((r) => r.status)).toEqual([
      201, 422,
    ]);
    expect(local.server.state.prs).toHaveLength(1);
  });
});
