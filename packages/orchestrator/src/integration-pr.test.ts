import type { GitHubOperations } from "@gadugi/github-ops";
import { type GitHubServer, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator } from "./engine.js";
import { originAndGitHub, repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

/** A repository with two prompts, the sample agent, a bare origin (HEAD: `originHead`) and the local GitHub server. */
async function setup(
  config: Record<string, unknown>,
  originHead = "main",
): Promise<{ repo: TempRepo; server: GitHubServer; github: GitHubOperations; origin: string }> {
  const repo = await repoWithSampleAgent(
    temp,
    { "one.md": samplePrompt("One", "src/one.js"), "two.md": samplePrompt("Two", "src/two.js") },
    sampleConfig({
      integration: { openPullRequest: true },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      ...config,
    }),
  );
  const { origin, server, github } = await originAndGitHub(temp, repo, originHead);
  return { repo, server, github, origin };
}

async function run(repo: TempRepo, github: GitHubOperations) {
  return new Orchestrator({ repoRoot: repo.dir, github, env: repo.env }).run({
    promptFiles: ["prompts/one.md", "prompts/two.md"],
  });
}

describe("the integration pull request's base", () => {
  it("is the branch a remote-tracking base ref tracks: origin/main → main", async () => {
    const { repo, server, github } = await setup({ baseRef: "origin/main" });
    const result = await run(repo, github);
    expect(result.status).toBe("completed");
    const integration = result.report.integrationBranch!;
    const pull = server.state.prs.find((p) => p.head === integration);
    expect(pull).toMatchObject({ base: "main", state: "open" });
    expect(result.report.integrationPullRequest).toMatchObject({ number: pull?.number, note: "opened" });
  }, 60_000);

  it("is origin's default branch when the run starts from a detached commit", async () => {
    const { repo, server, github } = await setup({});
    await repo.git(["checkout", "--quiet", "--detach", "HEAD"]);
    const result = await run(repo, github);
    expect(result.status).toBe("completed");
    expect(result.report.baseRef).toMatch(/^[0-9a-f]{40}$/);
    const pull = server.state.prs.find((p) => p.head === result.report.integrationBranch);
    expect(pull).toMatchObject({ base: "main", state: "open" });
  }, 60_000);

  it("is not guessed when no branch can be named: the PR is not opened, and the note says why", async () => {
    // origin's HEAD names a branch it does not have, and the run starts from a detached commit.
    const { repo, server, github } = await setup({}, "trunk");
    await repo.git(["checkout", "--quiet", "--detach", "HEAD"]);
    const result = await run(repo, github);
    expect(result.status).toBe("completed");
    expect(server.state.prs.filter((p) => p.head === result.report.integrationBranch)).toHaveLength(0);
    expect(result.report.integrationPullRequest?.note).toMatch(
      /^not opened: the base [0-9a-f]{40} is not a branch and origin names no default branch; set baseRef to a branch/,
    );
  }, 60_000);
});

describe("task pull requests when GitHub keeps failing", () => {
  it("merges every tested task all the same, each branch ready for a pull request", async () => {
    const { repo, server, github, origin } = await setup({});
    server.failNext("POST", "/repos/acme/widgets/pulls", { status: 503, times: 1000 });
    const result = await run(repo, github);
    expect(result.status).toBe("completed");
    for (const task of result.report.tasks) {
      expect(task.status).toBe("completed");
      expect(task.merge?.status).toBe("merged");
      const pr = task.phases.find((p) => p.phase === "pr_creation");
      expect(pr?.status).toBe("skipped");
      expect(pr?.reason).toMatch(/^GitHub unavailable: GADUGI_GITHUB_API: .*HTTP 503/);
    }
    const branches = await repo.git(["--git-dir", origin, "branch", "--list", "gadugi/*"]);
    expect(branches).toContain("gadugi/one");
    expect(server.state.prs).toHaveLength(0);
  }, 60_000);
});
