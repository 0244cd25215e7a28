import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { WORKFLOW_PHASES } from "@gadugi/interfaces";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { DEFAULT_PHASES } from "./phases/index.js";
import { AGENT, createHarness, phaseOf, statuses, TASK_ID } from "./test-helpers/index.js";
import type { Phase } from "./types.js";

const temp = useTempDirs();

describe("WorkflowManager end to end", () => {
  it("runs a task through all eight phases against a bare origin and the local GitHub server", async () => {
    const h = await createHarness(temp, {
      agents: { implementation: AGENT.newModule, documentation: AGENT.document },
      workflow: { reviewCommand: `"${process.execPath}" review.mjs` },
    });
    const seen: string[] = [];
    const state = await h.run({}, h.createManager({ onPhase: (e) => seen.push(`${e.phase}:${e.status}`) }));

    expect(state.status).toBe("completed");
    expect(state.phases.map((p) => p.phase)).toEqual([...WORKFLOW_PHASES]);
    expect(statuses(state)).toEqual(Object.fromEntries(WORKFLOW_PHASES.map((p) => [p, "completed"])));
    for (const record of state.phases) expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen).toContain("setup:running");
    expect(seen.at(-1)).toBe("review:completed");

    // setup: worktree, todo list
    expect(state.worktreePath).toBe(h.worktree());
    expect(state.branch).toBe("gadugi/feature-two");
    const todo = readFileSync(path.join(h.runDir, "tasks", TASK_ID, "todo.md"), "utf8");
    expect(todo).toContain("- [x] review — completed");

    // issue: created with the prompt as body and the configured labels
    const issue = h.server!.state.issues[0]!;
    expect(state.issueNumber).toBe(issue.number);
    expect(issue.title).toBe("Make feature two");
    expect(issue.body).toContain("Change the exported feature constant to 2.");
    expect(issue.labels).toEqual(expect.arrayContaining(["gadugi", "automation"]));

    // branch + implementation: the agent's commit is on the branch
    expect(phaseOf(state, "branch_creation").data.branch).toBe("gadugi/feature-two");
    const implementation = phaseOf(state, "implementation");
    expect(implementation.data.pipelineCommitted).toBe(false);
    expect(implementation.data.changedFiles).toEqual(["src/extra.ts", "src/feature.ts"]);
    const prompt = readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.md`), "utf8");
    expect(prompt).toContain("# Task: Make feature two");
    expect(prompt).toContain(h.worktree());
    expect(prompt).toContain("`src/feature.ts` (modifies)");
    expect(prompt).toContain("Commit your work");
    expect(prompt).toContain("### Requirements");

    // testing
    const testing = phaseOf(state, "testing");
    expect(testing.data.source).toBe("config");
    expect(readFileSync(testing.data.outputFile as string, "utf8")).toContain("ok: feature is 2");

    // documentation: a new module without docs → the agent documented it, the pipeline committed it
    const docs = phaseOf(state, "documentation");
    expect(docs.data.needed).toBe(true);
    expect(docs.data.newModules).toEqual(["src/extra.ts"]);
    expect(docs.data.changedDocs).toEqual(["README.md"]);
    expect(docs.data.pipelineCommitted).toBe(true);

    // PR: pushed to the bare origin, linked to the issue
    const pushed = await h.originGit(["rev-parse", "refs/heads/gadugi/feature-two"]);
    expect(pushed).toBe(await h.repo.git(["rev-parse", "gadugi/feature-two"]));
    const pr = h.server!.state.prs[0]!;
    expect(state.prNumber).toBe(pr.number);
    expect(state.prUrl).toBeTruthy();
    expect(pr.head).toBe("gadugi/feature-two");
    expect(pr.base).toBe("main");
    expect(pr.body).toContain(`Closes #${issue.number}`);

    // review: verdict parsed, posted as a review of the PR (a COMMENT: GitHub refuses an approval
    // of the token's own pull request)
    const review = phaseOf(state, "review");
    expect(review.data.verdict).toBe("approve");
    expect(review.data.posted).toBe(true);
    const posted = h.server!.state.reviews[0]!;
    expect(posted.pullNumber).toBe(pr.number);
    expect(posted.state).toBe("COMMENTED");
    expect(posted.commitId).toBe(pushed);
    expect(posted.body).toContain("Gadugi review: approve");
    expect(posted.body).toContain("Reviewed 3 file(s)");
    expect(review.data.review).toMatchObject({ verdict: "approve", fixRounds: 0, mergeable: true });

    expect(h.purposes()).toEqual(["implementation", "documentation"]);
    const types = h.events().map((e) => e.type);
    expect(types.filter((t) => t === "phase.started")).toHaveLength(8);
    expect(types.filter((t) => t === "phase.finished")).toHaveLength(8);
  });

  it("commits work the agent left uncommitted, with a message naming the task, but not setup's files", async () => {
    const h = await createHarness(temp, {
      agents: {
        implementation: `${AGENT.editOnly} && mkdir -p node_modules/x && echo x > node_modules/x/i.js`,
      },
      config: { setup: { copyFiles: ["local.env"] } },
    });
    h.repo.write({ "local.env": "SECRET=1\n" });
    const state = await h.run();
    expect(state.status).toBe("completed");
    expect(readFileSync(path.join(h.worktree(), "local.env"), "utf8")).toBe("SECRET=1\n");
    const implementation = phaseOf(state, "implementation");
    expect(implementation.data.pipelineCommitted).toBe(true);
    expect(implementation.data.agentCommits).toBe(0);
    expect(implementation.data.changedFiles).toEqual(["src/feature.ts"]);
    expect(phaseOf(state, "setup").data.setupArtifacts).toEqual(["local.env"]);
    const message = await h.repo.git(["log", "-1", "--format=%B", "gadugi/feature-two"]);
    expect(message).toContain("Make feature two");
    expect(message).toContain(TASK_ID);
  });
});

