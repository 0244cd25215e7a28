import { describe, expect, it } from "vitest";
import { FAST_THROTTLE } from "./index.js";
import { caught, useLocalGitHub } from "./test-helpers/index.js";

const local = useLocalGitHub();

describe("retry and throttling", () => {
  it("retries a 5xx and then succeeds", async () => {
    local.server.failNext("POST", "/repos/acme/widgets/issues", { status: 502, times: 2 });
    const issue = await local.ops().createIssue({ title: "flaky" });
    expect(issue.number).toBe(1);
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/issues").map((r) => r.status)).toEqual([
      502, 502, 201,
    ]);
  });

  it("gives up after the configured retries with GitHub's status", async () => {
    local.server.failNext("GET", "/repos/acme/widgets/pulls", { status: 500, times: 10 });
    const error = await caught(local.ops({ retries: 2 }).findPrForBranch("gadugi/a"));
    expect(error.code).toBe("GADUGI_GITHUB_API");
    expect(error.args).toMatchObject({ operation: "findPrForBranch", status: 500 });
    expect(error.message).toBe("GitHub findPrForBranch failed with HTTP 500: Server Error");
    expect(local.server.requestsTo("GET", "/repos/acme/widgets/pulls")).toHaveLength(3);
  });

  it("waits for the rate limit to reset, then retries", async () => {
    const reset = Math.floor(Date.now() / 1000);
    local.server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    });
    const warnings: string[] = [];
    const issue = await local
      .ops({ logger: { warn: (m) => warnings.push(m) } })
      .createIssue({ title: "later" });
    expect(issue.number).toBe(1);
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/issues").map((r) => r.status)).toEqual([
      403, 201,
    ]);
    expect(warnings.join("\n")).toMatch(/GitHub rate limit hit by POST .*retrying/);
  });

  it("waits out a secondary rate limit (retry-after)", async () => {
    local.server.failNext("POST", "/repos/acme/widgets/issues/*/comments", {
      status: 403,
      headers: { "retry-after": "2" },
    });
    const gh = local.ops();
    const issue = await gh.createIssue({ title: "x" });
    await gh.addComment(issue.number, "hello");
    expect(
      local.server.requestsTo("POST", "/repos/acme/widgets/issues/1/comments").map((r) => r.status),
    ).toEqual([403, 201]);
  });

  it("stops retrying a rate limit after the configured attempts and says when it resets", async () => {
    const reset = Math.floor(Date.now() / 1000);
    local.server.failNext("POST", "/repos/acme/widgets/issues", {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      times: 5,
    });
    const error = await caught(
      local.ops({ throttle: { ...FAST_THROTTLE, rateLimitRetries: 1 } }).createIssue({ title: "x" }),
    );
    expect(error.args).toMatchObject({ status: 403 });
    expect(error.message).toContain("API rate limit exceeded for user ID 1.");
    expect(error.message).toContain(`resets at ${new Date(reset * 1000).toISOString()}`);
    expect(error.hint).toMatch(/rate limit/);
    expect(local.server.requestsTo("POST", "/repos/acme/widgets/issues")).toHaveLength(2);
  });

  it("fails at once when the reset is further away than the longest accepted wait", async () => {
    local.server.failNext("GET", "/repos/acme/widgets/pulls", {
      status: 403,
      headers: {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      },
    });
    const gh = local.ops({ throttle: { ...FAST_THROTTLE, maxRateLimitWaitSec: 60 } });
    const error = await caught(gh.findPrForBranch("gadugi/a"));
    expect(error.args).toMatchObject({ status: 403 });
    expect(local.server.requestsTo("GET", "/repos/acme/widgets/pulls")).toHaveLength(1);
  });
});
