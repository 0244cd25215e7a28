import { GitClient } from "@gadugi/git";
import { createTempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { IntegrationBranch } from "./integration.js";

const temp = useTempDirs();

async function repoWithBranches() {
  const repo = temp.track(
    await createTempRepo({ files: { "a.txt": "a\n", "b.txt": "b\n", "shared.txt": "one\ntwo\nthree\n" } }),
  );
  const base = (await repo.git(["rev-parse", "HEAD"])).trim();
  const branch = async (name: string, files: Record<string, string>) => {
    await repo.git(["checkout", "-q", "-b", name, base]);
    await repo.commit(`change on ${name}`, files);
  };
  await branch("task-a", { "a.txt": "a changed\n" });
  await branch("task-b", { "b.txt": "b changed\n" });
  await branch("task-c", { "shared.txt": "one\nTWO from c\nthree\n" });
  await branch("task-d", { "shared.txt": "one\nTWO from d\nthree\n" });
  await repo.git(["checkout", "-q", "main"]);
  return { repo, base, git: new GitClient(repo.dir) };
}

describe("IntegrationBranch", () => {
  it("merges branches one after another without touching the checkout, index or uncommitted work", async () => {
    const { repo, base, git } = await repoWithBranches();
    repo.write({ "a.txt": "uncommitted edit\n", "new.txt": "untracked\n" });
    await repo.git(["add", "new.txt"]);
    const statusBefore = await repo.git(["status", "--porcelain"]);

    const integration = new IntegrationBranch(git, "gadugi/integration-r1");
    expect(await integration.ensure(base)).toBe(base);
    const [a, b] = await Promise.all([
      integration.merge("task-a", "Merge task-a"),
      integration.merge("task-b", "Merge task-b"),
    ]);
    expect(a.status).toBe("merged");
    expect(b.status).toBe("merged");

    const tip = await integration.tip();
    expect(await repo.git(["show", `${tip}:a.txt`])).toBe("a changed");
    expect(await repo.git(["show", `${tip}:b.txt`])).toBe("b changed");
    // Both merges are on the branch's first-parent history.
    expect((await repo.git(["rev-list", "--first-parent", "--count", `${base}..${tip}`])).trim()).toBe("2");

    expect(await repo.git(["status", "--porcelain"])).toBe(statusBefore);
    expect(repo.read("a.txt")).toBe("uncommitted edit\n");
    expect((await repo.git(["symbolic-ref", "--short", "HEAD"])).trim()).toBe("main");
  });

  it("leaves a conflicting branch out, names the files, and predicts the conflict beforehand", async () => {
    const { base, git } = await repoWithBranches();
    const integration = new IntegrationBranch(git, "gadugi/integration-r2");
    await integration.ensure(base);
    expect(await integration.merge("task-c", "Merge task-c")).toMatchObject({ status: "merged" });
    const tipAfterC = await integration.tip();

    expect(await integration.predict("task-d")).toMatchObject({
      status: "conflict",
      conflictFiles: ["shared.txt"],
    });
    const d = await integration.merge("task-d", "Merge task-d");
    expect(d).toMatchObject({ status: "conflict", conflictFiles: ["shared.txt"] });
    expect(await integration.tip()).toBe(tipAfterC);
  });

  it("does not merge a branch twice", async () => {
    const { base, git } = await repoWithBranches();
    const integration = new IntegrationBranch(git, "gadugi/integration-r3");
    await integration.ensure(base);
    await integration.merge("task-a", "Merge task-a");
    const tip = await integration.tip();
    expect(await integration.merge("task-a", "Merge task-a again")).toMatchObject({
      status: "skipped",
      commit: tip,
    });
    expect(await integration.tip()).toBe(tip);
  });

  it("counts a task's commits found on the integration branch as merged (a merge a crash left unjournaled)", async () => {
    const { base, git } = await repoWithBranches();
    const integration = new IntegrationBranch(git, "gadugi/integration-r6");
    await integration.ensure(base);
    await integration.merge("task-a", "Merge task-a");
    const tip = await integration.tip();
    expect(await integration.merge("task-a", "Merge task-a again", { taskBase: base })).toMatchObject({
      status: "merged",
      commit: tip,
      reason: "already on the integration branch (merged before the run was interrupted)",
    });
    expect(await integration.tip()).toBe(tip);
    // A task without commits of its own is still a skip.
    await git.raw(["branch", "empty-task", base]);
    expect(await integration.merge("empty-task", "Merge empty", { taskBase: base })).toMatchObject({
      status: "skipped",
    });
  });

  it("keeps an existing integration branch on ensure (resume)", async () => {
    const { base, git } = await repoWithBranches();
    const integration = new IntegrationBranch(git, "gadugi/integration-r4");
    await integration.ensure(base);
    await integration.merge("task-a", "Merge task-a");
    const tip = await integration.tip();
    expect(await new IntegrationBranch(git, "gadugi/integration-r4").ensure(base)).toBe(tip);
  });

  it("reports pairwise conflicts among finished branches early", async () => {
    const { git } = await repoWithBranches();
    const integration = new IntegrationBranch(git, "gadugi/integration-r5");
    const conflicts = await integration.predictPairwise(["task-a", "task-c", "task-d"]);
    expect(conflicts).toEqual([{ a: "task-c", b: "task-d", files: ["shared.txt"] }]);
  });
});
