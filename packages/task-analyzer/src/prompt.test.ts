import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { parsePromptFile, parsePromptText } from "./prompt.js";
import { sectionKeyOf } from "./prompt-body.js";

function errorOf(fn: () => unknown): GadugiError {
  try {
    fn();
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a GadugiError");
}

describe("parsePromptText", () => {
  it("reads frontmatter keys", () => {
    const p = parsePromptText(
      [
        "---",
        "id: parser",
        "title: Build the parser",
        "depends_on: [lexer, tokens.md]",
        "files:",
        "  - src/parser.ts",
        "  - { path: src/new.ts, access: creates }",
        "agent: claude",
        "run: make parser",
        "priority: High",
        "timeout: 1h30m",
        "status: ready",
        "issue: '#12'",
        "---",
        "# Ignored title",
      ].join("\n"),
      "prompts/parser.md",
    );
    expect(p.frontmatter).toEqual({
      id: "parser",
      title: "Build the parser",
      dependsOn: ["lexer", "tokens.md"],
      targets: [{ path: "src/parser.ts" }, { path: "src/new.ts", access: "creates" }],
      agent: "claude",
      run: "make parser",
      priority: "high",
      timeoutSec: 5400,
      status: "ready",
      issueNumber: 12,
    });
    expect(p.title).toBe("Build the parser");
    expect(p.bodyLine).toBe(15);
    expect(p.skipReason).toBeUndefined();
  });

  it("accepts targets as a modifies/creates/reads mapping and a single depends_on string", () => {
    const p = parsePromptText(
      "---\ndepends_on: lexer\ntargets:\n  modifies: [a.ts]\n  reads: b.ts\n---\n# T\n",
      "p.md",
    );
    expect(p.frontmatter.dependsOn).toEqual(["lexer"]);
    expect(p.frontmatter.targets).toEqual([
      { path: "a.ts", access: "modifies" },
      { path: "b.ts", access: "reads" },
    ]);
  });

  it("reports malformed frontmatter with the file and line", () => {
    const err = errorOf(() =>
      parsePromptText("---\nid: x\ndepends_on: [a,\nfoo: : bar\n---\n# T\n", "prompts/bad.md"),
    );
    expect(err.code).toBe("GADUGI_PROMPT_INVALID");
    expect(err.message).toMatch(/^prompts\/bad\.md:[2-5]: malformed YAML frontmatter/);
  });

  it("reports a bad value with the line of its key", () => {
    const err = errorOf(() => parsePromptText("---\nid: x\n\npriority: urgent\n---\n# T\n", "p.md"));
    expect(err.message).toBe(
      'p.md:4: frontmatter key `priority` must be one of low, medium, high, critical, got "urgent"',
    );
    const timeout = errorOf(() => parsePromptText("---\ntimeout: soon\n---\n# T\n", "p.md"));
    expect(timeout.message).toMatch(/^p\.md:2: frontmatter key `timeout` must be a duration such as "90s"/);
    const files = errorOf(() =>
      parsePromptText("---\nfiles: [{ path: a.ts, access: writes }]\n---\n# T\n", "p.md"),
    );
    expect(files.message).toMatch(/^p\.md:2: frontmatter key `files`/);
  });

  it("reads `timeout` with the config's duration syntax", () => {
    const timeout = (v: string) =>
      parsePromptText(`---\ntimeout: ${v}\n---\n# T\n`, "p.md").frontmatter.timeoutSec;
    expect(["90s", "30m", "2h", "600"].map(timeout)).toEqual([90, 1800, 7200, 600]);
    for (const bad of ["10 minutes", "-5", "1x"]) {
      expect(errorOf(() => timeout(bad)).message).toContain("must be a duration such as");
    }
  });

  it("reads `max_budget_usd` as an amount in USD, naming the file and line when it is not one", () => {
    const budget = (v: string) =>
      parsePromptText(`---\nmax_budget_usd: ${v}\n---\n# T\n`, "p.md").frontmatter.maxBudgetUsd;
    expect(["0.5", '"$2"', "3"].map(budget)).toEqual([0.5, 2, 3]);
    for (const bad of ["0", "-1", "lots"]) {
      expect(errorOf(() => budget(bad)).message).toMatch(
        /^p\.md:2: frontmatter key `max_budget_usd` must be an amount in USD/,
      );
    }
  });

  it("takes `run` as a command line or an argument array, and refuses shell syntax naming the file", () => {
    const run = (v: string) => parsePromptText(`---\nrun: ${v}\n---\n# T\n`, "p.md").frontmatter.run;
    expect(run('["sh", "-c", "make && make test"]')).toEqual(["sh", "-c", "make && make test"]);
    expect(run("make 'parser tests'")).toBe("make 'parser tests'");
    const err = errorOf(() => run("make && make test"));
    expect(err.code).toBe("GADUGI_COMMAND_SYNTAX");
    expect(err.message).toBe(
      "p.md:2: run: cannot run `make && make test` without a shell: it contains the shell operator `&&`.",
    );
  });

  it("rejects unclosed and non-mapping frontmatter, and an empty prompt", () => {
    expect(errorOf(() => parsePromptText("---\nid: x\n# T\n", "p.md")).message).toMatch(
      /^p\.md:1: the frontmatter/,
    );
    expect(errorOf(() => parsePromptText("---\n- a\n- b\n---\n# T\n", "p.md")).message).toMatch(
      /must be a YAML mapping/,
    );
    expect(errorOf(() => parsePromptText("\n\n", "p.md")).message).toBe("p.md: the prompt is empty");
  });

  it("warns about unknown frontmatter keys with their line", () => {
    const p = parsePromptText("---\nid: x\nowner: me\n---\n# T\n", "p.md");
    expect(p.warnings).toEqual([
      { message: "unknown frontmatter key `owner` is ignored", file: "p.md", line: 3 },
    ]);
  });

  it("takes the name from the first # heading, else the file name", () => {
    expect(parsePromptText("Intro text.\n\n# **Fix the bug**\n", "x.md").title).toBe("Fix the bug");
    expect(parsePromptText("Just text.\n", "prompts/fix-import_bug.md").title).toBe("fix import bug");
    expect(parsePromptText("```\n# not a heading\n```\n", "prompts/a-b.md").title).toBe("a b");
  });

  it("takes the description from an Overview/Description/Summary section, else the first paragraph", () => {
    const withSection = parsePromptText(
      "# T\n\nFirst paragraph.\n\n## Overview\n\nThe overview\nspans lines.\n\n## Other\nx\n",
      "p.md",
    );
    expect(withSection.description).toBe("The overview\nspans lines.");
    const withoutSection = parsePromptText(
      "# T\n\n![badge](x.svg)\n\nFirst paragraph\ncontinues.\n\nSecond.\n",
      "p.md",
    );
    expect(withoutSection.description).toBe("First paragraph continues.");
  });

  it("keeps requirements, implementation plan, testing requirements and success criteria sections", () => {
    const p = parsePromptText(
      [
        "# T",
        "## Requirements",
        "- must parse",
        "### Details",
        "- nested detail",
        "## Implementation Plan",
        "1. write it",
        "## Testing Requirements",
        "- unit tests",
        "## Success Criteria",
        "- it works",
        "## Notes",
        "ignored",
      ].join("\n"),
      "p.md",
    );
    expect(p.sections).toEqual({
      requirements: "- must parse\n### Details\n- nested detail",
      implementationPlan: "1. write it",
      testingRequirements: "- unit tests",
      successCriteria: "- it works",
    });
  });

  it("maps section headings by rule", () => {
    expect(sectionKeyOf("Technical Requirements")).toBe("requirements");
    expect(sectionKeyOf("Test Plan")).toBe("testingRequirements");
    expect(sectionKeyOf("2. Implementation Steps")).toBe("implementationPlan");
    expect(sectionKeyOf("Acceptance Criteria")).toBe("successCriteria");
    expect(sectionKeyOf("Summary")).toBe("description");
    expect(sectionKeyOf("Notes")).toBeUndefined();
  });

  it("marks prompts whose first line says IMPLEMENTED or COMPLETED, or whose status is done", () => {
    expect(parsePromptText("# ✅ IMPLEMENTED: parser\n", "p.md").skipReason).toBe(
      "its first line says IMPLEMENTED",
    );
    expect(parsePromptText("\n**Status: COMPLETED**\n# T\n", "p.md").skipReason).toBe(
      "its first line says COMPLETED",
    );
    expect(parsePromptText("---\nstatus: Done\n---\n# T\n", "p.md").skipReason).toBe(
      'its frontmatter status is "Done"',
    );
    expect(parsePromptText("# T\n\nIMPLEMENTED later in the text\n", "p.md").skipReason).toBeUndefined();
    expect(parsePromptText("# Implemented features list\n", "p.md").skipReason).toBeUndefined();
  });
});

describe("parsePromptFile", () => {
  const temp = useTempDirs();

  function repo(): string {
    const root = temp.dir("gadugi-prompt-");
    mkdirSync(join(root, "prompts"));
    return root;
  }

  it("reads a prompt inside the repository and names it by its repository path", () => {
    const root = repo();
    writeFileSync(join(root, "prompts", "a.md"), "\ufeff# A task\n");
    const p = parsePromptFile("prompts/a.md", { repoRoot: root });
    expect(p.file).toBe("prompts/a.md");
    expect(p.title).toBe("A task");
    expect(parsePromptFile("a.md", { repoRoot: root, cwd: join(root, "prompts") }).file).toBe("prompts/a.md");
  });

  it("rejects a missing file, a directory, and a prompt outside the repository", () => {
    const root = repo();
    expect(errorOf(() => parsePromptFile("prompts/none.md", { repoRoot: root })).code).toBe(
      "GADUGI_FILE_NOT_FOUND",
    );
    const dir = errorOf(() => parsePromptFile("prompts", { repoRoot: root }));
    expect(dir.code).toBe("GADUGI_FILE_UNREADABLE");
    expect(dir.message).toContain("it is a directory");
    const outside = join(temp.dir("gadugi-outside-"), "x.md");
    writeFileSync(outside, "# X\n");
    const err = errorOf(() => parsePromptFile(outside, { repoRoot: root }));
    expect(err.code).toBe("GADUGI_PROMPT_INVALID");
    expect(err.message).toContain("outside the repository");
    // A symlink inside the repository pointing outside is outside too.
    symlinkSync(outside, join(root, "prompts", "link.md"));
    expect(errorOf(() => parsePromptFile("prompts/link.md", { repoRoot: root })).message).toContain(
      "outside",
    );
  });

  it("rejects binary, non-UTF-8 and 1 MiB prompts", () => {
    const root = repo();
    writeFileSync(join(root, "prompts", "bin.md"), Buffer.from([0x23, 0x20, 0x00, 0x01]));
    expect(errorOf(() => parsePromptFile("prompts/bin.md", { repoRoot: root })).message).toContain("binary");
    writeFileSync(join(root, "prompts", "latin1.md"), Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
    expect(errorOf(() => parsePromptFile("prompts/latin1.md", { repoRoot: root })).message).toContain(
      "UTF-8",
    );
    writeFileSync(join(root, "prompts", "big.md"), `# Big\n${"x".repeat(1024 * 1024)}`);
    const big = errorOf(() => parsePromptFile("prompts/big.md", { repoRoot: root }));
    expect(big.code).toBe("GADUGI_PROMPT_INVALID");
    expect(big.message).toContain("smaller than 1 MiB");
    expect(big.exitCode).toBe(2);
  });

  it.skipIf(process.getuid?.() === 0)("reports an unreadable file", () => {
    const root = repo();
    writeFileSync(join(root, "prompts", "secret.md"), "# S\n");
    chmodSync(join(root, "prompts", "secret.md"), 0o000);
    expect(errorOf(() => parsePromptFile("prompts/secret.md", { repoRoot: root })).code).toBe(
      "GADUGI_FILE_UNREADABLE",
    );
  });
});