describe("what gets committed on a real checkout", () => {
  it("commits the agent's uncommitted work although an ignored .env listed in .worktreeinclude was copied", async () => {
    const h = await createHarness(temp, { agents: { implementation: AGENT.editOnly } });
    await h.repo.commit("ignore .env", { ".gitignore": ".env\n", ".worktreeinclude": ".env\n" });
    h.repo.write({ ".env": "SECRET=hunter2\n" });
    const state = await h.run();
    expect(state.status).toBe("completed");
    expect(readFileSync(path.join(h.worktree(), ".env"), "utf8")).toBe("SECRET=hunter2\n");
    expect(phaseOf(state, "implementation").data.pipelineCommitted).toBe(true);
    const files = await h.repo.git(["diff", "--name-only", "main", "gadugi/feature-two"]);
    expect(files.split("\n")).toEqual(["src/feature.ts"]);
  });

  it("discards what a read-only reviewer writes: it is never committed, not even at cleanup", async () => {
    const h = await createHarness(temp, {
      agents: { implementation: AGENT.editOnly },
      workflow: {
        reviewCommand: `sh -c "echo tampered >> src/feature.ts; echo note > REVIEW.md; echo 'VERDICT: approve'"`,
      },
    });
    const state = await h.run();
    expect(state.status).toBe("completed");
    expect(phaseOf(state, "review").data.discardedReviewerChanges).toEqual(["REVIEW.md", "src/feature.ts"]);
    expect(readFileSync(path.join(h.worktree(), "src", "feature.ts"), "utf8")).toBe(
      "export const feature = 2;\n",
    );
    expect(existsSync(path.join(h.worktree(), "REVIEW.md"))).toBe(false);
  });
});

