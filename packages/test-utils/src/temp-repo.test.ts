import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { createTempDir, useTempDirs } from "./temp-dir.js";
import { createTempRepo, TEST_IDENTITY } from "./temp-repo.js";

const temp = useTempDirs();

describe("createTempRepo", () => {
  it("creates a repo on main with the files committed", async () => {
    const repo = temp.track(
      await createTempRepo({ files: { "README.md": "# hi\n", "src/a.ts": "export const a = 1;\n" } }),
    );
    expect(readFileSync(join(repo.dir, "src/a.ts"), "utf8")).toBe("export const a = 1;\n");
    expect(await repo.git(["rev-parse", "--abbrev-ref", "HEAD"])).toBe("main");
    expect(await repo.git(["ls-files"])).toBe("README.md\nsrc/a.ts");
    expect(await repo.git(["log", "--format=%an <%ae>|%s"])).toBe(
      `${TEST_IDENTITY.name} <${TEST_IDENTITY.email}>|initial commit`,
    );
    expect(await repo.git(["status", "--porcelain"])).toBe("");
  });

  it("applies further commits in order and deletes files given null", async () => {
    const repo = temp.track(
      await createTempRepo({
        files: { "a.txt": "a" },
        commits: [
          { message: "add b", files: { "b.txt": "b" } },
          { message: "drop a", files: { "a.txt": null } },
        ],
        branch: "trunk",
      }),
    );
    expect(await repo.git(["log", "--format=%s"])).toBe("drop a\nadd b\ninitial commit");
    expect(await repo.git(["branch", "--show-current"])).toBe("trunk");
    expect(existsSync(join(repo.dir, "a.txt"))).toBe(false);
    const sha = await repo.commit("edit b", { "b.txt": "bb" });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(repo.read("b.txt")).toBe("bb");
  });

  it("leaves git without any identity when identity is false", async () => {
    const repo = temp.track(await createTempRepo({ identity: false, files: { "a.txt": "a" } }));
    const name = await execa("git", ["config", "user.name"], {
      cwd: repo.dir,
      env: repo.env,
      reject: false,
      stdin: "ignore",
    });
    expect(name.exitCode).toBe(1);
    expect(await repo.git(["log", "--format=%s"])).toBe("initial commit");
  });
});

describe("temp dirs", () => {
  let fromFirstTest = "";

  it("creates a real, empty directory", () => {
    fromFirstTest = temp.dir("gadugi-x-");
    expect(existsSync(fromFirstTest)).toBe(true);
  });

  it("removes it after the test that made it", () => {
    expect(fromFirstTest).not.toBe("");
    expect(existsSync(fromFirstTest)).toBe(false);
  });

  it("cleans up on demand", () => {
    const dir = createTempDir();
    dir.cleanup();
    expect(existsSync(dir.path)).toBe(false);
  });
});
