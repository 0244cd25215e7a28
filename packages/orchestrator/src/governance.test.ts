import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RunState } from "@gadugi/interfaces";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator, runFiles } from "./engine.js";
import { repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

describe("governance of required phases in a run", () => {
  it("fails a task whose required testing phase was skipped for a reason allowSkip does not allow: not merged, dependents skipped, the report says why", async () => {
    // No workflow.testCommand and no test script: the testing phase has no test command.
    const repo = await repoWithSampleAgent(
      temp,
      {
        "strict.md": samplePrompt("Strict", "src/strict.js"),
        "after.md": samplePrompt("After", "src/after.js", "depends_on: [strict]"),
      },
      sampleConfig({ workflow: { allowSkip: { testing: [] } } }),
    );
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/strict.md", "prompts/after.md"],
    });
    expect(result.status).toBe("failed");
    const [strict, after] = result.report.tasks;
    expect(strict?.status).toBe("failed");
    expect(strict?.error).toMatch(
      /^testing was skipped \(no-test-command: no test command found.*\) and workflow\.allowSkip\.testing does not allow it/,
    );
    expect(strict?.merge?.status).not.toBe("merged");
    expect(after?.status).toBe("skipped");
    const integration = result.report.integrationBranch as string;
    const merged = await repo.git(["ls-tree", "-r", "--name-only", integration]);
    expect(merged).not.toContain("src/strict.js");
    expect(strict?.governance).toMatchObject({
      ran: ["setup", "branch_creation", "implementation"],
      skippedAllowed: [{ phase: "issue_creation", code: "no-github" }],
      violated: [
        { phase: "testing", code: "no-test-command", reason: expect.stringMatching(/^no test command/) },
      ],
    });
    const markdown = readFileSync(result.reportFiles.markdown, "utf8");
    expect(markdown).toContain("Governance: **violated** (1)");
    expect(markdown).toMatch(/\| Violated \| testing \(no-test-command: no test command found/);
    const html = readFileSync(result.reportFiles.html, "utf8");
    expect(html).toContain("<h2>Governance</h2>");
    expect(html).toMatch(/<tr class="violated"><td>strict<\/td>/);
  }, 60_000);

  it("with the defaults, a run without GitHub, origin or reviewer merges and reports its allowed skips", async () => {
    const repo = await repoWithSampleAgent(temp, { "one.md": samplePrompt("One", "src/one.js") });
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/one.md"],
    });
    expect(result.status).toBe("completed");
    const [one] = result.report.tasks;
    expect(one?.merge?.status).toBe("merged");
    expect(one?.governance).toEqual({
      required: expect.arrayContaining(["testing", "review"]),
      ran: ["setup", "branch_creation", "implementation", "testing", "documentation"],
      skippedAllowed: [
        expect.objectContaining({ phase: "issue_creation", code: "no-github" }),
        expect.objectContaining({ phase: "pr_creation", code: "no-origin" }),
        expect.objectContaining({ phase: "review", code: "no-reviewer" }),
      ],
      violated: [],
    });
    expect(readFileSync(result.reportFiles.markdown, "utf8")).toContain(
      "Governance: every required phase ran or was skipped for an allowed reason",
    );
  }, 60_000);

  it("verifies that a dependent task's branch starts at the integration tip holding the work it waits for", async () => {
    const repo = await repoWithSampleAgent(temp, {
      "first.md": samplePrompt("First", "src/first.js"),
      "second.md": samplePrompt("Second", "src/second.js", "depends_on: [first]"),
    });
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/first.md", "prompts/second.md"],
    });
    expect(result.status).toBe("completed");
    const state = RunState.parse(
      JSON.parse(readFileSync(join(runFiles(repo.dir, result.runId).dir, "state.json"), "utf8")),
    );
    const branchData = (slug: string) => {
      const id = state.taskIds.find((t) => state.definitions[t]?.slug === slug) as string;
      return state.tasks[id]?.phases.find((p) => p.phase === "branch_creation")?.data;
    };
    expect(branchData("first")).toMatchObject({ startPoint: state.baseCommit, verified: true });
    const second = branchData("second");
    expect(second).toMatchObject({ verified: true, head: second?.startPoint });
    expect(second?.startPoint).not.toBe(state.baseCommit);
    // The start point was the integration tip holding first's merge.
    expect(state.merges[state.taskIds[0] as string]?.commit).toBe(second?.startPoint);
  }, 60_000);
});
