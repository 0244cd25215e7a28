import { readFileSync } from "node:fs";
import { renderErrorCatalogueMarkdown } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";

describe("docs/ERRORS.md", () => {
  it("matches the error catalogue (regenerate with `node apps/cli/scripts/gen-errors-doc.mjs`)", () => {
    const committed = readFileSync(new URL("../../../docs/ERRORS.md", import.meta.url), "utf8");
    expect(committed).toBe(renderErrorCatalogueMarkdown());
  });
});
