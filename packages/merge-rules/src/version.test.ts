import { describe, expect, it } from "vitest";
import { higherVersion, mergeVersion } from "./version.js";

const pkg = (version: string, extra = "") =>
  `{\n  "name": "lib",\n  "version": "${version}",${extra}\n  "type": "module"\n}\n`;

describe("version rule", () => {
  it("takes the higher semantic version of package.json", () => {
    const result = mergeVersion("package.json", {
      base: pkg("1.0.0"),
      ours: pkg("1.0.1"),
      theirs: pkg("1.1.0"),
    });
    expect(result).toMatchObject({ ok: true, content: pkg("1.1.0") });
    expect(result.reason).toBe(
      "higher version: version 1.1.0 (of 1.0.1 and 1.1.0); the rest merged line by line",
    );
  });

  it("compares pre-releases as semver does", () => {
    const result = mergeVersion("package.json", {
      base: pkg("1.0.0"),
      ours: pkg("2.0.0-rc.1"),
      theirs: pkg("1.9.9"),
    });
    expect(result.ok && result.content).toBe(pkg("2.0.0-rc.1"));
  });

  it("merges other keys both sides added next to the bump key by key", () => {
    const ours = pkg("1.0.1", '\n  "description": "ours",');
    const theirs = pkg("1.0.2", '\n  "license": "MIT",');
    const result = mergeVersion("package.json", { base: pkg("1.0.0"), ours, theirs });
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.ok ? result.content : "")).toEqual({
      name: "lib",
      version: "1.0.2",
      description: "ours",
      license: "MIT",
      type: "module",
    });
  });

  it("refuses when the rest of the file conflicts", () => {
    const result = mergeVersion("package.json", {
      base: pkg("1.0.0", '\n  "description": "base",'),
      ours: pkg("1.0.1", '\n  "description": "ours",'),
      theirs: pkg("1.0.2", '\n  "description": "theirs",'),
    });
    expect(result).toEqual({
      ok: false,
      reason:
        "higher version: version 1.0.2 (of 1.0.1 and 1.0.2), but the rest does not merge: both sides changed description",
    });
  });

  it("refuses a version that is not semver", () => {
    const result = mergeVersion("package.json", {
      base: pkg("1.0.0"),
      ours: pkg("next"),
      theirs: pkg("1.0.1"),
    });
    expect(result).toEqual({
      ok: false,
      reason: "version is not a semantic or PEP 440 version on both sides (next, 1.0.1)",
    });
  });

  it("reads pyproject.toml's [project] version, leaving other tables' versions alone", () => {
    const toml = (v: string) =>
      `[build-system]\nrequires = ["hatchling"]\n\n[project]\nname = "lib"\nversion = "${v}"\n\n[tool.other]\nversion = "9.9.9"\n`;
    const result = mergeVersion("pyproject.toml", {
      base: toml("0.1.0"),
      ours: toml("0.2.0"),
      theirs: toml("0.1.1"),
    });
    expect(result).toMatchObject({ ok: true, content: toml("0.2.0") });
  });

  it("uses configured fields: a nested JSON path", () => {
    const doc = (v: string) => `{\n  "app": {\n    "release": "${v}"\n  }\n}\n`;
    const result = mergeVersion(
      "app.json",
      { base: doc("1.0.0"), ours: doc("1.2.0"), theirs: doc("1.3.0") },
      ["app.release"],
    );
    expect(result).toMatchObject({ ok: true, content: doc("1.3.0") });
  });
});

describe("version rule, one side's bump", () => {
  const manifest = (version: string, deps: Record<string, string>) =>
    `${JSON.stringify({ name: "app", version, devDependencies: deps }, null, 2)}\n`;

  it("takes the version of the one side that changed it, even when it is lower", () => {
    const result = mergeVersion("package.json", {
      base: manifest("2.0.0", { a: "1" }),
      ours: manifest("1.9.9", { a: "1" }),
      theirs: manifest("2.0.0", { a: "1", b: "1" }),
    });
    expect(result.ok && JSON.parse(result.content)).toEqual({
      name: "app",
      version: "1.9.9",
      devDependencies: { a: "1", b: "1" },
    });
    expect(result.reason).toBe(
      "version 1.9.9 from the one side that changed it; the rest merged line by line",
    );
  });
});

describe("version rule, Python versions", () => {
  const pyproject = (v: string) => `[project]\nname = "click"\nversion = "${v}"\n`;

  it("compares pyproject.toml versions as PEP 440 does (click's 8.5.0.dev)", () => {
    const result = mergeVersion("pyproject.toml", {
      base: pyproject("8.5.0.dev"),
      ours: pyproject("8.5.0"),
      theirs: pyproject("8.5.1.dev0"),
    });
    expect(result).toMatchObject({ ok: true, content: pyproject("8.5.1.dev0") });
    expect(result.reason).toContain("higher version: project.version 8.5.1.dev0 (of 8.5.0 and 8.5.1.dev0)");
  });

  it("uses semver when both are semantic versions, PEP 440 when one is only that", () => {
    expect(higherVersion("2.0.0-rc.1", "1.9.9")).toBe("2.0.0-rc.1");
    expect(higherVersion("1.2.3", "1.2.4rc1")).toBe("1.2.4rc1");
    expect(higherVersion("2.1", "2.0.post1")).toBe("2.1");
    expect(higherVersion("next", "1.0.0")).toBeUndefined();
  });
});
