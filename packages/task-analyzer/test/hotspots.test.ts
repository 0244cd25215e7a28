import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { type AnalyzeOptions, analyze, renderPlanTable } from "../src/index.js";

const NOW = new Date("2025-08-01T14:30:22Z");
const temp = useTempDirs();

/** Prompt `n` adds a CHANGELOG entry, bumps the version in package.json and writes its own module. */
function hotspotPrompt(n: number, extra = ""): string {
  return `# Feature ${n}\n\nCreate \`src/feature${n}.js\`, add an entry for it to \`CHANGELOG.md\` and bump the version in \`package.json\`.${extra}\n`;
}

async function repoWithPrompts(count: number, extra: (n: number) => string = () => ""): Promise<TempRepo> {
  const prompts = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `prompts/feature${i + 1}.md`,
      hotspotPrompt(i + 1, extra(i + 1)),
    ]),
  );
  return temp.track(
    await createTempRepo({
      files: {
        "package.json": '{ "name": "lib", "version": "1.0.0" }\n',
        "CHANGELOG.md": "# Changelog\n",
        "src/shared.js": "export const shared = 1;\n",
        ...prompts,
      },
    }),
  );
}

const promptFiles = (count: number) => Array.from({ length: count }, (_, i) => `prompts/feature${i + 1}.md`);
const run = (repo: TempRepo, count: number, options: Partial<AnalyzeOptions> = {}) =>
  analyze({ repoRoot: repo.dir, promptFiles: promptFiles(count), now: NOW, idSalt: "hot", ...options });

describe("hotspot files in the plan", () => {
  it("lets tasks whose only shared files merge by rule run at once, with soft hotspot edges saying why", async () => {
    const repo = await repoWithPrompts(6);
    const { plan } = await run(repo, 6);
    expect(plan.levels).toHaveLength(1);
    expect(plan.levels[0]).toHaveLength(6);
    expect(plan.recommendedParallelism).toBe(6);
    expect(plan.criticalPath).toHaveLength(1);
    expect(plan.tasks.every((t) => t.dependencies.length === 0)).toBe(true);
    // One edge per pair, none of them hard.
    expect(plan.edges).toHaveLength(15);
    const slug = new Map(plan.tasks.map((t) => [t.id, t.slug]));
    const first = plan.edges[0];
    expect({ ...first, from: slug.get(first?.from ?? ""), to: slug.get(first?.to ?? "") }).toEqual({
      from: "feature1",
      to: "feature2",
      kind: "hotspot",
      hard: false,
      reason:
        "both write CHANGELOG.md (append-only), package.json (version), which merge rules merge; feature1 and feature2 may run at once",
      files: ["CHANGELOG.md", "package.json"],
      rules: { "CHANGELOG.md": "append-only", "package.json": "version" },
    });
    expect(renderPlanTable(plan)).toContain("Shared files merged by rule (the tasks run at once):");
  });

  it("serializes them as before with the rules turned off", async () => {
    const repo = await repoWithPrompts(6);
    const { plan } = await run(repo, 6, { mergeRules: false });
    expect(plan.levels).toHaveLength(6);
    expect(plan.criticalPath).toHaveLength(6);
    expect(plan.recommendedParallelism).toBe(1);
    expect(plan.edges.every((e) => e.kind === "same-file" && e.hard)).toBe(true);
  });

  it("keeps a hard edge when a shared file has no rule, and takes globs from the config", async () => {
    const repo = await repoWithPrompts(2, () => " Also update `src/shared.js`.");
    const { plan } = await run(repo, 2);
    expect(plan.levels).toHaveLength(2);
    expect(plan.edges.map((e) => [e.kind, e.files])).toEqual([
      ["same-file", ["CHANGELOG.md", "package.json", "src/shared.js"]],
    ]);
    const configured = await run(repo, 2, { mergeRules: { "src/shared.js": "append-only" } });
    expect(configured.plan.levels).toHaveLength(1);
    const off = await run(repo, 2, { mergeRules: { "CHANGELOG.md": "off", "src/shared.js": "append-only" } });
    expect(off.plan.edges.map((e) => e.kind)).toEqual(["same-file"]);
  });
});

describe("a shared documentation file without a rule", () => {
  it("warns that it alone serializes the tasks and names the rule that would let them run at once", async () => {
    const repo = await repoWithPrompts(3, () => " Also update `README.md`'s list of features.");
    repo.write({ "README.md": "# lib\n" });
    await repo.commit("readme");
    const { plan } = await run(repo, 3);
    expect(plan.levels).toHaveLength(3);
    const hints = plan.warnings.filter((w) => w.message.startsWith("README.md alone"));
    expect(hints).toEqual([
      {
        message:
          'README.md alone makes 3 tasks wait for each other (3 same-file edges: feature1, feature2, feature3); no merge rule covers it. If they only add to it, "README.md": "append-only" in integration.mergeRules lets them run at once.',
      },
    ]);
    // Taking the advice: one level. Turning it off, or all rules, is a choice: no warning.
    expect((await run(repo, 3, { mergeRules: { "README.md": "append-only" } })).plan.levels).toHaveLength(1);
    for (const mergeRules of [{ "README.md": "off" } as const, false as const]) {
      const quiet = await run(repo, 3, { mergeRules });
      expect(quiet.plan.warnings.filter((w) => w.message.includes("mergeRules"))).toEqual([]);
    }
  });

  it("suggests nothing for a shared source file: code is no union", async () => {
    const repo = await repoWithPrompts(3, () => " Also update `src/shared.js`.");
    const { plan } = await run(repo, 3);
    expect(plan.levels).toHaveLength(3);
    expect(plan.warnings.filter((w) => w.message.includes("mergeRules"))).toEqual([]);
  });
});
