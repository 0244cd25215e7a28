import { GadugiError } from "@gadugi/error-handling";
import type { PlanEdge, Priority, TargetFile } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { type ConflictTask, importEdges, sameFileEdges, schedulingOrder } from "./conflicts.js";
import {
  type DependencyMention,
  explicitEdges,
  findCycle,
  findTextDependencies,
  type TaskRef,
} from "./dependencies.js";
import { planShape } from "./plan.js";
import { renderPlanMermaid, renderPlanTable } from "./render.js";
import { repoFiles } from "./repo-files.js";

const refs: TaskRef[] = [
  { id: "t1", slug: "lexer", file: "prompts/lexer.md" },
  { id: "t2", slug: "parser", file: "prompts/parser.md", declaredId: "Parser" },
  { id: "t3", slug: "docs", file: "prompts/docs.md" },
];

function mentions(entries: Record<string, DependencyMention[]>): Map<string, DependencyMention[]> {
  return new Map(Object.entries(entries));
}

function thrown(fn: () => unknown): GadugiError {
  try {
    fn();
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a GadugiError");
}

describe("explicit dependencies", () => {
  it("resolves depends_on by slug, frontmatter id, file name and path", () => {
    for (const ref of ["lexer", "LEXER", "lexer.md", "prompts/lexer.md", "./prompts/lexer.md", "t1"]) {
      const { edges } = explicitEdges({
        tasks: refs,
        mentions: mentions({ t2: [{ ref, source: "frontmatter" }] }),
        skipped: [],
      });
      expect(edges).toEqual([
        { from: "t1", to: "t2", kind: "explicit", hard: true, reason: `parser declares depends_on: ${ref}` },
      ]);
    }
    const byId = explicitEdges({
      tasks: refs,
      mentions: mentions({ t3: [{ ref: "Parser", source: "frontmatter" }] }),
      skipped: [],
    });
    expect(byId.edges[0]?.from).toBe("t2");
  });

  it("rejects an unknown dependency naming the file and the id", () => {
    const err = thrown(() =>
      explicitEdges({
        tasks: refs,
        mentions: mentions({ t2: [{ ref: "nope", source: "frontmatter" }] }),
        skipped: [],
      }),
    );
    expect(err.code).toBe("GADUGI_UNKNOWN_DEPENDENCY");
    expect(err.message).toBe('prompts/parser.md depends on "nope", which is not a task in this run.');
  });

  it("treats a dependency on a prompt skipped as done as met, with a warning", () => {
    const { edges, warnings } = explicitEdges({
      tasks: refs,
      mentions: mentions({ t2: [{ ref: "old-work", source: "frontmatter" }] }),
      skipped: [{ id: "old-work", slug: "old-work", file: "prompts/old-work.md" }],
    });
    expect(edges).toEqual([]);
    expect(warnings[0]?.message).toContain("skipped as already done");
  });

  it("turns 'depends on X' in the text into an edge only when X names another task", () => {
    const body = [
      "# Docs",
      "This depends on the parser and on each of the other things.",
      "It is blocked by `lexer.md`.",
      "```",
      "depends on lexer (in code, ignored)",
      "```",
      "Depends on the docs themselves.",
    ].join("\n");
    const found = findTextDependencies(body, 10);
    const { edges } = explicitEdges({ tasks: refs, mentions: mentions({ t3: found }), skipped: [] });
    expect(edges).toEqual([
      {
        from: "t2",
        to: "t3",
        kind: "explicit",
        hard: true,
        reason: 'docs says "depends on the parser and on each of the other things" (prompts/docs.md:11)',
      },
      {
        from: "t1",
        to: "t3",
        kind: "explicit",
        hard: true,
        reason: 'docs says "blocked by `lexer.md`" (prompts/docs.md:12)',
      },
    ]);
  });

  it("finds cycles and self-dependencies", () => {
    const edge = (from: string, to: string): PlanEdge => ({
      from,
      to,
      kind: "explicit",
      hard: true,
      reason: "",
    });
    expect(findCycle(["a", "b", "c"], [edge("a", "b"), edge("b", "c")])).toBeUndefined();
    expect(findCycle(["a", "b", "c"], [edge("a", "b"), edge("b", "c"), edge("c", "a")])).toEqual([
      "a",
      "b",
      "c",
      "a",
    ]);
    const self = thrown(() =>
      explicitEdges({
        tasks: refs,
        mentions: mentions({ t1: [{ ref: "lexer", source: "frontmatter" }] }),
        skipped: [],
      }),
    );
    expect(self.code).toBe("GADUGI_DEPENDENCY_CYCLE");
    expect(self.message).toContain("lexer → lexer");
  });
});

const task = (id: string, targets: TargetFile[], priority: Priority = "medium"): ConflictTask => ({
  id,
  slug: id,
  priority,
  targetFiles: targets,
});
const w = (path: string): TargetFile => ({ path, access: "modifies" });
const r = (path: string): TargetFile => ({ path, access: "reads" });
const repo = repoFiles("/repo", [
  "src/a.ts",
  "src/b.ts",
  "src/c.ts",
  "src/d.ts",
  "src/lib/x.ts",
  "src/lib/y.ts",
]);

describe("same-file conflicts", () => {
  it("serializes two writers of a file, first by priority, then by input order, and says why", () => {
    const tasks = [
      task("one", [w("src/a.ts")]),
      task("two", [w("src/a.ts")], "high"),
      task("three", [w("src/a.ts")]),
    ];
    const order = schedulingOrder(tasks, []);
    expect(order).toEqual(["two", "one", "three"]);
    const edges = sameFileEdges(tasks, order, [], repo);
    expect(edges.map((e) => [e.from, e.to, e.reason])).toEqual([
      [
        "two",
        "one",
        "both write src/a.ts; they must not run at once, so one waits for two (two has higher priority (high > medium))",
      ],
      [
        "two",
        "three",
        "both write src/a.ts; they must not run at once, so three waits for two (two has higher priority (high > medium))",
      ],
      [
        "one",
        "three",
        "both write src/a.ts; they must not run at once, so three waits for one (one was listed first)",
      ],
    ]);
    expect(edges.every((e) => e.kind === "same-file" && e.hard && e.files?.[0] === "src/a.ts")).toBe(true);
  });

  it("never lets reads conflict, and sees files inside written directories and globs", () => {
    const tasks = [
      task("reader", [r("src/a.ts")]),
      task("writer", [w("src/a.ts")]),
      task("dir", [w("src/lib/")]),
      task("glob", [w("src/lib/*.ts")]),
    ];
    const edges = sameFileEdges(tasks, schedulingOrder(tasks, []), [], repo);
    expect(edges.map((e) => [e.from, e.to, e.files])).toEqual([
      ["dir", "glob", ["src/lib/x.ts", "src/lib/y.ts"]],
    ]);
  });

  it("follows explicit dependencies when they already order the pair", () => {
    const tasks = [task("first", [w("src/a.ts")], "high"), task("second", [w("src/a.ts")])];
    const explicit: PlanEdge[] = [{ from: "second", to: "first", kind: "explicit", hard: true, reason: "" }];
    const order = schedulingOrder(tasks, explicit);
    const edges = sameFileEdges(tasks, order, explicit, repo);
    expect(edges[0]).toMatchObject({ from: "second", to: "first" });
    expect(edges[0]?.reason).toContain("first already depends on second");
  });
});

describe("import coupling", () => {
  // a imports b, b imports c, d imports nothing
  const graph = {
    imports: new Map<string, string[]>([
      ["src/a.ts", ["src/b.ts"]],
      ["src/b.ts", ["src/c.ts"]],
      ["src/c.ts", []],
      ["src/d.ts", []],
    ]),
  };

  it("makes the writer of an importing file wait for the writer of the imported module, with the chain", () => {
    const tasks = [
      task("app", [w("src/a.ts")]),
      task("lib", [w("src/b.ts")]),
      task("other", [w("src/d.ts")]),
    ];
    const edges = importEdges(tasks, schedulingOrder(tasks, []), [], graph, repo, 1);
    expect(edges).toEqual([
      {
        from: "lib",
        to: "app",
        kind: "import",
        hard: false,
        reason: "app writes src/a.ts, which imports src/b.ts, written by lib",
        chain: ["src/a.ts", "src/b.ts"],
        files: ["src/a.ts", "src/b.ts"],
      },
    ]);
  });

  it("follows imports up to the configured depth", () => {
    const tasks = [task("app", [w("src/a.ts")]), task("core", [w("src/c.ts")])];
    expect(importEdges(tasks, schedulingOrder(tasks, []), [], graph, repo, 1)).toEqual([]);
    const deep = importEdges(tasks, schedulingOrder(tasks, []), [], graph, repo, 2);
    expect(deep.map((e) => [e.from, e.to, e.chain, e.reason])).toEqual([
      [
        "core",
        "app",
        ["src/a.ts", "src/b.ts", "src/c.ts"],
        "app writes src/a.ts, which imports src/c.ts via src/b.ts, written by core",
      ],
    ]);
  });

  it("adds no soft edge where a hard edge already joins the pair, and keeps hard order when it disagrees", () => {
    const tasks = [task("app", [w("src/a.ts")]), task("lib", [w("src/b.ts")])];
    const hard: PlanEdge[] = [{ from: "app", to: "lib", kind: "explicit", hard: true, reason: "" }];
    expect(importEdges(tasks, schedulingOrder(tasks, hard), hard, graph, repo, 1)).toEqual([]);
    const three = [...tasks, task("mid", [w("src/d.ts")])];
    const chain: PlanEdge[] = [
      { from: "app", to: "mid", kind: "explicit", hard: true, reason: "" },
      { from: "mid", to: "lib", kind: "explicit", hard: true, reason: "" },
    ];
    const edges = importEdges(three, schedulingOrder(three, chain), chain, graph, repo, 1);
    expect(edges.map((e) => [e.from, e.to])).toEqual([["app", "lib"]]);
    expect(edges[0]?.reason).toContain("lib already waits for app");
  });

  it("picks one direction for files that import each other", () => {
    const mutual = {
      imports: new Map([
        ["src/a.ts", ["src/b.ts"]],
        ["src/b.ts", ["src/a.ts"]],
      ]),
    };
    const tasks = [task("x", [w("src/a.ts")]), task("y", [w("src/b.ts")])];
    const edges = importEdges(tasks, schedulingOrder(tasks, []), [], mutual, repo, 1);
    expect(edges.map((e) => [e.from, e.to])).toEqual([["x", "y"]]);
    expect(edges[0]?.reason).toContain("import each other");
  });
});

describe("plan shape and rendering", () => {
  const e = (from: string, to: string, hard = true): PlanEdge => ({
    from,
    to,
    kind: hard ? "explicit" : "import",
    hard,
    reason: `${to} waits for ${from}`,
  });

  it("computes levels, the heaviest chain as critical path, and the widest level as parallelism", () => {
    const complexity = new Map([
      ["a", "low" as const],
      ["b", "high" as const],
      ["c", "low" as const],
      ["d", "medium" as const],
      ["e", "low" as const],
    ]);
    const shape = planShape(["a", "b", "c", "d", "e"], [e("a", "c"), e("b", "d"), e("c", "d")], complexity);
    expect(shape.levels).toEqual([["a", "b", "e"], ["c"], ["d"]]);
    expect(shape.criticalPath).toEqual(["b", "d"]);
    expect(shape.recommendedParallelism).toBe(3);
    expect(planShape([], [], new Map()).recommendedParallelism).toBe(1);
  });

  it("renders a table with reasons and a Mermaid chart with dotted soft edges", () => {
    const base = {
      type: "feature",
      complexity: "low",
      priority: "medium",
      status: "pending",
      description: "",
      sections: {},
    } as const;
    const plan = {
      createdAt: "2025-08-01T00:00:00.000Z",
      repoRoot: "/repo",
      tasks: [
        {
          ...base,
          id: "t1",
          slug: "lib",
          name: "Lib",
          promptFile: "p/lib.md",
          targetFiles: [w("src/b.ts")],
          dependencies: [],
        },
        {
          ...base,
          id: "t2",
          slug: "app",
          name: "App",
          promptFile: "p/app.md",
          targetFiles: [w("src/a.ts"), r("src/c.ts")],
          dependencies: ["t1"],
        },
      ],
      edges: [e("t1", "t2", false)],
      levels: [["t1"], ["t2"]],
      criticalPath: ["t1", "t2"],
      recommendedParallelism: 1,
      skipped: [{ file: "p/old.md", reason: "its first line says COMPLETED" }],
      warnings: [{ message: "something", file: "p/app.md", line: 3 }],
    };
    const table = renderPlanTable(plan);
    expect(table).toContain("2 tasks in 2 levels; 1 edge; recommended parallelism 1");
    expect(table).toMatch(/2\s+app\s+t2\s+feature\s+low\s+medium\s+lib\s+src\/a\.ts, src\/c\.ts \(reads\)/);
    expect(table).toContain("Critical path: lib → app");
    expect(table).toContain("lib → app  [import (soft)] t2 waits for t1");
    expect(table).toContain("p/old.md: its first line says COMPLETED");
    expect(table).toContain("p/app.md:3: something");
    expect(renderPlanMermaid(plan)).toBe(
      'flowchart TD\n  t0["lib<br/>feature · low"]\n  t1["app<br/>feature · low"]\n  t0 -.->|imports| t1\n',
    );
  });
});
