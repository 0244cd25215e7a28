import { describe, expect, it } from "vitest";
import {
  catalogueHint,
  ERROR_CATALOGUE,
  type GadugiErrorCode,
  renderErrorCatalogueMarkdown,
} from "./index.js";

describe("renderErrorCatalogueMarkdown", () => {
  const markdown = renderErrorCatalogueMarkdown();
  const rows = markdown.split("\n").filter((line) => line.startsWith("| `GADUGI_"));

  it("lists every code once, in catalogue order, with title and exit code", () => {
    const codes = Object.keys(ERROR_CATALOGUE) as GadugiErrorCode[];
    expect(rows.map((row) => row.split(" | ")[0]?.slice(3, -1))).toEqual(codes);
    for (const [i, code] of codes.entries()) {
      expect(rows[i]).toContain(`| ${ERROR_CATALOGUE[code].title} | ${ERROR_CATALOGUE[code].exitCode} |`);
    }
  });

  it("is a table with a header and four cells per row", () => {
    expect(markdown).toContain("| Code | Title | Exit code | Hint |\n| --- | --- | --- | --- |\n");
    for (const row of rows) expect(row.replace(/\\\|/g, "").split("|")).toHaveLength(6);
    expect(markdown.endsWith("|\n")).toBe(true);
  });

  it("shows argument-dependent hints as templates", () => {
    expect(catalogueHint("GADUGI_COMMAND_NOT_FOUND")).toBe(
      "Install {command} or put it on PATH, then retry.",
    );
    expect(markdown).toContain("See the task's log with `gadugi logs {taskId}`.");
    expect(catalogueHint("GADUGI_UNEXPECTED")).toMatch(/This is a bug in Gadugi/);
  });

  it("keeps angle brackets visible outside code spans", () => {
    expect(markdown).toContain("or pass --cwd &lt;repo&gt;.");
  });
});
