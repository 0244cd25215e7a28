import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();

describe("detached checkouts", () => {
  it("checks out a commit detached, moves an existing checkout, and removes it", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const first = await repo.commit("one", { "v.txt": "1\n" });
    const second = await repo.commit("two", { "v.txt": "2\n" });
    // Made in parallel with task worktrees: both take the same lock, neither fails.
    const [dir] = await Promise.all([
      manager.checkoutDetached("integration-r1", first),
      manager.create({ runId: "r1", taskId: "task-a", slug: "a" }),
      manager.create({ runId: "r1", taskId: "task-b", slug: "b" }),
    ]);
    expect(dir).toBe(path.join(repo.dir, ".worktrees", "integration-r1"));
    expect(readFileSync(path.join(dir, "v.txt"), "utf8")).toBe("1\n");
    expect((await repo.git(["-C", dir, "rev-parse", "HEAD"])).trim()).toBe(first);
    expect((await repo.git(["-C", dir, "branch", "--show-current"])).trim()).toBe("");

    expect(await manager.checkoutDetached("integration-r1", second)).toBe(dir);
    expect(readFileSync(path.join(dir, "v.txt"), "utf8")).toBe("2\n");
    // Not a task worktree: no record, so list and cleanup leave it to its owner.
    expect((await manager.records()).map((r) => r.taskId).sort()).toEqual(["task-a", "task-b"]);

    await manager.removeDetached("integration-r1");
    expect(existsSync(dir)).toBe(false);
    expect(await repo.git(["worktree", "list"])).not.toContain("integration-r1");
    await manager.removeDetached("integration-r1"); // gone already: nothing to do
  });

  it("refuses a name that is not one path segment", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const head = (await repo.git(["rev-parse", "HEAD"])).trim();
    for (const name of ["../outside", "a/b", ".hidden", ""]) {
      const error = await manager.checkoutDetached(name, head).catch((e: unknown) => e);
      expect(GadugiError.is(error, "GADUGI_INVALID_ARGUMENT"), name).toBe(true);
    }
    expect(existsSync(path.join(repo.dir, "outside"))).toBe(false);
  });
});
