import { existsSync } from "node:fs";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { ExecutionPlan, TASK_ID_PATTERN } from "@gadugi/interfaces";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { type AnalyzeOptions, analyze, analyzeTasks } from "../src/index.js";
import { FIXTURE_FILES, FIXTURE_PROMPTS } from "./fixture.js";

const NOW = new Date("2025-08-01T14:30:22Z");

async function rejection(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a GadugiError");
}

describe("analyzeTasks on a fixture repository with TypeScript and Python", () => {
  const temp = useTempDirs();
  const fixture = async (): Promise<TempRepo> => temp.track(await createTempRepo({ files: FIXTURE_FILES }));
  const run = (repo: TempRepo, options: Partial<AnalyzeOptions> = {}) =>
    analyze({ repoRoot: repo.dir, promptFiles: FIXTURE_PROMPTS, now: NOW, idSalt: "fixture", ...options });

  it("finds exactly the expected edges, each with its reason", async () => {
    const repo = await fixture();
    const { plan, graph } = await run(repo);
    expect(() => ExecutionPlan.parse(plan)).not.toThrow();
    const slug = new Map(plan.tasks.map((t) => [t.id, t.slug]));
    const edges = plan.edges.map((e) => ({ ...e, from: slug.get(e.from), to: slug.get(e.to) }));
    expect(edges).toEqual([
      {
        from: "app-totals",
        to: "docs-totals",
        kind: "explicit",
        hard: true,
        reason: "docs-totals declares depends_on: app-totals",
      },
      {
        from: "core-fix",
        to: "core-refactor",
        kind: "same-file",
        hard: true,
        reason:
          "both write py/pkg/core.py; they must not run at once, so core-refactor waits for core-fix (core-fix was listed first)",
        files: ["py/pkg/core.py"],
      },
      {
        from: "add-math",
        to: "app-totals",
        kind: "import",
        hard: false,
        reason: "app-totals writes src/app.ts, which imports src/lib/math.ts, written by add-math",
        chain: ["src/app.ts", "src/lib/math.ts"],
        files: ["src/app.ts", "src/lib/math.ts"],
      },
      {
        from: "core-fix",
        to: "service-tests",
        kind: "import",
        hard: false,
        reason: "service-tests writes py/pkg/service.py, which imports py/pkg/core.py, written by core-fix",
        chain: ["py/pkg/service.py", "py/pkg/core.py"],
        files: ["py/pkg/service.py", "py/pkg/core.py"],
      },
      {
        from: "core-refactor",
        to: "service-tests",
        kind: "import",
        hard: false,
        reason:
          "service-tests writes py/pkg/service.py, which imports py/pkg/core.py, written by core-refactor",
        chain: ["py/pkg/service.py", "py/pkg/core.py"],
        files: ["py/pkg/service.py", "py/pkg/core.py"],
      },
    ]);
    expect(plan.levels.map((level) => level.map((id) => slug.get(id)))).toEqual([
      ["add-math", "core-fix", "strings"],
      ["app-totals", "core-refactor"],
      ["docs-totals", "service-tests"],
    ]);
    expect(plan.recommendedParallelism).toBe(3);
    expect(plan.criticalPath.map((id) => slug.get(id))).toEqual(["add-math", "app-totals", "docs-totals"]);
    expect(plan.skipped).toEqual([{ file: "prompts/done.md", reason: "its first line says IMPLEMENTED" }]);
    // Only the files tasks write (and, deeper, what they import) are read.
    expect(graph).toMatchObject({ files: 5, edges: 2 });
  });

  it("fills each task from its prompt", async () => {
    const repo = await fixture();
    const plan = await analyzeTasks({
      repoRoot: repo.dir,
      promptFiles: FIXTURE_PROMPTS,
      now: NOW,
      idSalt: "fixture",
    });
    const bySlug = new Map(plan.tasks.map((t) => [t.slug, t]));
    expect([...bySlug.keys()]).toEqual([
      "add-math",
      "app-totals",
      "docs-totals",
      "core-fix",
      "core-refactor",
      "service-tests",
      "strings",
    ]);
    for (const t of plan.tasks) {
      expect(t.id).toMatch(TASK_ID_PATTERN);
      expect(t.id.startsWith("task-20250801-143022-")).toBe(true);
    }
    expect(new Set(plan.tasks.map((t) => t.id)).size).toBe(7);
    const addMath = bySlug.get("add-math");
    expect(addMath).toMatchObject({
      name: "Add subtraction to the math library",
      promptFile: "prompts/add-math.md",
      description: "Extend `src/lib/math.ts` with a `sub` function.",
      sections: { requirements: "- Update `src/lib/math.ts`\n- Follow the pattern in `src/util/strings.ts`" },
      targetFiles: [
        { path: "src/lib/math.ts", access: "modifies" },
        { path: "src/util/strings.ts", access: "reads" },
      ],
      type: "feature",
      complexity: "low",
      priority: "medium",
      dependencies: [],
      status: "pending",
    });
    expect(bySlug.get("app-totals")?.priority).toBe("high");
    expect(bySlug.get("app-totals")?.dependencies).toEqual([addMath?.id]);
    expect(bySlug.get("core-fix")?.type).toBe("bugfix");
    expect(bySlug.get("core-refactor")?.type).toBe("refactor");
    expect(bySlug.get("service-tests")).toMatchObject({
      type: "test",
      targetFiles: [
        { path: "py/pkg/service.py", access: "modifies" },
        { path: "py/tests/test_service.py", access: "creates" },
      ],
    });
    expect(bySlug.get("docs-totals")?.type).toBe("docs");
  });

  it("only warns about import coupling with the warn policy", async () => {
    const repo = await fixture();
    const { plan } = await run(repo, { config: { softEdges: "warn" } });
    const slug = new Map(plan.tasks.map((t) => [t.id, t.slug]));
    expect(plan.edges.filter((e) => !e.hard)).toHaveLength(3);
    expect(plan.levels.map((level) => level.map((id) => slug.get(id)))).toEqual([
      ["app-totals", "add-math", "core-fix", "service-tests", "strings"],
      ["docs-totals", "core-refactor"],
    ]);
    const soft = plan.warnings.filter((w) => w.message.includes('soft-edge policy "warn"'));
    expect(soft.map((w) => w.message.split(" (")[0])).toEqual([
      "add-math and app-totals may run in parallel although they are coupled",
      "core-fix and service-tests may run in parallel although they are coupled",
      "core-refactor and service-tests may run in parallel although they are coupled",
    ]);
    expect(plan.tasks.find((t) => t.slug === "service-tests")?.dependencies).toEqual([]);
  });

  it("follows imports up to the configured depth", async () => {
    const repo = await fixture();
    repo.write({ "prompts/report.md": "# Report totals\n\nUpdate `py/tools/report.py`.\n" });
    const prompts = ["prompts/core-fix.md", "prompts/service-tests.md", "prompts/report.md"];
    const reasons = async (importDepth: number) => {
      const { plan } = await run(repo, { promptFiles: prompts, config: { importDepth } });
      const slug = new Map(plan.tasks.map((t) => [t.id, t.slug]));
      return plan.edges.map((e) => `${slug.get(e.from)} → ${slug.get(e.to)}: ${e.reason}`);
    };
    expect(await reasons(1)).toEqual([
      "core-fix → service-tests: service-tests writes py/pkg/service.py, which imports py/pkg/core.py, written by core-fix",
      "service-tests → report: report writes py/tools/report.py, which imports py/pkg/service.py, written by service-tests",
    ]);
    expect(await reasons(2)).toEqual([
      "core-fix → service-tests: service-tests writes py/pkg/service.py, which imports py/pkg/core.py, written by core-fix",
      "core-fix → report: report writes py/tools/report.py, which imports py/pkg/core.py via py/pkg/service.py, written by core-fix",
      "service-tests → report: report writes py/tools/report.py, which imports py/pkg/service.py, written by service-tests",
    ]);
  });

  it("accepts bare prompt names from the prompts directory and drops repeats with a warning", async () => {
    const repo = await fixture();
    const { plan } = await run(repo, { promptFiles: ["strings", "strings.md", "prompts/strings.md"] });
    expect(plan.tasks.map((t) => t.slug)).toEqual(["strings"]);
    expect(plan.warnings.filter((w) => w.message.includes("more than once"))).toHaveLength(2);
  });

  it("reports bad input as clear errors and writes nothing", async () => {
    const repo = await fixture();
    const code = async (options: Partial<AnalyzeOptions>) => (await rejection(run(repo, options))).code;
    expect(await code({ promptFiles: [] })).toBe("GADUGI_NO_TASKS");
    expect(await code({ promptFiles: ["prompts/missing.md"] })).toBe("GADUGI_FILE_NOT_FOUND");
    expect(await code({ promptFiles: ["prompts"] })).toBe("GADUGI_FILE_UNREADABLE");
    repo.write({
      "prompts/dup-a.md": "---\nid: same\n---\n# A\n",
      "prompts/dup-b.md": "---\nid: same\n---\n# B\n",
      "prompts/cycle-a.md": "---\ndepends_on: cycle-b\n---\n# A\n",
      "prompts/cycle-b.md": "---\ndepends_on: [cycle-c]\n---\n# B\n",
      "prompts/cycle-c.md": "---\ndepends_on: cycle-a.md\n---\n# C\n",
      "prompts/unknown.md": "---\ndepends_on: ghost\n---\n# U\n",
      "prompts/bad-yaml.md": "---\ntitle: [unclosed\n---\n# Y\n",
    });
    const dup = await rejection(run(repo, { promptFiles: ["prompts/dup-a.md", "prompts/dup-b.md"] }));
    expect(dup.message).toBe(
      'Task id "same" is used by more than one prompt: prompts/dup-a.md, prompts/dup-b.md.',
    );
    const cycle = await rejection(
      run(repo, { promptFiles: ["prompts/cycle-a.md", "prompts/cycle-b.md", "prompts/cycle-c.md"] }),
    );
    expect(cycle.code).toBe("GADUGI_DEPENDENCY_CYCLE");
    expect(cycle.message).toBe(
      "Tasks depend on each other in a cycle: cycle-a → cycle-b → cycle-c → cycle-a.",
    );
    const unknown = await rejection(run(repo, { promptFiles: ["prompts/unknown.md"] }));
    expect(unknown.message).toBe('prompts/unknown.md depends on "ghost", which is not a task in this run.');
    const yaml = await rejection(run(repo, { promptFiles: ["prompts/bad-yaml.md"] }));
    expect(yaml.message).toMatch(/^prompts\/bad-yaml\.md:[23]: malformed YAML frontmatter/);
    expect(await code({ config: { importDepth: 0 } })).toBe("GADUGI_INVALID_ARGUMENT");
    expect(existsSync(join(repo.dir, ".gadugi"))).toBe(false);
  });

  it("gives duplicate file-name slugs a suffix and warns", async () => {
    const repo = await fixture();
    repo.write({ "prompts/more/strings.md": "# More strings\n\nUpdate `docs/guide.md`.\n" });
    const { plan } = await run(repo, { promptFiles: ["prompts/strings.md", "prompts/more/strings.md"] });
    expect(plan.tasks.map((t) => t.slug)).toEqual(["strings", "strings-2"]);
    expect(plan.warnings.some((w) => w.message.includes('slug "strings" is already taken'))).toBe(true);
  });
});

