import { describe, expect, it } from "vitest";
import { classifyType, complexitySignals, estimateComplexity } from "./classify.js";
import { createTaskIdGenerator, slugForPrompt, slugify } from "./ids.js";

describe("classifyType", () => {
  const type = (title: string, extra: Partial<Parameters<typeof classifyType>[0]> = {}) =>
    classifyType({ title, file: "prompts/x.md", ...extra });

  it("takes the earliest type keyword of the title", () => {
    expect(type("Fix flaky test in the parser")).toBe("bugfix");
    expect(type("Add tests for the parser fix")).toBe("test");
    expect(type("Refactor the docs loader")).toBe("refactor");
    expect(type("Write documentation for the CLI")).toBe("docs");
    expect(type("Add retry support")).toBe("feature");
  });

  it("falls back to the file name, then the description", () => {
    expect(type("Parser", { file: "prompts/fix-parser-crash.md" })).toBe("bugfix");
    expect(type("Parser", { description: "Clean up the parser module." })).toBe("refactor");
    expect(type("Parser")).toBe("feature");
  });

  it("calls a task that only writes documentation files docs", () => {
    expect(
      type("Fix the guide", {
        targets: [
          { path: "docs/guide.md", access: "modifies" },
          { path: "src/a.ts", access: "reads" },
        ],
      }),
    ).toBe("docs");
  });
});

describe("estimateComplexity", () => {
  it("follows its thresholds", () => {
    expect(estimateComplexity({ writtenFiles: 1, words: 100, items: 3 })).toBe("low");
    expect(estimateComplexity({ writtenFiles: 3, words: 100, items: 3 })).toBe("medium");
    expect(estimateComplexity({ writtenFiles: 1, words: 800, items: 3 })).toBe("medium");
    expect(estimateComplexity({ writtenFiles: 8, words: 100, items: 0 })).toBe("high");
    expect(estimateComplexity({ writtenFiles: 1, words: 1501, items: 0 })).toBe("high");
    expect(estimateComplexity({ writtenFiles: 1, words: 100, items: 25 })).toBe("high");
  });

  it("counts words, list items of kept sections and written files", () => {
    const signals = complexitySignals(
      "# T\n\nOne two three.",
      { requirements: "- a\n- b\n1. c\nnot an item" },
      [
        { path: "a.ts", access: "modifies" },
        { path: "b.ts", access: "creates" },
        { path: "c.ts", access: "reads" },
      ],
    );
    expect(signals).toEqual({ writtenFiles: 2, words: 4, items: 3 });
  });
});

describe("ids", () => {
  it("makes slugs from file names or frontmatter ids", () => {
    expect(slugify("Fix Import_bug")).toBe("fix-import-bug");
    expect(slugify("Café ünïcode!")).toBe("cafe-unicode");
    expect(slugify("!!!")).toBe("task");
    expect(slugForPrompt("prompts/001_Add Parser.md")).toBe("001-add-parser");
    expect(slugForPrompt("prompts/x.md", "My Task")).toBe("my-task");
  });

  it("makes unique task ids in the seed's form, reproducible with a fixed salt", () => {
    const now = new Date("2025-08-01T14:30:22Z");
    const next = createTaskIdGenerator(now, "salt");
    const ids = ["a", "b", "a", "a"].map(next);
    for (const id of ids) expect(id).toMatch(/^task-20250801-143022-[0-9a-f]{4}$/);
    expect(new Set(ids).size).toBe(4);
    expect(createTaskIdGenerator(now, "salt")("a")).toBe(ids[0]);
    expect(createTaskIdGenerator(now, "other")("a")).not.toBe(ids[0]);
  });
});
