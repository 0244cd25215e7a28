import { readdirSync } from "node:fs";
import { join } from "node:path";
import { GitClient } from "@gadugi/git";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { createSampleRepo } from "./sample.js";

const temp = useTempDirs();

describe("createSampleRepo", () => {
  it("creates a committed repository with eight prompts, on main, without a git identity", async () => {
    const dir = join(temp.dir(), "sample");
    const sample = await createSampleRepo(dir);
    expect(sample.promptFiles).toHaveLength(8);
    const git = new GitClient(dir, {
      env: { HOME: temp.dir(), GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    });
    expect(await git.currentBranch()).toBe("main");
    expect(await git.isDirty()).toBe(false);
    expect(await git.lsFiles()).toContain("tools/sample-agent.mjs");
  });

  it("refuses a directory that is not empty", async () => {
    const dir = temp.dir();
    await createSampleRepo(join(dir, "one"));
    await expect(createSampleRepo(join(dir, "one"))).rejects.toMatchObject({
      code: "GADUGI_INVALID_ARGUMENT",
    });
    expect(readdirSync(join(dir, "one"))).toContain("prompts");
  });
});