describe("analyzeTasks on prompts that only read a shared file", () => {
  const temp = useTempDirs();
  const READ_ONLY_PROMPTS: Record<string, string> = {
    "prompts/keep.md": "# Add retries\n\nUpdate `src/retry.ts` and keep `src/shared.ts` unchanged.\n",
    "prompts/no-change.md": "# Add timeouts\n\nUpdate `src/timeout.ts`; `src/shared.ts` needs no change.\n",
    "prompts/read-only.md": "# Add logging\n\nChange `src/log.ts`.\n\n- `src/shared.ts` (read-only)\n",
    "prompts/leave.md": "# Add metrics\n\nEdit `src/metrics.ts` but leave `src/shared.ts` as is.\n",
    "prompts/without.md": "# Add tracing\n\nImplement `src/trace.ts` without changing `src/shared.ts`.\n",
    "prompts/listed.md": '---\nfiles: ["src/cache.ts", "src/shared.ts (read-only)"]\n---\n# Add a cache\n',
  };

  it("gives them no same-file edges and tells the agent the file is read", async () => {
    const files: Record<string, string> = { ...READ_ONLY_PROMPTS };
    for (const name of ["shared", "retry", "timeout", "log", "metrics", "trace", "cache"]) {
      files[`src/${name}.ts`] = `export const ${name} = 1;\n`;
    }
    const repo = temp.track(await createTempRepo({ files }));
    const plan = await analyzeTasks({ repoRoot: repo.dir, promptFiles: Object.keys(READ_ONLY_PROMPTS) });
    expect(plan.edges).toEqual([]);
    for (const task of plan.tasks) {
      expect({ task: task.slug, shared: task.targetFiles.find((t) => t.path === "src/shared.ts") }).toEqual({
        task: task.slug,
        shared: { path: "src/shared.ts", access: "reads" },
      });
      expect(task.targetFiles.filter((t) => t.access === "modifies")).toHaveLength(1);
    }

    // The task that does write the shared file waits for none of them either.
    repo.write({ "prompts/owner.md": "# Rework shared\n\nRefactor `src/shared.ts`.\n" });
    const withOwner = await analyzeTasks({
      repoRoot: repo.dir,
      promptFiles: [...Object.keys(READ_ONLY_PROMPTS), "prompts/owner.md"],
    });
    expect(withOwner.edges).toEqual([]);
  });
});