describe("phases that cannot run are skipped with the reason", () => {
  it("skips GitHub phases without a token, pushes the branch and records it as ready", async () => {
    const h = await createHarness(temp, { github: "no-token" });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const issue = phaseOf(state, "issue_creation");
    expect(issue.status).toBe("skipped");
    expect(issue.reason).toMatch(/GitHub unavailable: no GitHub token/);
    const pr = phaseOf(state, "pr_creation");
    expect(pr.status).toBe("skipped");
    expect(pr.reason).toMatch(/no GitHub token.*pushed to origin/);
    expect(pr.data).toMatchObject({ readyBranch: "gadugi/feature-two", pushed: true });
    expect(await h.originGit(["branch", "--list", "gadugi/feature-two"])).toContain("gadugi/feature-two");
    expect(state.prNumber).toBeUndefined();
    expect(h.server!.state.requests).toHaveLength(0);
  });

  it("without an origin remote, records the branch as ready locally", async () => {
    const h = await createHarness(temp, { origin: "none", github: "none" });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const pr = phaseOf(state, "pr_creation");
    expect(pr.status).toBe("skipped");
    expect(pr.reason).toMatch(/^no origin remote: branch gadugi\/feature-two is ready locally/);
    expect(pr.data).toMatchObject({ readyBranch: "gadugi/feature-two", pushed: false });
    expect(phaseOf(state, "issue_creation").reason).toBe(
      "GitHub unavailable: GitHub operations are not configured",
    );
  });

  it("skips testing without a test command and review without a reviewer", async () => {
    const h = await createHarness(temp, { noTestCommand: true });
    const state = await h.run();
    expect(state.status).toBe("completed");
    expect(phaseOf(state, "testing")).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/^no test command found/),
    });
    expect(phaseOf(state, "review")).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/^no reviewer configured/),
    });
    expect(h.server!.state.comments).toHaveLength(0);
  });

  it("starts the branch from a given start point while the pull request stays based on baseRef", async () => {
    const h = await createHarness(temp, { github: "no-token" });
    const main = (await h.repo.git(["rev-parse", "main"])).trim();
    await h.repo.git(["checkout", "-q", "-b", "gadugi/integration-x"]);
    const integrated = await h.repo.commit("work of a task this one waits for", {
      "src/earlier.ts": "export const x = 1;\n",
    });
    await h.repo.git(["checkout", "-q", "main"]);
    const state = await h.run({ startPoint: integrated });
    expect(state.status).toBe("completed");
    expect(state.baseRef).toBe("main");
    expect(state.baseCommit).toBe(integrated);
    expect(state.baseCommit).not.toBe(main);
    expect(existsSync(path.join(h.worktree(), "src/earlier.ts"))).toBe(true);
    expect(phaseOf(state, "setup").data).toMatchObject({ baseRef: "main", startPoint: integrated });
  });

  it("reuses the issue named in the prompt's frontmatter", async () => {
    const h = await createHarness(temp, { github: "none", origin: "none" });
    const manager = h.createManager();
    const state = await manager.runTask(
      { ...(await h.state.loadRun(h.runId)).definitions[TASK_ID]!, issueNumber: 42 },
      { baseRef: "main", agent: h.agent },
    );
    expect(state.issueNumber).toBe(42);
    expect(phaseOf(state, "issue_creation")).toMatchObject({
      status: "completed",
      data: { source: "frontmatter" },
    });
    const prompt = readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.md`), "utf8");
    expect(prompt).toContain("issue #42");
  });
});

describe("failures", () => {
  it("fails the task with the agent's reason, stops later phases and files a failure issue", async () => {
    const h = await createHarness(temp, { agents: { implementation: AGENT.fail } });
    const state = await h.run();
    expect(state.status).toBe("failed");
    const implementation = phaseOf(state, "implementation");
    expect(implementation.status).toBe("failed");
    expect(implementation.reason).toMatch(/implementation agent \(command\) ended failed/);
    expect(implementation.data.transient).toBe(false);
    expect(state.error).toMatch(/^implementation failed: /);
    expect(state.phases.map((p) => p.phase)).toEqual([
      "setup",
      "issue_creation",
      "branch_creation",
      "implementation",
    ]);
    const failure = h.server!.state.issues.find((i) => i.labels.includes("gadugi-failure"));
    expect(failure).toBeDefined();
    expect(failure!.body).toContain("implementation");
    expect(implementation.data.failureIssue).toMatchObject({ number: failure!.number });
  });

  it("surfaces a transient agent failure in the phase data for the scheduler", async () => {
    const h = await createHarness(temp, { agents: { implementation: AGENT.failTransient }, github: "none" });
    const state = await h.run();
    expect(state.status).toBe("failed");
    expect(phaseOf(state, "implementation").data).toMatchObject({
      transient: true,
      agent: { transient: true },
    });
  });

  it("fails when the agent made no changes at all", async () => {
    const h = await createHarness(temp, { agents: { implementation: AGENT.noop }, github: "none" });
    const state = await h.run();
    expect(state.status).toBe("failed");
    expect(phaseOf(state, "implementation").reason).toMatch(/made no changes/);
  });

  it("gives the agent the failing output and re-runs the tests after its fix", async () => {
    const h = await createHarness(temp, {
      agents: { implementation: AGENT.commitWrong, "testing-fix": AGENT.editOnly },
      github: "none",
    });
    const state = await h.run();
    expect(state.status).toBe("completed");
    const testing = phaseOf(state, "testing");
    expect(testing.data.fixAttempts).toBe(1);
    expect((testing.data.runs as { passed: boolean }[]).map((r) => r.passed)).toEqual([false, true]);
    expect(h.purposes()).toEqual(["implementation", "testing-fix"]);
    const fixPrompt = readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.testing-fix-1.md`), "utf8");
    expect(fixPrompt).toContain("FAIL expected feature = 2, got: export const feature = 3;");
    const log = readFileSync(path.join(h.runDir, "logs", `${TASK_ID}.log`), "utf8");
    expect(log).toContain("FAIL expected feature = 2");
    expect(await h.repo.git(["show", "gadugi/feature-two:src/feature.ts"])).toBe("export const feature = 2;");
  });

  it("fails the testing phase with the output saved when the tests fail after every retry", async () => {
    const h = await createHarness(temp, {
      agents: { implementation: AGENT.commitWrong, "testing-fix": AGENT.editWrong },
      workflow: { testRetries: 1 },
    });
    const state = await h.run();
    expect(state.status).toBe("failed");
    const testing = phaseOf(state, "testing");
    expect(testing.status).toBe("failed");
    expect(testing.reason).toMatch(/tests still fail .* after 1 fix attempt\(s\); output: .*test-2\.log$/);
    expect(readFileSync(testing.data.outputFile as string, "utf8")).toContain(
      "got: export const feature = 4;",
    );
    expect(state.phases.map((p) => p.phase)).not.toContain("documentation");
    expect(h.server!.state.prs).toHaveLength(0);
  });

  it("fails pr_creation when the push is refused, keeping the branch ready", async () => {
    const h = await createHarness(temp, { origin: "broken" });
    const state = await h.run();
    expect(state.status).toBe("failed");
    const pr = phaseOf(state, "pr_creation");
    expect(pr.status).toBe("failed");
    expect(pr.reason).toMatch(/^pushing gadugi\/feature-two to origin failed: GADUGI_GIT_FAILED/);
    expect(pr.data).toMatchObject({ readyBranch: "gadugi/feature-two", pushed: false });
    expect(h.server!.state.prs).toHaveLength(0);
  });

  it("only warns when filing the failure issue fails", async () => {
    const warnings: string[] = [];
    const h = await createHarness(temp, { agents: { implementation: AGENT.fail } });
    const manager = h.createManager({
      onWarning: (w) => warnings.push(w),
      onPhase: (e) => {
        if (e.phase === "issue_creation" && e.status === "completed") {
          h.server!.failNext("POST", "/repos/acme/widgets/issues", { status: 500, times: 5 });
        }
      },
    });
    const state = await h.run({}, manager);
    expect(state.status).toBe("failed");
    expect(phaseOf(state, "implementation").data.failureIssue).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/filing the failure issue of task .* failed: GADUGI_GITHUB_API/);
    expect(h.events().some((e) => e.type === "warning")).toBe(true);
  });
});

