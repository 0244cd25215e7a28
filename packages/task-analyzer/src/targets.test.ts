import { describe, expect, it } from "vitest";
import { normalizeRepoPath, targetsOverlap } from "./paths.js";
import { repoFiles } from "./repo-files.js";
import { extractTargetFiles } from "./targets.js";

const repo = repoFiles("/repo", [
  ".claude/agents/helper.py",
  "claude/agents/helper.py",
  "src/app.ts",
  "src/lib/math.ts",
  "src/lib/strings.ts",
  "src/unique_name.py",
  "docs/guide.md",
  "README.md",
  "prompts/other.md",
]);

const extract = (body: string, extra: Partial<Parameters<typeof extractTargetFiles>[0]> = {}) =>
  extractTargetFiles({ file: "prompts/p.md", body, ...extra }, repo);

describe("normalizeRepoPath", () => {
  it("keeps leading dots of names, drops ./ and rejects paths escaping the repository", () => {
    expect(normalizeRepoPath(".claude/x.py", "/repo")).toBe(".claude/x.py");
    expect(normalizeRepoPath("./src/a.ts", "/repo")).toBe("src/a.ts");
    expect(normalizeRepoPath("src/../lib/a.ts", "/repo")).toBe("lib/a.ts");
    expect(normalizeRepoPath("src/dir/", "/repo")).toBe("src/dir/");
    expect(normalizeRepoPath("/repo/src/a.ts", "/repo")).toBe("src/a.ts");
    expect(normalizeRepoPath("../outside.ts", "/repo")).toBeUndefined();
    expect(normalizeRepoPath("/etc/passwd", "/repo")).toBeUndefined();
  });

  it("says when targets overlap: same file, a directory or glob covering a file", () => {
    expect(targetsOverlap("src/a.ts", "src/a.ts")).toBe(true);
    expect(targetsOverlap("src/", "src/a.ts")).toBe(true);
    expect(targetsOverlap("src/**/*.ts", "src/lib/a.ts")).toBe(true);
    expect(targetsOverlap("src/*.ts", "src/lib/a.ts")).toBe(false);
    expect(targetsOverlap("src/a.ts", "src/b.ts")).toBe(false);
  });
});

