import { execFileSync } from "node:child_process";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createProcessRunner, GitClient } from "@gadugi/git";
import { GadugiConfig } from "@gadugi/interfaces";
import { MergeRuleTable } from "@gadugi/merge-rules";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { worktreeManager } from "./cleanup.js";
import { IntegrationBranch } from "./integration.js";
import { lockfileRegenerator } from "./lockfile-regen.js";
import type { RuleMerger } from "./merge-by-rules.js";

const temp = useTempDirs();
/** PATH with the workspace's pinned pnpm (installed into .tools/ by the bootstrap) first. */
const TOOLS_PATH = `${fileURLToPath(new URL("../../../.tools/node_modules/.bin", import.meta.url))}${delimiter}${process.env.PATH ?? ""}`;

/** Two branches from main's tip, each with its own commit of `files`. */
async function twoBranches(
  repo: TempRepo,
  a: Record<string, string>,
  b: Record<string, string>,
): Promise<string> {
  const base = await repo.git(["rev-parse", "HEAD"]);
  for (const [name, files] of [
    ["task-a", a],
    ["task-b", b],
  ] as const) {
    await repo.git(["checkout", "-q", "-b", name, base]);
    await repo.commit(`change on ${name}`, files);
  }
  await repo.git(["checkout", "-q", "main"]);
  return base;
}

function merger(
  repo: TempRepo,
  configured: ConstructorParameters<typeof MergeRuleTable>[0] = {},
): RuleMerger {
  const config = GadugiConfig.parse({});
  // file: dependencies only: the package managers need no registry, and must not ask one.
  const env = { ...repo.env, PATH: TOOLS_PATH, npm_config_offline: "true" };
  return {
    table: new MergeRuleTable(configured),
    regenerate: lockfileRegenerator({
      runId: "r1",
      worktrees: worktreeManager(repo.dir, config, env),
      runner: createProcessRunner(),
      env,
      logFile: join(repo.dir, ".gadugi", "merge-rules.log"),
      timeoutMs: 120_000,
      signal: new AbortController().signal,
    }),
  };
}

async function mergeBoth(repo: TempRepo, base: string, rules: RuleMerger) {
  const integration = new IntegrationBranch(
    new GitClient(repo.dir, { env: repo.env }),
    "gadugi/integration-r1",
  );
  await integration.ensure(base);
  const a = await integration.merge("task-a", "Merge task-a", { rules });
  const b = await integration.merge("task-b", "Merge task-b", { rules });
  return { a, b, tip: await integration.tip() };
}

const registry = (plugins: Record<string, string>) => `${JSON.stringify({ plugins }, null, 2)}\n`;