describe("governance", () => {
  it("refuses a plan that misses required phases before anything runs", async () => {
    const h = await createHarness(temp);
    const phases = DEFAULT_PHASES.filter((p) => p.name !== "testing" && p.name !== "review");
    const state = await h.run({}, h.createManager({ phases }));
    expect(state.status).toBe("failed");
    expect(state.error).toMatch(/^GADUGI_GOVERNANCE: .*missing required phase\(s\) testing, review/);
    expect(state.phases).toEqual([]);
    expect(h.calls).toHaveLength(0);
    expect(existsSync(h.worktree())).toBe(false);
    const errors = h.events().filter((e) => e.type === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ context: { code: "GADUGI_GOVERNANCE", taskId: TASK_ID } });
  });

  it("lets a plan leave out phases that are not required", async () => {
    const h = await createHarness(temp, {
      github: "none",
      origin: "none",
      workflow: { requiredPhases: ["setup", "branch_creation", "implementation"] },
    });
    const phases = DEFAULT_PHASES.filter((p) =>
      ["setup", "branch_creation", "implementation"].includes(p.name),
    );
    const state = await h.run({}, h.createManager({ phases }));
    expect(state.status).toBe("completed");
    expect(state.phases.map((p) => p.phase)).toEqual(["setup", "branch_creation", "implementation"]);
  });

  it("fails a phase that runs an agent where the workflow does not allow one", async () => {
    const h = await createHarness(temp, { github: "none" });
    const sneaky: Phase = {
      name: "setup",
      contract: "runs the agent during setup",
      async run(ctx) {
        await DEFAULT_PHASES[0]!.run(ctx);
        await ctx.runAgent({ purpose: "implementation", prompt: "do it all now" });
        return { status: "completed" };
      },
    };
    const state = await h.run({}, h.createManager({ phases: [sneaky, ...DEFAULT_PHASES.slice(1)] }));
    expect(state.status).toBe("failed");
    expect(phaseOf(state, "setup").reason).toMatch(/^GADUGI_GOVERNANCE: .*setup phase may not run an agent/);
    expect(h.calls).toHaveLength(0);
  });
});

