import { execFileSync } from "node:child_process";
import { useTempDirs } from "@gadugi/test-utils";
import { WorktreeManager } from "@gadugi/worktree-manager";
import { describe, expect, it } from "vitest";
import { createHarness, phaseOf, TASK_ID } from "./test-helpers/index.js";

const temp = useTempDirs();

describe("branch_creation verifies where the task branch starts", () => {
  it("records the start point, the head and the verification", async () => {
    const h = await createHarness(temp, { github: "none" });
    const main = (await h.repo.git(["rev-parse", "main"])).trim();
    const state = await h.run({ startPoint: main });
    expect(state.status).toBe("completed");
    expect(phaseOf(state, "branch_creation").data).toMatchObject({
      branch: "gadugi/feature-two",
      startPoint: main,
      plannedStartPoint: main,
      head: main,
      verified: true,
      commitsAhead: 0,
    });
  });

  it("fails the task when the branch was set up from another commit than the plan said", async () => {
    const h = await createHarness(temp, { github: "none" });
    const older = (await h.repo.git(["rev-parse", "main"])).trim();
    const planned = await h.repo.commit("newer work on main", { "src/newer.ts": "export const n = 1;\n" });
    const real = new WorktreeManager({ repoRoot: h.repo.dir, env: h.repo.env });
    // A worktree manager that ignores the start point it was given.
    const worktrees = {
      create: (req: Parameters<WorktreeManager["create"]>[0]) => real.create({ ...req, baseRef: older }),
    };
    const state = await h.run({ startPoint: planned }, h.createManager({ worktrees }));
    expect(state.status).toBe("failed");
    expect(state.error).toBe(
      `branch_creation failed: the task branch was set up from ${older.slice(0, 12)}, but the plan said it starts at ${planned} (${planned.slice(0, 12)})`,
    );
    expect(phaseOf(state, "branch_creation").data).toMatchObject({ verified: false, head: older });
    expect(state.phases.some((p) => p.phase === "implementation")).toBe(false);
  });

  it("says whether the worktree left the task branch or the branch is gone", async () => {
    const run = async (commands: string[][]) => {
      const h = await createHarness(temp, { github: "none", config: { setup: { commands } } });
      const state = await h.run();
      expect(state.status).toBe("failed");
      expect(phaseOf(state, "branch_creation").status).toBe("failed");
      return state.error ?? "";
    };
    expect(await run([["git", "checkout", "-q", "--detach"]])).toMatch(
      /^branch_creation failed: the worktree .+ is on a detached HEAD, not on the task branch gadugi\/feature-two$/,
    );
    expect(await run([["git", "checkout", "-q", "-b", "elsewhere"]])).toMatch(
      /is on branch elsewhere, not on the task branch gadugi\/feature-two$/,
    );
    expect(
      await run([
        ["git", "checkout", "-q", "--detach"],
        ["git", "branch", "-q", "-D", "gadugi/feature-two"],
      ]),
    ).toBe("branch_creation failed: the task branch gadugi/feature-two does not exist");
  });

  it("fails on a foreign commit on the branch before the task's work began", async () => {
    const h = await createHarness(temp, {
      github: "none",
      config: { setup: { commands: [["git", "commit", "--allow-empty", "-qm", "not the task's"]] } },
    });
    const state = await h.run();
    expect(state.status).toBe("failed");
    expect(state.error).toMatch(
      /^branch_creation failed: gadugi\/feature-two holds 1 commit\(s\) that are not on its start point [0-9a-f]{12} and not the task's own work: [0-9a-f]{12}$/,
    );
    expect(phaseOf(state, "branch_creation").data.verified).toBe(false);
  });

  it("on a resume, accepts the task's own earlier commits and refuses older foreign ones", async () => {
    const h = await createHarness(temp, { github: "none" });
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
    const saved = await h.state.loadTask(h.runId, TASK_ID);
    // As if branch_creation were still to run while the implementation's commit is on the branch.
    const resume = { ...saved, phases: saved.phases.filter((p) => p.phase !== "branch_creation") };
    const second = await h.run({ resume });
    expect(second.status).toBe("completed");
    const branch = phaseOf(second, "branch_creation").data;
    expect(branch).toMatchObject({ verified: true, commitsAhead: 1, startPoint: saved.baseCommit });

    // A commit dated before the task began is not its own.
    const old = "2001-01-01T00:00:00Z";
    execFileSync("git", ["commit", "--allow-empty", "-qm", "foreign"], {
      cwd: h.worktree(),
      env: { ...process.env, ...h.repo.env, GIT_COMMITTER_DATE: old, GIT_AUTHOR_DATE: old },
    });
    const again = await h.state.loadTask(h.runId, TASK_ID);
    const third = await h.run({
      resume: { ...again, phases: again.phases.filter((p) => p.phase === "setup") },
    });
    expect(third.status).toBe("failed");
    expect(third.error).toMatch(
      /holds 1 commit\(s\) that are not on its start point .* not the task's own work/,
    );
  });

  it("verifies again on a restart that the branch now starts at the restart's start point", async () => {
    const h = await createHarness(temp, { github: "none" });
    const done = await h.run();
    expect(done.status).toBe("completed");
    const merged = await h.repo.commit("merged work of another task", {
      "src/other.ts": "export const o = 1;\n",
    });
    const redo = await h.run({
      resume: await h.state.loadTask(h.runId, TASK_ID),
      restart: { startPoint: merged, reason: "conflict in src/feature.ts" },
    });
    expect(redo.status, redo.error).toBe("completed");
    expect(phaseOf(redo, "branch_creation").data).toMatchObject({
      startPoint: merged,
      plannedStartPoint: merged,
      head: merged,
      verified: true,
    });
  });

  it("a resume does not make a branch set up from a commit off the plan's line pass", async () => {
    const h = await createHarness(temp, { github: "none" });
    const planned = (await h.repo.git(["rev-parse", "main"])).trim();
    await h.repo.git(["checkout", "-q", "-b", "elsewhere"]);
    const foreign = await h.repo.commit("work that is not on main", {
      "src/foreign.ts": "export const f = 1;\n",
    });
    await h.repo.git(["checkout", "-q", "main"]);
    const real = new WorktreeManager({ repoRoot: h.repo.dir, env: h.repo.env });
    const worktrees = {
      create: (req: Parameters<WorktreeManager["create"]>[0]) => real.create({ ...req, baseRef: foreign }),
    };
    const first = await h.run({ startPoint: planned }, h.createManager({ worktrees }));
    expect(first.status).toBe("failed");
    const resumed = await h.run({ startPoint: planned, resume: await h.state.loadTask(h.runId, TASK_ID) });
    expect(resumed.status).toBe("failed");
    expect(resumed.error).toContain(
      `set up from ${foreign.slice(0, 12)}, but the plan said it starts at ${planned}`,
    );
  });
});
