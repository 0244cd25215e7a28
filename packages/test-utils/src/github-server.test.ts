import { afterEach, describe, expect, it } from "vitest";
import { type GitHubServer, type GitHubServerOptions, startGitHubServer } from "./index.js";

let server: GitHubServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  server = await startGitHubServer(options);
  return server;
}

/** The fields of GitHub's answers (reviews, pull requests, errors) these tests read. */
interface Reply {
  id: number;
  state: string;
  body: string;
  user: { login: string };
  submitted_at?: string;
  message: string;
  errors: string[];
}

/** One JSON request with a token, as Octokit sends it. */
async function call<T = Reply>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await fetch(`${server!.url}${path}`, {
    method,
    headers: { authorization: "token t", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text === "" ? undefined : JSON.parse(text)) as T };
}

const REVIEWS = "/repos/acme/widgets/pulls/1/reviews";

async function openPull(): Promise<void> {
  const created = await call("POST", "/repos/acme/widgets/pulls", {
    title: "t",
    head: "feature",
    base: "main",
  });
  expect(created.status).toBe(201);
}

describe("pull-request reviews", () => {
  it("stores a review with its line comments and answers with GitHub's shape", async () => {
    await start({ pullAuthor: "octocat" });
    await openPull();
    const { status, json } = await call("POST", REVIEWS, {
      event: "APPROVE",
      body: "ok",
      comments: [{ path: "src/a.ts", line: 4, body: "nit", side: "RIGHT" }],
    });
    expect(status).toBe(200);
    const head = server!.state.prs[0]!.headSha;
    expect(json).toMatchObject({
      state: "APPROVED",
      body: "ok",
      user: { login: "gadugi-bot" },
      commit_id: head,
      html_url: `https://github.com/acme/widgets/pull/1#pullrequestreview-${json.id}`,
      pull_request_url: `${server!.url}/repos/acme/widgets/pulls/1`,
    });
    expect(server!.state.reviews).toEqual([
      {
        id: json.id,
        owner: "acme",
        repo: "widgets",
        pullNumber: 1,
        user: "gadugi-bot",
        state: "APPROVED",
        body: "ok",
        commitId: head,
        comments: [{ path: "src/a.ts", line: 4, side: "RIGHT", body: "nit" }],
        submittedAt: json.submitted_at,
      },
    ]);
    expect((await call("GET", "/repos/acme/widgets/pulls/1")).json.user.login).toBe("octocat");
  });

  it("lists a pull request's reviews oldest first, page by page", async () => {
    await start({ pullAuthor: "octocat" });
    await openPull();
    for (const event of ["COMMENT", "REQUEST_CHANGES", "APPROVE"]) {
      expect((await call("POST", REVIEWS, { event, body: event })).status).toBe(200);
    }
    const all = await call<Reply[]>("GET", REVIEWS);
    expect(all.json.map((r) => r.state)).toEqual(["COMMENTED", "CHANGES_REQUESTED", "APPROVED"]);
    const second = await call<Reply[]>("GET", `${REVIEWS}?per_page=2&page=2`);
    expect(second.json.map((r) => r.body)).toEqual(["APPROVE"]);
  });
});

describe("pull-request reviews GitHub refuses", () => {
  it("refuses APPROVE and REQUEST_CHANGES on the token's own pull request, as GitHub does", async () => {
    await start();
    await openPull();
    const approve = await call("POST", REVIEWS, { event: "APPROVE" });
    expect(approve.status).toBe(422);
    expect(approve.json).toMatchObject({
      message: "Unprocessable Entity",
      errors: ["Can not approve your own pull request"],
    });
    const changes = await call("POST", REVIEWS, { event: "REQUEST_CHANGES", body: "no" });
    expect(changes.json.errors).toEqual(["Can not request changes on your own pull request"]);
    expect((await call("POST", REVIEWS, { event: "COMMENT", body: "fine" })).status).toBe(200);
    expect(server!.state.reviews.map((r) => r.state)).toEqual(["COMMENTED"]);
  });

  it("answers 404 for a pull request that does not exist, 422 for an unknown event", async () => {
    await start();
    expect((await call("POST", REVIEWS, { event: "COMMENT", body: "x" })).status).toBe(404);
    expect((await call("GET", REVIEWS)).status).toBe(404);
    await openPull();
    const unknown = await call("POST", REVIEWS, { event: "LGTM", body: "x" });
    expect(unknown.status).toBe(422);
    expect(unknown.json.message).toContain('"LGTM" is not one of APPROVE, REQUEST_CHANGES, COMMENT');
    expect(server!.state.reviews).toHaveLength(0);
  });

  it("wants a text for REQUEST_CHANGES and COMMENT, and well-formed line comments", async () => {
    await start({ pullAuthor: "octocat" });
    await openPull();
    const changes = await call("POST", REVIEWS, { event: "REQUEST_CHANGES" });
    expect(changes.json.errors).toEqual(["You need to leave a comment indicating the requested changes."]);
    expect((await call("POST", REVIEWS, { event: "COMMENT", body: "  " })).status).toBe(422);
    const noPath = await call("POST", REVIEWS, { event: "COMMENT", comments: [{ line: 1, body: "x" }] });
    expect(noPath).toMatchObject({
      status: 422,
      json: { message: 'Invalid request.\n\n"path" wasn\'t supplied.' },
    });
    const badLine = await call("POST", REVIEWS, {
      event: "COMMENT",
      comments: [{ path: "a", line: 0, body: "x" }],
    });
    expect(badLine.status).toBe(422);
    // A line comment alone is a review's content too.
    const onlyLines = await call("POST", REVIEWS, {
      event: "COMMENT",
      comments: [{ path: "a", line: 1, body: "x" }],
    });
    expect(onlyLines.status).toBe(200);
    expect((await call("POST", REVIEWS, { event: "APPROVE" })).status).toBe(200);
  });

  it("keeps a review without an event pending, one per reviewer", async () => {
    await start();
    await openPull();
    const pending = await call("POST", REVIEWS, { body: "draft" });
    expect(pending.json.state).toBe("PENDING");
    expect(pending.json.submitted_at).toBeUndefined();
    const second = await call("POST", REVIEWS, {});
    expect(second.json.errors).toEqual(["User can only have one pending review per pull request"]);
  });
});