describe("review", () => {
  it("runs a reviewer agent read-only on the diff and posts its verdict on the PR", async () => {
    const h = await createHarness(temp, {
      config: { agents: { critic: { kind: "command", command: ["critic"] } } },
      workflow: { reviewer: "critic" },
      agents: { review: `echo 'Please add a test for feature.'; echo 'VERDICT: request-changes'` },
    });
    const state = await h.run();
    // The fix round (the task's agent) changed nothing, so the second look requests changes too.
    expect(state.status).toBe("changes-requested");
    expect(h.purposes()).toEqual(["implementation", "review", "review-fix", "review"]);
    const review = phaseOf(state, "review");
    expect(review.data).toMatchObject({
      verdict: "request-changes",
      verdictFound: true,
      comments: "Please add a test for feature.",
      reviewer: "agent: critic (command, read-only)",
      posted: true,
    });
    const request = h.calls.find((c) => c.purpose === "review")!;
    expect(request.agent.autonomy).toBe("read-only");
    expect(request.prompt).toContain("+export const feature = 2;");
    expect(request.prompt).toContain("VERDICT: approve | request-changes | comment");
    expect(h.server!.state.reviews.map((r) => r.body.split("\n")[0])).toEqual([
      "### Gadugi review: request-changes",
      "### Gadugi review: request-changes",
    ]);
    expect(readFileSync(review.data.reviewFile as string, "utf8")).toContain(
      "Please add a test for feature.",
    );
  });

  it("fails review when the review command fails without a verdict", async () => {
    const h = await createHarness(temp, {
      github: "none",
      workflow: { reviewCommand: "sh -c 'echo broken >&2; exit 2'" },
    });
    const state = await h.run();
    expect(state.status).toBe("failed");
    expect(phaseOf(state, "review").reason).toBe(
      "the review command `sh -c 'echo broken >&2; exit 2'` exited with 2 without a verdict: broken",
    );
  });
});

/**
 * A task completed on gadugi/feature-two, then work merged meanwhile (on `integration`) that
 * touches the same file: the first attempt would conflict with it.
 */
async function completedThenConflicting() {
  const h = await createHarness(temp, { github: "no-token" });
  const first = await h.run();
  expect(first.status).toBe("completed");
  const oldHead = (await h.repo.git(["rev-parse", "gadugi/feature-two"])).trim();
  await h.repo.git(["checkout", "-q", "-b", "integration", "main"]);
  const merged = await h.repo.commit("another task's work", {
    "src/feature.ts": "export const feature = 1;\nexport const other = true;\n",
  });
  await h.repo.git(["checkout", "-q", "main"]);
  return { h, oldHead, merged };
}

