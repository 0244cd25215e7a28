import { describe, expect, it } from "vitest";
import { parseExecuteRequest } from "./request.js";

describe("parseExecuteRequest", () => {
  it("reads the seed's request form", () => {
    const text = [
      "/agent:orchestrator-agent",
      "",
      "Execute these specific prompts in parallel:",
      "- test-definition-node.md",
      "- test-relationship-creator.md",
      "- test-documentation-linker.md",
    ].join("\n");
    expect(parseExecuteRequest(text)).toEqual({
      files: ["test-definition-node.md", "test-relationship-creator.md", "test-documentation-linker.md"],
      hasHeader: true,
    });
  });

  it("accepts numbered items, backticks, links, trailing comments and drops repeats", () => {
    const text = [
      "Execute the following prompts:",
      "1. `prompts/a.md`",
      "2) [B](prompts/b.md)",
      "* prompts/c.md (after the parser)",
      "+ prompts/d.md # later",
      "- prompts/a.md",
    ].join("\n");
    expect(parseExecuteRequest(text).files).toEqual([
      "prompts/a.md",
      "prompts/b.md",
      "prompts/c.md",
      "prompts/d.md",
    ]);
  });

  it("takes bare path lines when there is no list", () => {
    expect(parseExecuteRequest("prompts/a.md\nprompts/b.md\n\nnot a path\n").files).toEqual([
      "prompts/a.md",
      "prompts/b.md",
    ]);
    expect(parseExecuteRequest("").files).toEqual([]);
  });
});
