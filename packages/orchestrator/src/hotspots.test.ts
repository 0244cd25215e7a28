import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { Orchestrator, runFiles } from "./engine.js";

const temp = useTempDirs();

/**
 * A command agent doing what each "Feature N" prompt asks: a CHANGELOG entry under Unreleased,
 * the package version bumped to 1.0.N, its own module; nothing for the other phases' prompts.
 */
const AGENT = `import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
const prompt = readFileSync(process.argv[2], "utf8");
const title = /^# (.+)$/m.exec(prompt)?.[1] ?? "";
const n = /^Task: Feature (\\d+)$/.exec(title)?.[1];
if (n === undefined) process.exit(0);
const log = readFileSync("CHANGELOG.md", "utf8");
if (log.includes(\`- Feature \${n}\\n\`)) process.exit(0);
writeFileSync("CHANGELOG.md", log.replace("## Unreleased\\n\\n", \`## Unreleased\\n\\n- Feature \${n}\\n\`));
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
pkg.version = \`1.0.\${n}\`;
writeFileSync("package.json", \`\${JSON.stringify(pkg, null, 2)}\\n\`);
writeFileSync(\`src/feature\${n}.js\`, \`export const feature\${n} = \${n};\\n\`);
execFileSync("git", ["add", "-A", "CHANGELOG.md", "package.json", "src"]);
execFileSync("git", ["commit", "-q", "-m", title]);
`;

const prompt = (n: number) =>
  `# Feature ${n}\n\n## Overview\nCreate \`src/feature${n}.js\`, add an entry for it to \`CHANGELOG.md\` and bump the version in \`package.json\`.\n`;

describe("hotspot files merged by rule", () => {
  it("runs six tasks sharing CHANGELOG.md and package.json at once and merges all six without a re-run", async () => {
    const prompts = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`prompts/f${i + 1}.md`, prompt(i + 1)]),
    );
    const repo = temp.track(
      await createTempRepo({
        files: {
          "package.json": `${JSON.stringify({ name: "lib", version: "1.0.0", private: true, type: "module" }, null, 2)}\n`,
          "CHANGELOG.md": "# Changelog\n\n## Unreleased\n\n## 1.0.0\n\n- First release\n",
          "src/index.js": "export {};\n",
          "test/ok.test.js": 'import { test } from "node:test";\ntest("ok", () => {});\n',
          "tools/agent.mjs": AGENT,
          "gadugi.config.json": JSON.stringify({
            agent: "features",
            maxParallel: 6,
            agents: { features: { kind: "command", command: ["node", "tools/agent.mjs", "{prompt_file}"] } },
            workflow: { testCommand: "node --test" },
          }),
          ...prompts,
        },
      }),
    );
    const result = await new Orchestrator({ repoRoot: repo.dir, github: false, env: repo.env }).run({
      promptFiles: Object.keys(prompts),
    });

    expect(result.plan.levels).toHaveLength(1);
    expect(result.plan.edges.every((e) => e.kind === "hotspot" && !e.hard)).toBe(true);
    // Each task's outcome with its error and merge reason, so a failure says what went wrong.
    expect(
      result.report.tasks.map((t) => ({
        status: t.status,
        attempts: t.attempts,
        merge: t.merge?.status,
        error: t.error,
        why: t.merge?.status === "merged" ? undefined : t.merge?.reason,
      })),
    ).toEqual(
      Array.from({ length: 6 }, () => ({
        status: "completed",
        attempts: 1,
        merge: "merged",
        error: undefined,
        why: undefined,
      })),
    );
    expect(result.status).toBe("completed");
    // No task went back to the queue for a conflict re-run.
    const journal = readFileSync(join(runFiles(repo.dir, result.runId).dir, "events.jsonl"), "utf8");
    expect(journal).not.toContain("re-run:");

    const tip = result.report.integrationCommit as string;
    const changelog = await repo.git(["show", `${tip}:CHANGELOG.md`]);
    for (let n = 1; n <= 6; n++) expect(changelog).toContain(`- Feature ${n}\n`);
    expect(changelog).toMatch(/## Unreleased\n\n(- Feature \d\n){6}## 1\.0\.0\n\n- First release$/);
    expect(JSON.parse(await repo.git(["show", `${tip}:package.json`])).version).toBe("1.0.6");
    for (let n = 1; n <= 6; n++)
      expect(await repo.git(["show", `${tip}:src/feature${n}.js`])).toContain(`${n}`);

    // The first merge is clean; each later one resolved both hotspot files by rule, as reported.
    const applied = result.report.tasks.flatMap((t) => t.merge?.rules ?? []);
    expect(
      applied.filter((r) => r.file === "CHANGELOG.md" && r.rule === "append-only" && r.result === "applied"),
    ).toHaveLength(5);
    expect(
      applied.filter((r) => r.file === "package.json" && r.rule === "version" && r.result === "applied"),
    ).toHaveLength(5);
    const markdown = readFileSync(runFiles(repo.dir, result.runId).reportMarkdown, "utf8");
    expect(markdown).toContain("## Merge rules");
    expect(markdown).toMatch(
      /\| CHANGELOG\.md \| append-only \| applied \| union of both sides' added lines/,
    );
    expect(result.report.integrationTests?.ok).toBe(true);
  }, 120_000);
});
