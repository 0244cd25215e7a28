import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent, RunReport } from "@gadugi/interfaces";
import { createTempRepo, fixturePath, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

// A run's budget, end to end through the built CLI: a fake `claude` replays a real capture
// (claude-tool-allowed: usage streamed per assistant message, then `total_cost_usd` 0.00216) at
// a controlled pace, so the budget is reached while agents run. No task may start after it, the
// running agents are stopped with SIGINT, the report adds up, and a resume with a higher budget
// finishes the run.

const temp = useTempDirs();
const CAPTURE = fixturePath("agent-cli/runs/claude-tool-allowed.jsonl");
const STATED_COST = 0.00216;

/**
 * `claude` on PATH: writes `src/<taskid>.js` (the task's work), then replays the capture line by
 * line, FAKE_PACE_MS apart, exit 0 as the real run did. SIGINT: logged, exit 130 as claude does.
 */
function fakeClaude(dir: string): string {
  const file = join(dir, "claude");
  writeFileSync(
    file,
    `#!${process.execPath}
const { appendFileSync, mkdirSync, readFileSync, writeFileSync } = require("node:fs");
const args = process.argv.slice(2);
const prompt = args[args.indexOf("-p") + 1] ?? "";
const id = /taskid=(\\w+)/.exec(prompt)?.[1] ?? "unknown";
const docs = prompt.includes("# Document the changes");
const log = (what) => appendFileSync(process.env.FAKE_LOG, what + " " + id + (docs ? " docs" : "") + "\\n");
process.on("SIGINT", () => { log("sigint"); process.exit(130); });
log("start");
if (!docs) {
  mkdirSync("src", { recursive: true });
  writeFileSync("src/" + id + ".js", "export const " + id + " = true;\\n");
}
const lines = readFileSync(${JSON.stringify(CAPTURE)}, "utf8").split("\\n").filter(Boolean);
let i = 0;
const next = () => {
  if (i === lines.length) { log("end"); process.exit(0); }
  process.stdout.write(lines[i++] + "\\n");
  setTimeout(next, Number(process.env.FAKE_PACE_MS));
};
next();
`,
  );
  chmodSync(file, 0o755);
  return dir;
}

async function fixture(): Promise<TempRepo> {
  const prompt = (id: string) =>
    `---\nid: ${id}\nfiles: [src/${id}.js]\n---\n# Add ${id}\n\n## Overview\nTask taskid=${id}.\n`;
  return temp.track(
    await createTempRepo({
      files: {
        "package.json": '{ "name": "fixture", "private": true, "type": "module" }\n',
        "test/ok.test.js": 'import { test } from "node:test";\ntest("ok", () => {});\n',
        "gadugi.config.json": JSON.stringify({ agent: "claude", maxParallel: 2 }, null, 2),
        "prompts/alpha.md": prompt("alpha"),
        "prompts/beta.md": prompt("beta"),
        "prompts/gamma.md": prompt("gamma"),
      },
    }),
  );
}

function journal(repo: TempRepo, runId: string): RunEvent[] {
  return readFileSync(join(repo.dir, ".gadugi", "runs", runId, "events.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunEvent);
}

function reportOf(stdout: string): RunReport {
  const last = stdout.trim().split("\n").at(-1) as string;
  return (JSON.parse(last) as { report: RunReport }).report;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe("a run's budget", () => {
  it("stops the running agents at the budget, starts nothing after it, and a resume with more finishes the run", async () => {
    const repo = await fixture();
    const agentLog = join(temp.dir(), "agents.log");
    writeFileSync(agentLog, "");
    const env = {
      ...repo.env,
      PATH: `${fakeClaude(temp.dir())}:${process.env.PATH}`,
      FAKE_LOG: agentLog,
      FAKE_PACE_MS: "250",
    };
    // Less than two implementation runs' stated cost: reached while alpha's and beta's agents run.
    const budget = 0.003;
    const first = await runCli(
      repo.dir,
      ["run", "prompts/*.md", "--max-budget-usd", String(budget), "--json"],
      { env },
    );
    expect(first.code, first.stderr).not.toBe(0);
    const report = reportOf(first.stdout);
    const status = Object.fromEntries(report.tasks.map((t) => [t.slug, t.status]));
    expect(status).toEqual({ alpha: "budget-exceeded", beta: "budget-exceeded", gamma: "skipped" });
    const gamma = report.tasks.find((t) => t.slug === "gamma");
    expect(gamma?.error ?? JSON.stringify(gamma)).toMatch(/budget of \$0\.0030 was reached/);

    // No agent of gamma ever started; at least one running agent got SIGINT and none ran on.
    const log = readFileSync(agentLog, "utf8");
    expect(log).not.toContain("gamma");
    expect(log).toMatch(/^sigint (alpha|beta)$/m);

    // The journal: 50, 80 and 100 % once each, in order.
    const [runId] = readdirSync(join(repo.dir, ".gadugi", "runs"));
    const thresholds = journal(repo, runId as string).flatMap((e) =>
      e.type === "budget.threshold" ? [e.percent] : [],
    );
    expect(thresholds).toEqual([50, 80, 100]);

    // The report adds up: phases to tasks, tasks to the run; the budget says what it stopped.
    const cost = report.cost;
    expect(cost?.budget).toMatchObject({ maxUsd: budget, reached: true, notStarted: [expect.any(String)] });
    expect(cost?.budget?.stopped).toHaveLength(2);
    for (const task of report.tasks) {
      expect(sum((task.usage ?? []).map((p) => p.costUsd))).toBeCloseTo(task.costUsd ?? 0, 10);
    }
    expect(sum(report.tasks.map((t) => t.costUsd ?? 0))).toBeCloseTo(cost?.total.costUsd ?? -1, 10);
    expect(cost?.total.costUsd).toBeGreaterThanOrEqual(budget);
    expect(cost?.total.costUsd).toBeLessThan(2 * STATED_COST + 0.001);
    // Each stopped task's work so far is committed on its branch.
    for (const slug of ["alpha", "beta"]) {
      expect(await repo.git(["show", `gadugi/${slug}:src/${slug}.js`])).toBe(`export const ${slug} = true;`);
    }

    // `gadugi status` shows the spend and that the budget was reached.
    const shown = await runCli(repo.dir, ["status", runId as string], { env });
    expect(shown.stdout).toMatch(
      /^spent \$0\.\d{4}, \d+ tokens of a budget of \$0\.0030 \(budget reached\)$/m,
    );

    // A resume with a higher budget finishes the run: every task merged, the spend kept.
    const resumed = await runCli(repo.dir, ["resume", runId as string, "--max-budget-usd", "1", "--json"], {
      env,
    });
    const why = () =>
      reportOf(resumed.stdout)
        .tasks.map((t) => `${t.slug} ${t.status} ${t.merge?.status ?? ""} ${t.error ?? ""}`)
        .join("\n");
    expect(resumed.code, `${resumed.stderr}\n${why()}`).toBe(0);
    const final = reportOf(resumed.stdout);
    expect(final.tasks.map((t) => [t.slug, t.status, t.merge?.status])).toEqual([
      ["alpha", "completed", "merged"],
      ["beta", "completed", "merged"],
      ["gamma", "completed", "merged"],
    ]);
    expect(final.cost?.total.costUsd).toBeGreaterThan(cost?.total.costUsd ?? 0);
    expect(final.cost?.budget).toMatchObject({ maxUsd: 1, reached: false });
    expect(final.cost?.perMergedTaskUsd).toBeCloseTo((final.cost?.total.costUsd ?? 0) / 3, 10);
    expect(existsSync(join(repo.dir, ".gadugi", "runs", runId as string, "report.md"))).toBe(true);
  }, 180_000);
});
