import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { createHarness, phaseOf } from "./test-helpers/index.js";

const temp = useTempDirs();
const PULLS = "/repos/acme/widgets/pulls";
/** Retries in milliseconds instead of seconds. */
const FAST_RETRY = { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 } };

describe("pr_creation when GitHub has trouble", () => {
  it("tries a transient failure again and opens the pull request", async () => {
    const h = await createHarness(temp, { config: FAST_RETRY });
    h.server!.failNext("POST", PULLS, { status: 502, times: 2 });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const pr = phaseOf(state, "pr_creation");
    expect(pr.status).toBe("completed");
    expect(h.server!.requestsTo("POST", PULLS).map((r) => r.status)).toEqual([502, 502, 201]);
    expect(state.prNumber).toBe(h.server!.state.prs[0]?.number);
  });

  it("when GitHub stays down, records the error and leaves the tested branch ready: the task completes", async () => {
    const h = await createHarness(temp, { config: FAST_RETRY });
    h.server!.failNext("POST", PULLS, { status: 503, times: 100 });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const pr = phaseOf(state, "pr_creation");
    expect(pr.status).toBe("skipped");
    expect(pr.reason).toMatch(
      /^GitHub unavailable: GADUGI_GITHUB_API: .*HTTP 503.* \(3 attempts\); branch gadugi\/feature-two is pushed to origin and ready for a pull request$/,
    );
    expect(pr.data).toMatchObject({
      readyBranch: "gadugi/feature-two",
      pushed: true,
      attempts: 3,
      githubError: { code: "GADUGI_GITHUB_API", transient: true },
    });
    expect(h.server!.requestsTo("POST", PULLS)).toHaveLength(3);
    expect(h.server!.state.prs).toHaveLength(0);
    // Pushed, and review still ran; the warning says what happened.
    expect(await h.originGit(["rev-parse", "refs/heads/gadugi/feature-two"])).toBe(
      await h.repo.git(["rev-parse", "gadugi/feature-two"]),
    );
    expect(phaseOf(state, "review").status).not.toBe("failed");
    const warnings = h.events().filter((e) => e.type === "warning");
    expect(JSON.stringify(warnings)).toContain("no pull request for gadugi/feature-two");
  });

  it("does not repeat an answer about the request itself (422), and still completes the task", async () => {
    const h = await createHarness(temp, { config: FAST_RETRY });
    h.server!.failNext("POST", PULLS, { status: 422, times: 100 });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const pr = phaseOf(state, "pr_creation");
    expect(pr.status).toBe("skipped");
    expect(pr.data).toMatchObject({ attempts: 1, githubError: { transient: false } });
    expect(h.server!.requestsTo("POST", PULLS)).toHaveLength(1);
  });

  it("issue_creation: GitHub staying down skips the issue with the error, and the task still completes", async () => {
    const h = await createHarness(temp, { config: FAST_RETRY });
    h.server!.failNext("POST", "/repos/acme/widgets/issues", { status: 503, times: 100 });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const issue = phaseOf(state, "issue_creation");
    expect(issue.status).toBe("skipped");
    expect(issue.reason).toMatch(/^GitHub unavailable: GADUGI_GITHUB_API: .*HTTP 503.* \(3 attempts\)$/);
    expect(h.server!.state.issues).toHaveLength(0);
    expect(phaseOf(state, "implementation").status).toBe("completed");
  });
});