describe("analyzeTasks task types", () => {
  const temp = useTempDirs();

  it("does not call a task docs for mentioning docs when it writes code files", async () => {
    const repo = temp.track(
      await createTempRepo({
        files: {
          "src/cli.ts": "export const cli = 1;\n",
          "docs/guide.md": "# Guide\n",
          "prompts/docs-page.md":
            "# Add the docs page command\n\nServe the docs page from `src/docs-page.ts` (new) and register it in `src/cli.ts`.\n",
          "prompts/guide.md": "# Update the docs\n\nExplain the new command in `docs/guide.md`.\n",
          "prompts/cli-docs.md":
            "# CLI docs\n\nUpdate `src/cli.ts` and `docs/guide.md`; fix the crash on `--help`.\n",
        },
      }),
    );
    const plan = await analyzeTasks({
      repoRoot: repo.dir,
      promptFiles: ["prompts/docs-page.md", "prompts/guide.md", "prompts/cli-docs.md"],
    });
    expect(plan.tasks.map((t) => [t.slug, t.type])).toEqual([
      ["docs-page", "feature"],
      ["guide", "docs"],
      ["cli-docs", "bugfix"],
    ]);
    expect(plan.tasks[0]?.targetFiles).toEqual([
      { path: "src/docs-page.ts", access: "creates" },
      { path: "src/cli.ts", access: "modifies" },
    ]);
  });
});