describe("IntegrationBranch with merge rules", () => {
  it("merges a registry JSON where each side added a different key, as the config says", async () => {
    const repo = temp.track(
      await createTempRepo({ files: { "registry.json": registry({ core: "./core.js" }) } }),
    );
    const base = await twoBranches(
      repo,
      { "registry.json": registry({ core: "./core.js", alpha: "./alpha.js" }) },
      { "registry.json": registry({ core: "./core.js", beta: "./beta.js" }) },
    );
    const statusBefore = await repo.git(["status", "--porcelain"]);
    const { b, tip } = await mergeBoth(repo, base, merger(repo, { "registry.json": "keyed-map" }));
    expect(b).toMatchObject({
      status: "merged",
      reason: "merged by rule: registry.json (keyed-map)",
      rules: [{ file: "registry.json", rule: "keyed-map", result: "applied" }],
    });
    expect(JSON.parse(await repo.git(["show", `${tip}:registry.json`]))).toEqual({
      plugins: { core: "./core.js", alpha: "./alpha.js", beta: "./beta.js" },
    });
    // A real merge commit of both, and the user's checkout and index untouched.
    expect(await repo.git(["rev-list", "--parents", "-n", "1", tip])).toContain(
      await repo.git(["rev-parse", "task-b"]),
    );
    expect(await repo.git(["status", "--porcelain"])).toBe(statusBefore);

    // Without the config's glob there is no rule for it: the conflict stands.
    const repo2 = temp.track(
      await createTempRepo({ files: { "registry.json": registry({ core: "./core.js" }) } }),
    );
    const base2 = await twoBranches(
      repo2,
      { "registry.json": registry({ core: "./core.js", alpha: "./alpha.js" }) },
      { "registry.json": registry({ core: "./core.js", beta: "./beta.js" }) },
    );
    expect((await mergeBoth(repo2, base2, merger(repo2))).b).toMatchObject({
      status: "conflict",
      conflictFiles: ["registry.json"],
    });
  });

  it("falls back to the conflict when both sides edit the same CHANGELOG line", async () => {
    const changelog = "# Changelog\n\n- first entry\n";
    const repo = temp.track(await createTempRepo({ files: { "CHANGELOG.md": changelog } }));
    const base = await twoBranches(
      repo,
      { "CHANGELOG.md": "# Changelog\n\n- first entry, fixed by a\n" },
      { "CHANGELOG.md": "# Changelog\n\n- first entry, fixed by b\n" },
    );
    const { a, b, tip } = await mergeBoth(repo, base, merger(repo));
    expect(a.status).toBe("merged");
    expect(b).toEqual({
      status: "conflict",
      conflictFiles: ["CHANGELOG.md"],
      reason:
        "merge conflict the merge rules did not resolve (CHANGELOG.md: append-only refused, both sides changed line 3 of the base; only added lines are merged by union)",
      rules: [
        {
          file: "CHANGELOG.md",
          rule: "append-only",
          result: "refused",
          reason: "both sides changed line 3 of the base; only added lines are merged by union",
        },
      ],
    });
    expect(tip).toBe(a.commit);
  });

  it("does not touch a conflict that also has a file no rule covers", async () => {
    const repo = temp.track(await createTempRepo({ files: { "CHANGELOG.md": "# C\n", "src/a.js": "1\n" } }));
    const base = await twoBranches(
      repo,
      { "CHANGELOG.md": "# C\n- a\n", "src/a.js": "2\n" },
      { "CHANGELOG.md": "# C\n- b\n", "src/a.js": "3\n" },
    );
    expect((await mergeBoth(repo, base, merger(repo))).b).toEqual({
      status: "conflict",
      conflictFiles: ["CHANGELOG.md", "src/a.js"],
      reason: "merge conflict",
    });
  });

  it.each([
    ["npm", "package-lock.json", ["install", "--package-lock-only", "--ignore-scripts", "--offline"]],
    ["pnpm", "pnpm-lock.yaml", ["install", "--lockfile-only", "--ignore-scripts", "--offline"]],
  ] as const)(
    "regenerates a conflicting lockfile with %s on the merged manifests",
    async (program, lockfile, args) => {
      const manifest = (deps: Record<string, string>) =>
        `${JSON.stringify({ name: "app", version: "1.0.0", dependencies: deps }, null, 2)}\n`;
      const repo = temp.track(
        await createTempRepo({
          files: {
            "package.json": manifest({}),
            "libs/a/package.json": '{ "name": "a", "version": "1.0.0" }\n',
            "libs/b/package.json": '{ "name": "b", "version": "2.0.0" }\n',
          },
        }),
      );
      const env = { ...process.env, ...repo.env, PATH: TOOLS_PATH };
      const lock = () => execFileSync(program, args, { cwd: repo.dir, env, stdio: "ignore" });
      lock();
      await repo.commit("lockfile");
      const lockFor = (deps: Record<string, string>) => {
        repo.write({ "package.json": manifest(deps) });
        lock();
        return { "package.json": manifest(deps), [lockfile]: repo.read(lockfile) };
      };
      const a = lockFor({ a: "file:libs/a" });
      const b = lockFor({ b: "file:libs/b" });
      await repo.git(["checkout", "-q", "--", "."]);
      const base = await twoBranches(repo, a, b);

      const merged = await mergeBoth(repo, base, merger(repo));
      expect(merged.b).toMatchObject({ status: "merged" });
      expect(merged.b.rules?.map((r) => [r.file, r.rule, r.result])).toEqual(
        [
          ["package.json", "version", "applied"],
          [lockfile, "lockfile", "applied"],
        ].sort(),
      );
      const applied = merged.b.rules?.find((r) => r.file === lockfile);
      expect(applied?.reason).toContain(`regenerated it with \`${program} install`);
      // Both sides' dependencies are in the regenerated lockfile.
      const text = await repo.git(["show", `${merged.tip}:${lockfile}`]);
      for (const dep of ["file:libs/a", "file:libs/b"]) expect(text).toContain(dep);
      // The throwaway checkout is gone; only the main worktree is left.
      expect((await repo.git(["worktree", "list"])).split("\n")).toHaveLength(1);
    },
    60_000,
  );

  it("skips a lockfile whose package manager is not installed, with the reason, and the conflict stands", async () => {
    const repo = temp.track(await createTempRepo({ files: { "uv.lock": "version = 1\n" } }));
    const base = await twoBranches(
      repo,
      { "uv.lock": "version = 1\n# a\n" },
      { "uv.lock": "version = 1\n# b\n" },
    );
    const rules = merger(repo);
    const noUv: RuleMerger = {
      table: rules.table,
      regenerate: lockfileRegenerator({
        runId: "r1",
        worktrees: worktreeManager(repo.dir, GadugiConfig.parse({}), repo.env),
        runner: createProcessRunner(),
        // A PATH with no uv on it: the package manager cannot be started.
        env: { ...repo.env, PATH: "/nonexistent" },
        logFile: join(repo.dir, ".gadugi", "merge-rules.log"),
        timeoutMs: 10_000,
        signal: new AbortController().signal,
      }),
    };
    const { b } = await mergeBoth(repo, base, noUv);
    expect(b).toMatchObject({
      status: "conflict",
      conflictFiles: ["uv.lock"],
      rules: [
        {
          file: "uv.lock",
          rule: "lockfile",
          result: "skipped",
          reason: "uv is not installed (not found on PATH), so uv.lock cannot be regenerated",
        },
      ],
    });
  });
});
