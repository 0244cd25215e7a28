import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rebuildRunState } from "@gadugi/state";
import { type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator, runFiles } from "./engine.js";
import { originAndGitHub, repoWithSampleAgent, sampleConfig, samplePrompt } from "./test-helpers/index.js";

const temp = useTempDirs();

const prompt = samplePrompt;

function repoWith(
  prompts: Record<string, string>,
  extraConfig: Record<string, unknown> = {},
): Promise<TempRepo> {
  return repoWithSampleAgent(temp, prompts, sampleConfig(extraConfig));
}

describe("Orchestrator", () => {
  it("fails one task, skips only its dependents and keeps going with the others", async () => {
    const repo = await repoWith({
      "good.md": prompt("Good", "src/good.js"),
      // No fenced block: the sample agent exits 1.
      "bad.md": "# Bad\n\n## Overview\nCreate `src/bad.js`.\n",
      "after-bad.md": prompt("After bad", "src/after-bad.js", "depends_on: [bad]"),
      "after-good.md": prompt("After good", "src/after-good.js", "depends_on: [good]"),
    });
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/good.md", "prompts/bad.md", "prompts/after-bad.md", "prompts/after-good.md"],
    });
    const bySlug = Object.fromEntries(result.report.tasks.map((t) => [t.slug, t]));
    expect(result.status).toBe("failed");
    expect(bySlug.good?.status).toBe("completed");
    expect(bySlug["after-good"]?.status).toBe("completed");
    expect(bySlug.bad?.status).toBe("failed");
    expect(bySlug.bad?.error).toMatch(/implementation failed/);
    expect(bySlug["after-bad"]?.status).toBe("skipped");
    expect(result.report.metrics).toMatchObject({ tasksCompleted: 2, tasksFailed: 1, tasksSkipped: 1 });
    // The failed task's worktree was cleaned up, its work kept on its branch.
    expect(await repo.git(["branch", "--list", "gadugi/bad"])).toContain("gadugi/bad");
  }, 60_000);

  it("refuses an unknown agent before creating anything", async () => {
    const repo = await repoWith({ "one.md": prompt("One", "src/one.js") });
    await expect(
      new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
        promptFiles: ["prompts/one.md"],
        agent: "nonexistent",
      }),
    ).rejects.toMatchObject({ code: "GADUGI_AGENT_NOT_FOUND" });
    expect(existsSync(join(repo.dir, ".gadugi", "runs"))).toBe(false);
    const bad = await repoWith({ "one.md": prompt("One", "src/one.js", "agent: nonexistent") });
    await expect(
      new Orchestrator({ repoRoot: bad.dir, github: false, env: bad.env }).run({
        promptFiles: ["prompts/one.md"],
      }),
    ).rejects.toMatchObject({ code: "GADUGI_AGENT_NOT_FOUND" });
    expect(existsSync(join(bad.dir, ".gadugi", "runs"))).toBe(false);
  }, 60_000);

  it("recovers a run from its newest checkpoint when state and journal are both unreadable", async () => {
    const repo = await repoWith({
      "one.md": prompt("One", "src/one.js"),
      "two.md": prompt("Two", "src/two.js"),
    });
    const orchestrator = new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env });
    const first = await orchestrator.run({ promptFiles: ["prompts/one.md", "prompts/two.md"] });
    expect(first.status).toBe("completed");
    const files = runFiles(repo.dir, first.runId);
    expect(readdirSync(join(files.dir, "checkpoints")).length).toBeGreaterThanOrEqual(2);
    writeFileSync(join(files.dir, "state.json"), "{ truncated");
    writeFileSync(join(files.dir, "events.jsonl"), "garbage\nmore garbage\n");

    const resumed = await orchestrator.resume({ runId: first.runId });
    expect(resumed.status).toBe("completed");
    expect(resumed.report.tasks.every((t) => t.status === "completed")).toBe(true);
    // Both damaged files were moved aside, not overwritten, and the fresh journal rebuilds the run.
    expect(readdirSync(files.dir).some((f) => f.startsWith("state.json.corrupt-"))).toBe(true);
    expect(readdirSync(files.dir).some((f) => f.startsWith("events.jsonl.corrupt-"))).toBe(true);
    const rebuilt = await rebuildRunState(repo.dir, first.runId);
    expect(rebuilt.status).toBe("completed");
    expect(Object.keys(rebuilt.definitions).sort()).toEqual(resumed.report.tasks.map((t) => t.id).sort());
  }, 60_000);

  it("opens one pull request for the integration branch when asked, after pushing it", async () => {
    const repo = await repoWith(
      { "one.md": prompt("One", "src/one.js"), "two.md": prompt("Two", "src/two.js") },
      { integration: { openPullRequest: true } },
    );
    const { origin, server, github } = await originAndGitHub(temp, repo);
    const result = await new Orchestrator({ repoRoot: repo.dir, github, env: repo.env }).run({
      promptFiles: ["prompts/one.md", "prompts/two.md"],
    });
    expect(result.status).toBe("completed");
    const integration = result.report.integrationBranch!;
    const pull = server.state.prs.find((p) => p.head === integration);
    expect(pull).toMatchObject({ base: "main", state: "open" });
    expect(pull?.body).toContain("passed");
    expect(result.report.integrationPullRequest).toMatchObject({ number: pull?.number, note: "opened" });
    // The pushed branch is the integration tip.
    const tip = (await repo.git(["rev-parse", integration])).trim();
    expect((await repo.git(["--git-dir", origin, "rev-parse", integration])).trim()).toBe(tip);
  }, 60_000);

  it("without integration, warns about finished branches that would conflict when merged", async () => {
    const both = (title: string, line: string) =>
      `---\nfiles: [src/${title}.js]\n---\n# ${title}\n\n## Implementation\n\`\`\`js file=src/${title}.js mode=create\nexport const v = 1;\n\`\`\`\n\n\`\`\`js file=shared.txt mode=create\n${line}\n\`\`\`\n`;
    const repo = await repoWith({ "left.md": both("left", "left"), "right.md": both("right", "right") });
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: ["prompts/left.md", "prompts/right.md"],
      integrate: false,
    });
    expect(result.status).toBe("completed");
    expect(result.report.integrationBranch).toBeUndefined();
    expect(result.report.warnings).toContain(
      "gadugi/left and gadugi/right would conflict when merged (shared.txt)",
    );
  }, 60_000);

  it("a completed task whose branch does not merge ends merge-failed; its dependents are skipped", async () => {
    const both = (title: string, line: string, extra = "") =>
      `---\nfiles: [src/${title}.js]\n${extra}---\n# ${title}\n\n## Implementation\n\`\`\`js file=src/${title}.js mode=create\nexport const v = 1;\n\`\`\`\n\n\`\`\`js file=shared.txt mode=create\n${line}\n\`\`\`\n`;
    const repo = await repoWith(
      {
        "left.md": both("left", "left"),
        "right.md": both("right", "right"),
        "after.md": prompt("After", "src/after.js", "depends_on: [left, right]"),
      },
      { integration: { resolveConflicts: false } },
    );
    const orchestrator = new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env });
    const result = await orchestrator.run({
      promptFiles: ["prompts/left.md", "prompts/right.md", "prompts/after.md"],
    });
    expect(result.status).toBe("failed");
    const bySlug = Object.fromEntries(result.report.tasks.map((t) => [t.slug, t]));
    const statuses = [bySlug.left?.status, bySlug.right?.status].sort();
    expect(statuses).toEqual(["completed", "merge-failed"]);
    const loser = bySlug.left?.status === "merge-failed" ? bySlug.left : bySlug.right;
    expect(loser?.merge).toMatchObject({ status: "conflict", conflictFiles: ["shared.txt"] });
    expect(loser?.error).toMatch(/^not merged \(conflict in shared\.txt: /);
    expect(bySlug.after?.status).toBe("skipped");
    expect(result.report.metrics).toMatchObject({ tasksCompleted: 1, tasksFailed: 1, tasksSkipped: 1 });
    // The work is kept on the task's branch for the user to merge by hand.
    expect(await repo.git(["show", `${loser?.branch}:shared.txt`])).toContain(loser?.slug);
    // Resume reopens it through the queue, as the status machine allows; it conflicts again.
    const resumed = await orchestrator.resume({ runId: result.runId });
    const again = resumed.report.tasks.find((t) => t.id === loser?.id);
    expect(again?.status).toBe("merge-failed");
  }, 60_000);

  it("fails a task with the reason when something outside its workflow breaks, instead of leaving it running", async () => {
    const repo = await repoWith({
      "first.md": prompt("First", "src/first.js"),
      "second.md": prompt("Second", "src/second.js", "depends_on: [first]"),
    });
    const result = await new Orchestrator({
      repoRoot: repo.dir,
      github: false,
      env: repo.env,
      onEvent: (event) => {
        // Someone deletes the integration branch right after the first merge.
        if (event.type === "merge.result" && event.status === "merged") {
          const branches = execFileSync("git", ["branch", "--list", "gadugi/integration-*"], {
            cwd: repo.dir,
            encoding: "utf8",
          });
          for (const b of branches
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)) {
            execFileSync("git", ["update-ref", "-d", `refs/heads/${b}`], { cwd: repo.dir });
          }
        }
      },
    }).run({ promptFiles: ["prompts/first.md", "prompts/second.md"] });
    const second = result.report.tasks.find((t) => t.slug === "second");
    expect(second?.status).toBe("failed");
    expect(second?.error).toMatch(/integration branch is missing/);
    expect(result.status).toBe("failed");
    expect(result.report.warnings.some((w) => w.startsWith("integration branch unusable"))).toBe(true);
  }, 60_000);
});
