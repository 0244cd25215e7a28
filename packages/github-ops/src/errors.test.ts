import { GadugiError } from "@gadugi/error-handling";
import { startGitHubServer } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { FAST_THROTTLE, GitHubOperations, isTransientGitHubError } from "./index.js";

const TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("the call succeeded"),
    (error: unknown) => error,
  );
}

describe("isTransientGitHubError", () => {
  it("calls a failure transient only when trying again later can help", async () => {
    const server = await startGitHubServer({ token: TOKEN });
    const gh = new GitHubOperations({
      owner: "acme",
      repo: "widgets",
      token: TOKEN,
      baseUrl: server.url,
      throttle: { ...FAST_THROTTLE, rateLimitRetries: 0 },
      retries: 0,
      env: {},
    });
    try {
      const ask = () => failure(gh.createIssue({ title: "x" }));
      server.failNext("POST", "/repos/acme/widgets/issues", { status: 502 });
      expect(isTransientGitHubError(await ask())).toBe(true);
      server.failNext("POST", "/repos/acme/widgets/issues", { status: 403, headers: { "retry-after": "1" } });
      expect(isTransientGitHubError(await ask())).toBe(true); // secondary rate limit
      server.failNext("POST", "/repos/acme/widgets/issues", { status: 422 });
      expect(isTransientGitHubError(await ask())).toBe(false);
      server.failNext("POST", "/repos/acme/widgets/issues", { status: 404 });
      expect(isTransientGitHubError(await ask())).toBe(false);
      const reset = String(Math.floor(Date.now() / 1000) + 3600);
      server.failNext("POST", "/repos/acme/widgets/issues", {
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
      });
      expect(isTransientGitHubError(await ask())).toBe(false); // used up until its reset
    } finally {
      await server.close();
    }
    // The server is gone: no response at all.
    const down = await failure(gh.createIssue({ title: "x" }));
    expect(GadugiError.is(down, "GADUGI_GITHUB_API") && down.args.status).toBe(0);
    expect(isTransientGitHubError(down)).toBe(true);
    expect(isTransientGitHubError(new Error("not GitHub's"))).toBe(false);
  });
});
