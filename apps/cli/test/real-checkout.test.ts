import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runCli, treeDigest } from "./run-cli.js";

const temp = useTempDirs();

/** The built CLI with no git identity anywhere: HOME is empty (repo.env) and no GIT_* variables pass. */
function gadugi(cwd: string, args: string[], env: Record<string, string>) {
  return runCli(cwd, args, { env, withoutEnv: /^GIT_|^EMAIL$/ });
}

/**
 * The task's agent: writes `src/<task>.js` and a test for it relative to `$PWD` (as OpenCode
 * does), and then either leaves the work uncommitted or commits it itself with `git add -A`.
 */
const AGENT = `
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const prompt = readFileSync(process.argv[2], "utf8");
const name = /src\\/(\\w+)\\.js/.exec(prompt)[1];
const here = process.env.PWD;
mkdirSync(join(here, "src"), { recursive: true });
mkdirSync(join(here, "test"), { recursive: true });
writeFileSync(join(here, "src", name + ".js"), "export const " + name + " = 1;\\n");
writeFileSync(join(here, "test", name + ".test.js"),
  'import assert from "node:assert/strict";\\nimport { test } from "node:test";\\nimport { ' + name + ' } from "../src/' + name + '.js";\\ntest("' + name + '", () => assert.equal(' + name + ', 1));\\n');
const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: here }).length > 0;
if (prompt.includes("Commit it yourself") && dirty) {
  execFileSync("git", ["add", "-A"], { cwd: here });
  execFileSync("git", ["commit", "-q", "-m", "agent: " + name], { cwd: here });
}
console.log("done " + name);
`;

/** The real git, so the fake one can hand everything but its version to it. */
function gitPath(): string {
  return execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
}

function indexDigest(repo: TempRepo): string {
  return createHash("sha256")
    .update(readFileSync(join(repo.dir, ".git", "index")))
    .digest("hex");
}

