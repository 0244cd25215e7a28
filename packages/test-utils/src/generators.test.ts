import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { generatePythonRepo, generateTsRepo } from "./generators.js";
import { useTempDirs } from "./temp-dir.js";

const temp = useTempDirs();

describe("generators", () => {
  it("generate the same TypeScript repo for the same options, with resolvable imports", () => {
    const a = temp.dir();
    const b = temp.dir();
    const first = generateTsRepo(a, { modules: 120, importsPerModule: 4 });
    const second = generateTsRepo(b, { modules: 120, importsPerModule: 4 });
    expect(second).toEqual(first);
    expect(first.imports).toHaveLength(480);
    for (const file of first.files)
      expect(readFileSync(join(b, file), "utf8")).toBe(readFileSync(join(a, file), "utf8"));
    const mod = "src/pkg1/mod60.ts";
    const specifiers = [...readFileSync(join(a, mod), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
    expect(specifiers).toHaveLength(4);
    for (const spec of specifiers) {
      expect(existsSync(resolve(dirname(join(a, mod)), spec.replace(/\.js$/, ".ts")))).toBe(true);
    }
    expect(generateTsRepo(temp.dir(), { modules: 120, importsPerModule: 4, seed: 2 }).imports).not.toEqual(
      first.imports,
    );
  });

  it("generate a Python package with both import forms", () => {
    const dir = temp.dir();
    const repo = generatePythonRepo(dir, { modules: 60, importsPerModule: 2 });
    expect(repo.imports).toHaveLength(120);
    expect(existsSync(join(dir, "app/pkg1/__init__.py"))).toBe(true);
    const text = readFileSync(join(dir, "app/pkg0/mod10.py"), "utf8");
    expect(text).toMatch(/^from app\.pkg\d\.mod\d+ import fn\d+$/m);
    expect(text).toMatch(/^import app\.pkg\d\.mod\d+$/m);
  });
});