describe("extractTargetFiles", () => {
  it("keeps only paths of tracked files, with leading dots kept", () => {
    const { targets } = extract(
      "Update `.claude/agents/helper.py` and src/app.ts. Also mention some/unknown/file.ts and e.g. Node.js.",
    );
    expect(targets).toEqual([
      { path: ".claude/agents/helper.py", access: "modifies" },
      { path: "src/app.ts", access: "modifies" },
    ]);
  });

  it("accepts ./ paths, line suffixes, links, unique bare file names and path-only lines in code blocks", () => {
    const { targets } = extract(
      [
        "Fix ./src/app.ts:12 and [the helper](src/lib/math.ts).",
        "Touch unique_name.py too.",
        "```",
        "src/lib/strings.ts",
        "├── docs/guide.md",
        'const s = "src/app.ts is code, not a list";',
        "```",
      ].join("\n"),
    );
    expect(targets.map((t) => t.path)).toEqual([
      "src/app.ts",
      "src/lib/math.ts",
      "src/unique_name.py",
      "src/lib/strings.ts",
      "docs/guide.md",
    ]);
  });

  it("keeps directories and globs that match tracked files", () => {
    const { targets } = extract("Refactor everything in `src/lib/` and `docs/*.md`, not `nothing/*.xyz`.");
    expect(targets).toEqual([
      { path: "src/lib/", access: "modifies" },
      { path: "docs/*.md", access: "modifies" },
    ]);
  });

  it("keeps new files the text says are created as creates", () => {
    const { targets } = extract("Create `src/lib/dates.ts` with helpers. Add a new file src/new/module.ts.");
    expect(targets).toEqual([
      { path: "src/lib/dates.ts", access: "creates" },
      { path: "src/new/module.ts", access: "creates" },
    ]);
    expect(extract("The module src/missing.ts is mentioned in passing.").targets).toEqual([]);
  });

  it("classifies reads from the words before the path and from section headings", () => {
    const { targets } = extract(
      [
        "Update `src/app.ts` following the pattern in `src/lib/strings.ts`.",
        "Do not modify `src/lib/math.ts`.",
        "See docs/guide.md for the format.",
        "",
        "## Reference files",
        "- README.md",
      ].join("\n"),
    );
    expect(targets).toEqual([
      { path: "src/app.ts", access: "modifies" },
      { path: "src/lib/strings.ts", access: "reads" },
      { path: "src/lib/math.ts", access: "reads" },
      { path: "docs/guide.md", access: "reads" },
      { path: "README.md", access: "reads" },
    ]);
  });

  it("lets a write anywhere win over reads of the same file", () => {
    const { targets } = extract("See `src/app.ts`. Then update `src/app.ts`.");
    expect(targets).toEqual([{ path: "src/app.ts", access: "modifies" }]);
  });

  it("names a path the prompt gives that is one typo away from a tracked file, with its line", () => {
    const { targets, warnings } = extract(
      "# T\n\nFix the parser in `src/lib/mth.ts`, and add a test in `test/new-thing.test.ts`.\nAdd a helper to `src/lib/maths.ts`.",
      { bodyLine: 3 },
    );
    expect(targets).toEqual([
      { path: "test/new-thing.test.ts", access: "creates" },
      { path: "src/lib/maths.ts", access: "creates" },
    ]);
    const meant = /is not in the repository \(did you mean `src\/lib\/math\.ts`\?\)/;
    expect(warnings).toEqual([
      { message: expect.stringMatching(/^`src\/lib\/mth\.ts`/), file: "prompts/p.md", line: 5 },
      { message: expect.stringMatching(/^`src\/lib\/maths\.ts`/), file: "prompts/p.md", line: 6 },
    ]);
    for (const w of warnings) expect(w.message).toMatch(meant);
  });

  it("takes no doc-comment markers or protocol-relative URLs for paths", () => {
    const body = "Support `//cdn.dev/x.js` URLs.\n\n```ts\n/**\n * Docs.\n */\nexport const x = 1;\n```\n";
    expect(extract(body)).toEqual({ targets: [], warnings: [] });
  });

  it("warns about paths that escape the repository, with their line", () => {
    const { targets, warnings } = extract("# T\n\nEdit `../other-repo/file.ts` and /etc/hosts.conf", {
      bodyLine: 5,
    });
    expect(targets).toEqual([]);
    expect(warnings).toEqual([
      {
        message: 'path "../other-repo/file.ts" is outside the repository and is ignored',
        file: "prompts/p.md",
        line: 7,
      },
      {
        message: 'path "/etc/hosts.conf" is outside the repository and is ignored',
        file: "prompts/p.md",
        line: 7,
      },
    ]);
  });

  it("never takes the run's prompt files as targets", () => {
    const { targets } = extract("After prompts/other.md, update src/app.ts.", {
      exclude: new Set(["prompts/other.md"]),
    });
    expect(targets.map((t) => t.path)).toEqual(["src/app.ts"]);
  });

  it("uses the frontmatter list instead of the text, defaulting to modifies or creates", () => {
    const { targets, warnings } = extract("Update src/lib/math.ts", {
      explicit: [
        { path: "src/app.ts" },
        { path: "src/brand-new.ts" },
        { path: "docs", access: "reads" },
        { path: "../x.ts" },
      ],
    });
    expect(targets).toEqual([
      { path: "src/app.ts", access: "modifies" },
      { path: "src/brand-new.ts", access: "creates" },
      { path: "docs/", access: "reads" },
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      'path "../x.ts" is outside the repository and is ignored',
    ]);
  });
});
