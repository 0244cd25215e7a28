import { inspect } from "node:util";
import { GadugiError } from "@gadugi/error-handling";
import { type GitHubServer, startGitHubServer } from "@gadugi/test-utils";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAST_THROTTLE, GitHubOperations, type GitHubOperationsOptions } from "./index.js";

const TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

let server: GitHubServer;

beforeEach(async () => {
  server = await startGitHubServer({ token: TOKEN });
});
afterEach(async () => {
  await server.close();
});

function ops(extra: Partial<GitHubOperationsOptions> = {}): GitHubOperations {
  return new GitHubOperations({
    owner: "acme",
    repo: "widgets",
    token: TOKEN,
    baseUrl: server.url,
    throttle: FAST_THROTTLE,
    env: {},
    ...extra,
  });
}

async function caught(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    expect(GadugiError.is(error)).toBe(true);
    return error as GadugiError;
  }
  throw new Error("expected a rejection");
}

describe("issues and comments", () => {
  it("creates an issue with the default labels and the branch marker", async () => {
    const issue = await ops({ labels: ["gadugi", "automation"] }).createIssue({
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
    expect(server.state.issues[0]?.body).toContain("<!-- gadugi-branch: gadugi/add-retry -->");
    expect(server.state.requests[0]?.token).toBe(TOKEN);
  });

  it("comments on an issue or a pull request", async () => {
    const gh = ops();
    const issue = await gh.createIssue({ title: "x" });
    const comment = await gh.addComment(issue.number, "Review: looks good");
    expect(comment.url).toBe(`https://github.com/acme/widgets/issues/1#issuecomment-${comment.id}`);
    expect(server.state.comments).toMatchObject([{ issueNumber: 1, body: "Review: looks good" }]);
  });

  it("creates many issues with per-item results; one failure does not lose the others", async () => {
    server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 422,
      body: {
        message: "Validation Failed",
        errors: [{ resource: "Issue", code: "invalid", field: "assignees" }],
        status: "422",
      },
    });
    const results = await ops().batchCreateIssues(
      [{ title: "a" }, { title: "b" }, { title: "c" }, { title: "d" }],
      { concurrency: 1 },
    );
    expect(results.map((r) => r.ok)).toEqual([false, true, true, true]);
    const failed = results[0]!;
    if (failed.ok) throw new Error("unreachable");
    expect(failed.error.code).toBe("GADUGI_GITHUB_API");
    expect(failed.error.message).toContain("Issue.assignees is invalid");
    expect(failed.input).toEqual({ title: "a" });
    expect(server.state.issues.map((i) => i.title)).toEqual(["b", "c", "d"]);
  });

  it("runs a batch concurrently and keeps results in input order", async () => {
    const titles = Array.from({ length: 7 }, (_, i) => `task ${i}`);
    const results = await ops().batchCreateIssues(
      titles.map((title) => ({ title })),
      { concurrency: 3 },
    );
    expect(results.map((r) => (r.ok ? r.value.title : "failed"))).toEqual(titles);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("pull requests", () => {
  it("opens a pull request linked to its issue", async () => {
    const gh = ops();
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
    expect(server.state.prs[0]?.body).toBe("Implements the task.\n\nCloses #1");
  });

  it("merges one pull request, and treats an already merged one as merged", async () => {
    const gh = ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    const merged = await gh.mergePr(pr.number, { method: "squash", commitTitle: "Task a" });
    expect(merged).toMatchObject({ number: pr.number, merged: true, alreadyMerged: false });
    expect(server.state.prs[0]).toMatchObject({ merged: true, mergeMethod: "squash", state: "closed" });
    const again = await gh.mergePr(pr.number);
    expect(again).toMatchObject({ merged: true, alreadyMerged: true, sha: merged.sha });
  });

  it("says why a pull request cannot be merged", async () => {
    const gh = ops();
    const pr = await gh.createPr({ title: "t", head: "gadugi/a", base: "main" });
    server.state.prs[0]!.mergeable = false;
    const error = await caught(gh.mergePr(pr.number));
    expect(error.code).toBe("GADUGI_GITHUB_API");
    expect(error.args).toMatchObject({ operation: "mergePr", status: 405 });
    expect(error.message).toContain("is not mergeable (dirty): Pull Request is not mergeable");
  });

  it("merges a batch in order and reports each one", async () => {
    const gh = ops();
    const a = await gh.createPr({ title: "a", head: "gadugi/a", base: "main" });
    const b = await gh.createPr({ title: "b", head: "gadugi/b", base: "main" });
    const c = await gh.createPr({ title: "c", head: "gadugi/c", base: "main" });
    server.state.prs[1]!.mergeable = false;
    const results = await gh.batchMergePrs([a.number, { number: b.number }, c.number], { method: "rebase" });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(server.state.prs.map((p) => p.merged)).toEqual([true, false, true]);
    expect(server.state.prs[0]?.mergeMethod).toBe("rebase");
    const merges = server.requestsTo("PUT", "/repos/acme/widgets/pulls/*/merge").map((r) => r.path);
    expect(merges).toEqual([
      `/repos/acme/widgets/pulls/${a.number}/merge`,
      `/repos/acme/widgets/pulls/${b.number}/merge`,
      `/repos/acme/widgets/pulls/${c.number}/merge`,
    ]);
  });
});

describe("idempotent on resume", () => {
  it("finds the issue made for a branch instead of opening a second one", async () => {
    const gh = ops();
    await gh.createIssue({ title: "other", branch: "gadugi/other" });
    const first = await gh.ensureIssue({ title: "Add retry", branch: "gadugi/add-retry" });
    expect(first.created).toBe(true);
    // The run crashed before saving the issue number; the resumed task looks first.
    const found = await gh.findIssueForBranch("gadugi/add-retry");
    expect(found?.number).toBe(first.issue.number);
    const second = await gh.ensureIssue({ title: "Add retry", branch: "gadugi/add-retry" });
    expect(second).toEqual({ issue: found, created: false });
    expect(server.state.issues).toHaveLength(2);
    expect(await gh.findIssueForBranch("gadugi/add")).toBeUndefined();
  });

  it("does not take a pull request or a closed issue for the branch's issue", async () => {
    const gh = ops();
    const old = await gh.createIssue({ title: "old", branch: "gadugi/x" });
    server.state.issues[0]!.state = "closed";
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
    const gh = ops();
    await gh.createIssue({ title: "target", branch: "gadugi/target" });
    const at = new Date().toISOString();
    for (let i = 0; i < 150; i++) {
      server.state.issues.push({
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
    const lists = server.requestsTo("GET", "/repos/acme/widgets/issues");
    expect(lists.map((r) => r.query.page ?? "1")).toEqual(["1", "2"]);
    expect(lists[0]?.query).toMatchObject({ labels: "gadugi", state: "open", per_page: "100" });
  });

  it("finds the open pull request for a branch and reuses it", async () => {
    const gh = ops();
    const first = await gh.ensurePr({ title: "a", head: "gadugi/a", base: "main" });
    expect(first.created).toBe(true);
    const again = await gh.ensurePr({ title: "a", head: "gadugi/a", base: "main" });
    expect(again).toEqual({ pr: first.pr, created: false });
    expect(server.requestsTo("GET", "/repos/acme/widgets/pulls").at(-1)?.query).toMatchObject({
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
    const gh = ops();
    await gh.createPr({ title: "a", head: "gadugi/a", base: "main" });
    // The lookup misses it (a stale empty answer), then GitHub refuses the duplicate.
    server.failNext("GET", "/repos/acme/widgets/pulls", { status: 200, body: [] });
    const result = await gh.ensurePr({ title: "a", head: "gadugi/a", base: "main" });
    expect(result).toMatchObject({ created: false, pr: { number: 1 } });
    expect(server.requestsTo("POST", "/repos/acme/widgets/pulls").map((r) => r.status)).toEqual([201, 422]);
    expect(server.state.prs).toHaveLength(1);
  });
});

describe("retry and throttling", () => {
  it("retries a 5xx and then succeeds", async () => {
    server.failNext("POST", "/repos/acme/widgets/issues", { status: 502, times: 2 });
    const issue = await ops().createIssue({ title: "flaky" });
    expect(issue.number).toBe(1);
    expect(server.requestsTo("POST", "/repos/acme/widgets/issues").map((r) => r.status)).toEqual([
      502, 502, 201,
    ]);
  });

  it("gives up after the configured retries with GitHub's status", async () => {
    server.failNext("GET", "/repos/acme/widgets/pulls", { status: 500, times: 10 });
    const error = await caught(ops({ retries: 2 }).findPrForBranch("gadugi/a"));
    expect(error.code).toBe("GADUGI_GITHUB_API");
    expect(error.args).toMatchObject({ operation: "findPrForBranch", status: 500 });
    expect(error.message).toBe("GitHub findPrForBranch failed with HTTP 500: Server Error");
    expect(server.requestsTo("GET", "/repos/acme/widgets/pulls")).toHaveLength(3);
  });

  it("waits for the rate limit to reset, then retries", async () => {
    const reset = Math.floor(Date.now() / 1000);
    server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    });
    const warnings: string[] = [];
    const issue = await ops({ logger: { warn: (m) => warnings.push(m) } }).createIssue({ title: "later" });
    expect(issue.number).toBe(1);
    expect(server.requestsTo("POST", "/repos/acme/widgets/issues").map((r) => r.status)).toEqual([403, 201]);
    expect(warnings.join("\n")).toMatch(/GitHub rate limit hit by POST .*retrying/);
  });

  it("waits out a secondary rate limit (retry-after)", async () => {
    server.failNext("POST", "/repos/acme/widgets/issues/*/comments", {
      status: 403,
      headers: { "retry-after": "2" },
    });
    const gh = ops();
    const issue = await gh.createIssue({ title: "x" });
    await gh.addComment(issue.number, "hello");
    expect(server.requestsTo("POST", "/repos/acme/widgets/issues/1/comments").map((r) => r.status)).toEqual([
      403, 201,
    ]);
  });

  it("stops retrying a rate limit after the configured attempts and says when it resets", async () => {
    const reset = Math.floor(Date.now() / 1000);
    server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      times: 5,
    });
    const error = await caught(
      ops({ throttle: { ...FAST_THROTTLE, rateLimitRetries: 1 } }).createIssue({ title: "x" }),
    );
    expect(error.args).toMatchObject({ status: 403 });
    expect(error.message).toContain("API rate limit exceeded for user ID 1.");
    expect(error.message).toContain(`resets at ${new Date(reset * 1000).toISOString()}`);
    expect(error.hint).toMatch(/rate limit/);
    expect(server.requestsTo("POST", "/repos/acme/widgets/issues")).toHaveLength(2);
  });

  it("fails at once when the reset is further away than the longest accepted wait", async () => {
    server.failNext("GET", "/repos/acme/widgets/pulls", {
      status: 403,
      headers: {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      },
    });
    const gh = ops({ throttle: { ...FAST_THROTTLE, maxRateLimitWaitSec: 60 } });
    const error = await caught(gh.findPrForBranch("gadugi/a"));
    expect(error.args).toMatchObject({ status: 403 });
    expect(server.requestsTo("GET", "/repos/acme/widgets/pulls")).toHaveLength(1);
  });
});

describe("errors", () => {
  it("surfaces GitHub's validation errors clearly (422)", async () => {
    const gh = ops();
    await gh.createPr({ title: "a", head: "gadugi/a", base: "main" });
    const error = await caught(gh.createPr({ title: "a", head: "gadugi/a", base: "main" }));
    expect(error.code).toBe("GADUGI_GITHUB_API");
    expect(error.message).toBe(
      "GitHub createPr failed with HTTP 422: Validation Failed: A pull request already exists for acme:gadugi/a.",
    );
    const missing = await caught(gh.createIssue({ title: "" }));
    expect(missing.message).toBe(
      "GitHub createIssue failed with HTTP 422: Validation Failed: Issue.title is missing",
    );
    expect(missing.hint).toMatch(/refused the request's content/);
  });

  it("reports a rejected token as GADUGI_GITHUB_AUTH (401)", async () => {
    const error = await caught(
      ops({ token: "ghp_wrongwrongwrongwrongwrongwrongwrong" }).createIssue({ title: "x" }),
    );
    expect(error.code).toBe("GADUGI_GITHUB_AUTH");
    expect(error.message).toBe(
      "Cannot authenticate to GitHub: GitHub rejected the token during createIssue (HTTP 401: Bad credentials).",
    );
    expect(server.requestsTo("POST", "/repos/acme/widgets/issues")).toHaveLength(1);
  });

  it("needs a token only when an operation runs", async () => {
    const gh = ops({ token: undefined });
    expect(await gh.isAvailable()).toEqual({
      ok: false,
      reason: "no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`",
    });
    const error = await caught(gh.createIssue({ title: "x" }));
    expect(error.code).toBe("GADUGI_GITHUB_AUTH");
    expect(error.exitCode).toBe(7);
    expect(server.state.requests).toHaveLength(0);
  });

  it("names a missing repository", async () => {
    const gh = ops({
      owner: undefined,
      repo: undefined,
      unavailable: { repo: "no GitHub repository: no origin" },
    });
    expect(await gh.isAvailable()).toEqual({ ok: false, reason: "no GitHub repository: no origin" });
    const error = await caught(gh.addComment(1, "x"));
    expect(error.code).toBe("GADUGI_GITHUB_UNAVAILABLE");
    expect(error.exitCode).toBe(7);
    expect(error.message).toContain("no GitHub repository: no origin");
  });

  it("reports an unreachable server with status 0", async () => {
    const url = server.url;
    await server.close();
    const error = await caught(ops({ baseUrl: url, retries: 0 }).createIssue({ title: "x" }));
    expect(error.args).toMatchObject({ operation: "createIssue", status: 0 });
    expect(error.message).toContain(`no response from ${url}`);
    server = await startGitHubServer();
  });

  it("keeps secrets out of thrown errors and out of what it sends", async () => {
    const envSecret = "sk-ant-api03-secretsecretsecretsecret";
    const gh = ops({ env: { ANTHROPIC_API_KEY: envSecret } });
    server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 422,
      body: { message: `Validation Failed for token ${TOKEN} and ${envSecret}`, errors: [] },
    });
    const error = await caught(gh.createIssue({ title: "x" }));
    const everything = `${error.message}\n${error.hint}\n${JSON.stringify(error)}\n${inspect(error, { depth: 20 })}`;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(envSecret);
    expect(error.message).toContain("[REDACTED]");

    await gh.createIssue({ title: `leaked ${TOKEN}`, body: `key=${envSecret}` });
    await gh.addComment(1, `Authorization: Bearer ${TOKEN}`);
    const sent = JSON.stringify(server.state);
    expect(sent.replaceAll(`"token":"${TOKEN}"`, "")).not.toContain(TOKEN);
    expect(sent).not.toContain(envSecret);
  });

  it("keeps the token out of auth errors too", async () => {
    const wrong = "ghp_wrongwrongwrongwrongwrongwrongwrong";
    const error = await caught(ops({ token: wrong }).createIssue({ title: "x" }));
    expect(inspect(error, { depth: 20 })).not.toContain(wrong);
  });
});

describe("isAvailable", () => {
  it("checks the repository once with the token", async () => {
    const gh = ops();
    expect(await gh.isAvailable()).toEqual({ ok: true });
    expect(await gh.isAvailable()).toEqual({ ok: true });
    expect(server.requestsTo("GET", "/repos/acme/widgets")).toHaveLength(1);
  });

  it("says why GitHub cannot be used: a rejected token or an unknown repository", async () => {
    expect(await ops({ token: "ghp_wrongwrongwrongwrongwrongwrongwrong" }).isAvailable()).toEqual({
      ok: false,
      reason:
        "Cannot authenticate to GitHub: GitHub rejected the token during check repository (HTTP 401: Bad credentials).",
    });
    await server.close();
    server = await startGitHubServer({ repos: ["acme/other"] });
    const result = await ops().isAvailable();
    expect(result).toEqual({ ok: false, reason: "GitHub check repository failed with HTTP 404: Not Found" });
    expect(await ops().isAvailable({ probe: false })).toEqual({ ok: true });
  });
});