describe("resume and cancellation", () => {
  it("resumes from the last completed phase without re-running earlier ones", async () => {
    const h = await createHarness(temp, { workflow: { reviewCommand: `"${process.execPath}" review.mjs` } });
    const controller = new AbortController();
    const first = await h.run(
      { signal: controller.signal },
      h.createManager({
        onPhase: (e) => {
          if (e.phase === "implementation" && e.status === "completed")
            controller.abort("stopped for the test");
        },
      }),
    );
    expect(first.status).toBe("cancelled");
    expect(statuses(first)).toEqual({
      setup: "completed",
      issue_creation: "completed",
      branch_creation: "completed",
      implementation: "completed",
    });
    expect(h.calls).toHaveLength(1);

    const saved = await h.state.loadTask(h.runId, TASK_ID);
    const second = await h.run({ resume: saved });
    expect(second.status).toBe("completed");
    expect(statuses(second)).toEqual(Object.fromEntries(WORKFLOW_PHASES.map((p) => [p, "completed"])));
    expect(h.calls).toHaveLength(1); // implementation was not run again
    expect(h.server!.state.issues).toHaveLength(1); // nor issue creation
    expect(second.attempts).toBe(2);
    const started = h
      .events()
      .filter((e) => e.type === "phase.started")
      .map((e) => (e as { phase: string }).phase);
    expect(started).toEqual([...WORKFLOW_PHASES]);
    expect(h.server!.state.prs[0]!.body).toContain(`Closes #${second.issueNumber}`);
  });

  it("takes up its worktree again without the index.lock a killed git left in it, with a warning", async () => {
    const h = await createHarness(temp, { github: "no-token" });
    const controller = new AbortController();
    const first = await h.run(
      { signal: controller.signal },
      h.createManager({
        onPhase: (e) => {
          if (e.phase === "branch_creation" && e.status === "completed") controller.abort("power cut");
        },
      }),
    );
    expect(first.status).toBe("cancelled");
    const lock = (
      await h.repo.git([
        "-C",
        first.worktreePath as string,
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "index.lock",
      ])
    ).trim();
    writeFileSync(lock, "");
    const then = (Date.now() - 5_000) / 1000;
    utimesSync(lock, then, then);

    const second = await h.run({ resume: await h.state.loadTask(h.runId, TASK_ID) });
    expect(second.status, second.error).toBe("completed");
    expect(existsSync(lock)).toBe(false);
    const warnings = h.events().filter((e) => e.type === "warning" && e.message.includes("index.lock"));
    expect(warnings).toHaveLength(1);
  });

  it("finds the issue and PR made before a crash instead of opening new ones", async () => {
    const h = await createHarness(temp);
    const done = await h.run();
    expect(done.status).toBe("completed");
    // As if the process died after GitHub answered but before the phases were journaled.
    const crashed = {
      ...done,
      status: "running" as const,
      issueNumber: undefined,
      prNumber: undefined,
      prUrl: undefined,
      phases: done.phases.map((p) =>
        ["issue_creation", "pr_creation", "review"].includes(p.phase)
          ? { ...p, status: "running" as const }
          : p,
      ),
    };
    const again = await h.run({ resume: crashed });
    expect(again.status).toBe("completed");
    expect(phaseOf(again, "issue_creation").data).toMatchObject({
      source: "found for branch",
      issueNumber: done.issueNumber,
    });
    expect(phaseOf(again, "pr_creation").data).toMatchObject({ created: false, prNumber: done.prNumber });
    expect(h.server!.state.issues).toHaveLength(1);
    expect(h.server!.state.prs).toHaveLength(1);
    expect(h.calls).toHaveLength(1);
  });

  it("redoes the work on top of a start point after a conflict, keeping the old head on a backup branch", async () => {
    const { h, oldHead, merged } = await completedThenConflicting();

    const saved = await h.state.loadTask(h.runId, TASK_ID);
    const second = await h.run({
      resume: saved,
      restart: { startPoint: merged, reason: "conflict in src/feature.ts" },
    });
    expect(second.status).toBe("completed");
    expect(h.calls).toHaveLength(2);
    expect(second.baseCommit).toBe(merged);
    const head = (await h.repo.git(["rev-parse", "gadugi/feature-two"])).trim();
    await h.repo.git(["merge-base", "--is-ancestor", merged, head]);
    expect((await h.repo.git(["rev-parse", "gadugi/feature-two-attempt-1"])).trim()).toBe(oldHead);
    expect(phaseOf(second, "setup").status).toBe("completed");
    const prompt = readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.md`), "utf8");
    expect(prompt).toContain("conflict in src/feature.ts");
    // The branch was rewritten, so the push replaced the one on origin.
    expect((await h.originGit(["rev-parse", "gadugi/feature-two"])).trim()).toBe(head);
  });

  it("a fresh attempt redoing a task elsewhere tells the agent why (redoReason)", async () => {
    const h = await createHarness(temp, { github: "no-token" });
    const state = await h.run({ redoReason: "conflict in src/feature.ts" });
    expect(state.status).toBe("completed");
    const prompt = readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.md`), "utf8");
    expect(prompt).toContain("## Redo this task on top of merged work");
    expect(prompt).toContain("could not be merged: conflict in src/feature.ts");
  });

  it("a crash right after a restart was journaled resumes into the restart, not into the old attempt", async () => {
    const { h, oldHead, merged } = await completedThenConflicting();
    // What #restart journals before it touches the branch; then the process dies.
    await h.state.record(h.runId, {
      type: "task.restarted",
      taskId: TASK_ID,
      startPoint: merged,
      reason: "conflict in src/feature.ts",
      backupBranch: "gadugi/feature-two-attempt-1",
    });
    const saved = await h.state.loadTask(h.runId, TASK_ID);
    expect(saved.phases.map((p) => p.phase)).toEqual(["setup", "issue_creation", "branch_creation"]);

    const resumed = await h.run({ resume: saved });
    expect(resumed.status, resumed.error).toBe("completed");
    expect(h.calls).toHaveLength(2);
    expect(resumed.baseCommit).toBe(merged);
    const head = (await h.repo.git(["rev-parse", "gadugi/feature-two"])).trim();
    await h.repo.git(["merge-base", "--is-ancestor", merged, head]);
    expect((await h.repo.git(["rev-parse", "gadugi/feature-two-attempt-1"])).trim()).toBe(oldHead);
    for (const phase of ["implementation", "testing", "documentation", "pr_creation"]) {
      expect(phaseOf(resumed, phase).status).not.toBe("pending");
    }
    expect(readFileSync(path.join(h.runDir, "prompts", `${TASK_ID}.md`), "utf8")).toContain(
      "conflict in src/feature.ts",
    );
    // The redo replaced the pushed branch (force-push), though the restart happened before the crash.
    expect((await h.originGit(["rev-parse", "gadugi/feature-two"])).trim()).toBe(head);

    // A second resume after the redo began does not reset the branch again.
    const again = await h.run({ resume: await h.state.loadTask(h.runId, TASK_ID) });
    expect((await h.repo.git(["rev-parse", "gadugi/feature-two"])).trim()).toBe(head);
    expect(again.status).toBe("completed");
  });

  it("journals every agent run with its attempt, purpose, agent name and usage", async () => {
    const h = await createHarness(temp, { github: "none" });
    const state = await h.run({ agentName: "my-agent" });
    expect(state.status).toBe("completed");
    const run = await h.state.loadRun(h.runId);
    expect(run.agentRuns[TASK_ID]?.map((r) => [r.attempt, r.purpose, r.agent, r.outcome])).toEqual([
      [1, "implementation", "my-agent", "ok"],
    ]);
  });

  it("sets the worktree up again when it was removed before the resume", async () => {
    const h = await createHarness(temp, { github: "none" });
    const controller = new AbortController();
    const first = await h.run(
      { signal: controller.signal },
      h.createManager({
        onPhase: (e) => {
          if (e.phase === "implementation" && e.status === "completed") controller.abort();
        },
      }),
    );
    expect(first.status).toBe("cancelled");
    await h.repo.git(["worktree", "remove", "--force", h.worktree()]);
    const second = await h.run({ resume: await h.state.loadTask(h.runId, TASK_ID) });
    expect(second.status).toBe("completed");
    expect(phaseOf(second, "setup").data.resumedWorktree).toBe(true);
    expect(h.calls).toHaveLength(1);
    expect(await h.repo.git(["show", "gadugi/feature-two:src/feature.ts"])).toBe("export const feature = 2;");
  });

  it("cancels the task and fails the running phase when the signal aborts", async () => {
    const h = await createHarness(temp, { agents: { implementation: AGENT.slow }, github: "none" });
    const controller = new AbortController();
    const started = Date.now();
    const running = h.run(
      { signal: controller.signal },
      h.createManager({
        onPhase: (e) => {
          if (e.phase === "implementation" && e.status === "running")
            setTimeout(() => controller.abort("user pressed Ctrl-C"), 300);
        },
      }),
    );
    const state = await running;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(state.status).toBe("cancelled");
    const implementation = phaseOf(state, "implementation");
    expect(implementation.status).toBe("failed");
    expect(implementation.reason).toBe("cancelled: user pressed Ctrl-C");
    expect(state.phases.map((p) => p.phase)).not.toContain("testing");
  });
});