async function developerCheckout(): Promise<TempRepo> {
  const config = {
    agent: "dev",
    agents: { dev: { kind: "command", command: ["node", "tools/agent.mjs", "{prompt_file}"] } },
    setup: { reuseNodeModules: true },
    workflow: { testCommand: ["node", "--test"] },
    integration: { testCommand: "node --test" },
  };
  const prompt = (title: string, file: string, extra = "") =>
    `# ${title}\n\n## Overview\nCreate \`src/${file}.js\` exporting \`${file}\`, and \`test/${file}.test.js\`.${extra}\n`;
  const repo = temp.track(
    await createTempRepo({
      identity: false,
      files: {
        ".gitignore": ".env\nnode_modules/\n",
        ".worktreeinclude": ".env\n",
        "package.json": '{ "name": "app", "private": true, "type": "module", "version": "1.0.0" }\n',
        "package-lock.json": '{ "name": "app", "lockfileVersion": 3, "packages": {} }\n',
        "src/base.js": "export const base = 1;\n",
        "test/base.test.js":
          'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { base } from "../src/base.js";\ntest("base", () => assert.equal(base, 1));\n',
        "tools/agent.mjs": AGENT,
        "gadugi.config.json": `${JSON.stringify(config, null, 2)}\n`,
        "prompts/alpha.md": prompt("Alpha module", "alpha"),
        "prompts/beta.md": prompt("Beta module", "beta", " Commit it yourself."),
      },
    }),
  );
  // A developer's checkout: a feature branch, installed dependencies, a secret, work in progress.
  await repo.git(["checkout", "-q", "-b", "feature/login"]);
  await repo.commit("login page", { "src/login.js": "export const login = true;\n" });
  mkdirSync(join(repo.dir, "node_modules", "left-pad"), { recursive: true });
  writeFileSync(join(repo.dir, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
  writeFileSync(join(repo.dir, ".env"), "API_KEY=sk-live-secret\n");
  writeFileSync(join(repo.dir, "src", "base.js"), "export const base = 1; // work in progress\n");
  writeFileSync(join(repo.dir, "scratch.txt"), "untracked notes\n");
  return repo;
}

describe("a real developer checkout", () => {
  it("runs the same prompts twice with no git identity: every task merged, nothing secret committed, the user's tree untouched", async () => {
    const repo = await developerCheckout();
    const before = {
      tree: treeDigest(repo.dir),
      status: await repo.git(["status", "--porcelain=v1", "--untracked-files=all"]),
      head: await repo.git(["rev-parse", "HEAD"]),
      branch: await repo.git(["symbolic-ref", "HEAD"]),
      index: indexDigest(repo),
    };

    const runs: string[] = [];
    for (const attempt of [1, 2]) {
      const result = await gadugi(repo.dir, ["run", "prompts/*.md", "--json"], repo.env);
      expect(result.code, `run ${attempt}:\n${result.stdout.slice(-3000)}\n${result.stderr}`).toBe(0);
      const last = JSON.parse(result.stdout.trim().split("\n").at(-1) as string);
      const report = last.report;
      runs.push(report.runId);
      expect(report.status).toBe("completed");
      expect(report.tasks.map((t: { merge?: { status: string } }) => t.merge?.status)).toEqual([
        "merged",
        "merged",
      ]);
      expect(report.warnings.join("\n")).toMatch(/no user\.name\/user\.email/);
      // Nothing secret or generated on the integration branch; the agents' work is.
      const files = (await repo.git(["ls-tree", "-r", "--name-only", report.integrationBranch])).split("\n");
      expect(files).toEqual(expect.arrayContaining(["src/alpha.js", "src/beta.js", "src/login.js"]));
      expect(files.filter((f) => /(^|\/)(\.env|node_modules)($|\/)/.test(f))).toEqual([]);
      expect(await repo.git(["show", `${report.integrationBranch}:src/base.js`])).toBe(
        "export const base = 1;",
      );
      // The agent that committed itself did so with the fallback identity.
      const authors = await repo.git([
        "log",
        "--format=%an <%ae>",
        `feature/login..${report.integrationBranch}`,
      ]);
      expect(authors).toContain("Gadugi <gadugi@localhost>");
    }

    // The second run got branches of its own; the first run's are untouched.
    const branches = (await repo.git(["branch", "--list", "gadugi/*", "--format=%(refname:short)"])).split(
      "\n",
    );
    expect(branches).toEqual(
      expect.arrayContaining(["gadugi/alpha", "gadugi/alpha-2", "gadugi/beta", "gadugi/beta-2"]),
    );

    // The user's checkout is byte-identical: files, index, status, HEAD, branch.
    expect(indexDigest(repo)).toBe(before.index);
    expect(treeDigest(repo.dir)).toEqual(before.tree);
    expect(await repo.git(["status", "--porcelain=v1", "--untracked-files=all"])).toBe(before.status);
    expect(await repo.git(["rev-parse", "HEAD"])).toBe(before.head);
    expect(await repo.git(["symbolic-ref", "HEAD"])).toBe(before.branch);

    // Merged branches go with --delete-branches, no force needed.
    const cleanup = await gadugi(
      repo.dir,
      ["cleanup", runs[0] as string, "--delete-branches", "--json"],
      repo.env,
    );
    expect(cleanup.code, cleanup.stderr).toBe(0);
    const entries = JSON.parse(cleanup.stdout).entries as { branch: string; branchDeleted: boolean }[];
    // In the order the parallel tasks registered their worktrees: compared as a set.
    expect(entries.map((e) => [e.branch, e.branchDeleted]).sort()).toEqual([
      ["gadugi/alpha", true],
      ["gadugi/beta", true],
    ]);
  }, 120_000);

  it("refuses a git older than 2.38 before anything runs, with the hint", async () => {
    const repo = await developerCheckout();
    const bin = temp.dir();
    // git 2.34 (Ubuntu 22.04): everything works but `merge-tree --write-tree`, which merges need.
    writeFileSync(
      join(bin, "git"),
      `#!/bin/sh\nif [ "$1" = "version" ] || [ "$1" = "--version" ]; then echo "git version 2.34.1"; exit 0; fi\nexec ${gitPath()} "$@"\n`,
    );
    chmodSync(join(bin, "git"), 0o755);
    const before = await repo.git(["for-each-ref", "--format=%(refname)"]);
    for (const args of [
      ["run", "prompts/*.md"],
      ["run", "--dry-run", "prompts/*.md"],
    ]) {
      const result = await gadugi(repo.dir, args, { ...repo.env, PATH: `${bin}:${process.env.PATH}` });
      expect(result.code, result.stderr).toBe(4);
      expect(result.stderr).toContain("GADUGI_GIT_TOO_OLD");
      expect(result.stderr).toContain("git 2.34.1 is installed; Gadugi needs git 2.38 or newer");
      expect(result.stderr).toMatch(/hint: Install a newer git/);
    }
    expect(existsSync(join(repo.dir, ".gadugi"))).toBe(false);
    expect(await repo.git(["for-each-ref", "--format=%(refname)"])).toBe(before);
  });

  it("prints a failed step with its hint: a uv project without uv names setup.skipMissingUv", async () => {
    const repo = temp.track(
      await createTempRepo({
        files: {
          "pyproject.toml": '[project]\nname = "pkg"\nversion = "0.1.0"\n',
          "uv.lock": "version = 1\n",
          "src/pkg/__init__.py": "",
          "tools/agent.mjs": AGENT,
          "gadugi.config.json": JSON.stringify({
            agent: "dev",
            agents: { dev: { kind: "command", command: ["node", "tools/agent.mjs", "{prompt_file}"] } },
          }),
          "prompts/alpha.md": "# Alpha\n\nCreate `src/alpha.js`.\n",
        },
      }),
    );
    // Only node's and git's directories: no uv.
    const path = [join(process.execPath, ".."), join(gitPath(), "..")].join(":");
    const result = await gadugi(repo.dir, ["run", "prompts/alpha.md"], { ...repo.env, PATH: path });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /`uv` is not installed or not on PATH\. \(hint: Install uv .*set setup\.skipMissingUv/,
    );
  });
});
