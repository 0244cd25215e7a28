import { ExecutionPlan } from "@gadugi/interfaces";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const temp = useTempDirs();

/** Two prompts that share only CHANGELOG.md and package.json, which the built-in rules merge. */
async function repoWithHotspots(config: Record<string, unknown> = {}): Promise<TempRepo> {
  const prompt = (n: number) =>
    `# Feature ${n}\n\nCreate \`src/f${n}.js\`, add an entry to \`CHANGELOG.md\` and bump the version in \`package.json\`.\n`;
  return temp.track(
    await createTempRepo({
      files: {
        "package.json": '{ "name": "lib", "version": "1.0.0" }\n',
        "CHANGELOG.md": "# Changelog\n",
        "gadugi.config.json": JSON.stringify({
          agent: "echo",
          agents: { echo: { kind: "command", command: "node --version" } },
          ...config,
        }),
        "prompts/f1.md": prompt(1),
        "prompts/f2.md": prompt(2),
      },
    }),
  );
}

describe("merge rules on the command line", () => {
  it("gadugi analyze shows the hotspot edge with its rules; --no-merge-rules serializes as before", async () => {
    const repo = await repoWithHotspots();
    const withRules = await runCli(repo.dir, ["analyze", "prompts/f1.md", "prompts/f2.md"], {
      env: repo.env,
    });
    expect(withRules.code).toBe(0);
    expect(withRules.stdout).toContain("2 tasks in 1 level");
    expect(withRules.stdout).toContain(
      "f1 ~ f2  [hotspot] both write CHANGELOG.md (append-only), package.json (version), which merge rules merge; f1 and f2 may run at once",
    );
    const without = await runCli(
      repo.dir,
      ["analyze", "--no-merge-rules", "prompts/f1.md", "prompts/f2.md"],
      {
        env: repo.env,
      },
    );
    expect(without.stdout).toContain("2 tasks in 2 levels");
    expect(without.stdout).toContain("f1 → f2  [same-file]");
  });

  it("gadugi run --dry-run plans with the config's rules, and --no-merge-rules or mergeRules: false turn them off", async () => {
    const plan = async (repo: TempRepo, args: string[]) => {
      const result = await runCli(
        repo.dir,
        ["run", "--dry-run", "--json", ...args, "prompts/f1.md", "prompts/f2.md"],
        {
          env: repo.env,
        },
      );
      expect(result.code).toBe(0);
      return ExecutionPlan.parse(JSON.parse(result.stdout));
    };
    const repo = await repoWithHotspots();
    expect((await plan(repo, [])).levels).toHaveLength(1);
    expect((await plan(repo, ["--no-merge-rules"])).levels).toHaveLength(2);
    const off = await repoWithHotspots({ integration: { mergeRules: false } });
    expect((await plan(off, [])).levels).toHaveLength(2);
    const changelogOff = await repoWithHotspots({ integration: { mergeRules: { "CHANGELOG.md": "off" } } });
    expect((await plan(changelogOff, [])).edges.map((e) => e.kind)).toEqual(["same-file"]);
  });

  it("names a bad rule in the config by its key", async () => {
    const repo = await repoWithHotspots({ integration: { mergeRules: { "CHANGELOG.md": "union" } } });
    const result = await runCli(repo.dir, ["analyze", "prompts/f1.md", "prompts/f2.md"], { env: repo.env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      '- integration.mergeRules: CHANGELOG.md: expected append-only, version, keyed-map, lockfile, off, or { "rule": "version", "fields": [...] }',
    );
  });
});
