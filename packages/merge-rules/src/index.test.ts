import { describe, expect, it } from "vitest";
import { lockfileCommand, MergeRuleTable, mergeFile, mergeRuleTable } from "./index.js";

describe("rule table", () => {
  it("has built-in rules for changelogs, notes, manifests and lockfiles", () => {
    const table = new MergeRuleTable();
    const names = [
      "CHANGELOG.md",
      "docs/HISTORY.rst",
      "NOTES.md",
      "notes/2026/june.md",
      "package.json",
      "apps/x/package.json",
      "pyproject.toml",
      "pnpm-lock.yaml",
      "uv.lock",
      "README.md",
      "src/a.ts",
    ].map((p) => [p, table.ruleFor(p)?.name]);
    expect(Object.fromEntries(names)).toEqual({
      "CHANGELOG.md": "append-only",
      "docs/HISTORY.rst": "append-only",
      "NOTES.md": "append-only",
      "notes/2026/june.md": "append-only",
      "package.json": "version",
      "apps/x/package.json": "version",
      "pyproject.toml": "version",
      "pnpm-lock.yaml": "lockfile",
      "uv.lock": "lockfile",
      "README.md": undefined,
      "src/a.ts": undefined,
    });
  });

  it("lets the config add globs, turn one off and set version fields; false turns all off", () => {
    const table = new MergeRuleTable({
      "README.md": "append-only",
      "CHANGELOG.md": "off",
      "chart/Chart.yaml": "keyed-map",
      "manifest.json": { rule: "version", fields: ["meta.version"] },
    });
    expect(table.ruleFor("README.md")).toEqual({ name: "append-only", glob: "README.md" });
    expect(table.ruleFor("CHANGELOG.md")).toBeUndefined();
    expect([table.turnedOff("CHANGELOG.md"), table.turnedOff("docs/guide.md")]).toEqual([true, false]);
    expect(table.ruleFor("chart/Chart.yaml")?.name).toBe("keyed-map");
    expect(table.ruleFor("manifest.json")).toEqual({
      name: "version",
      glob: "manifest.json",
      fields: ["meta.version"],
    });
    expect(mergeRuleTable(false)).toBeUndefined();
  });
});

describe("mergeFile", () => {
  it("applies the matched rule", () => {
    const rule = new MergeRuleTable().ruleFor("CHANGELOG.md");
    const result = rule && mergeFile("CHANGELOG.md", rule, { base: "x\n", ours: "x\na\n", theirs: "x\nb\n" });
    expect(result).toMatchObject({ ok: true, content: "x\na\nb\n" });
  });

  it("refuses binary content under any rule", () => {
    const result = mergeFile(
      "NOTES.md",
      { name: "append-only", glob: "NOTES.md" },
      { ours: "a\0", theirs: "b" },
    );
    expect(result).toEqual({ ok: false, reason: "a binary file" });
  });

  it("takes ours of a lockfile and names the package manager's lockfile-only command", () => {
    const result = mergeFile(
      "web/package-lock.json",
      { name: "lockfile", glob: "x" },
      { ours: "{1}", theirs: "{2}" },
    );
    expect(result).toMatchObject({
      ok: true,
      content: "{1}",
      regenerate: { manager: "npm", program: "npm" },
    });
    expect(lockfileCommand("poetry.lock")?.args).toEqual(["lock", "--no-update"]);
    expect(lockfileCommand("pnpm-lock.yaml")?.args).toEqual([
      "install",
      "--lockfile-only",
      "--ignore-scripts",
    ]);
    expect(lockfileCommand("yarn.lock")).toBeUndefined();
  });
});
