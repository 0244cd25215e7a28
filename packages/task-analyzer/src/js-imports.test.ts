import { createRequire } from "node:module";
import type { ts as TsNamespace } from "ts-morph";
import { describe, expect, it } from "vitest";
import { scanJsImports } from "./js-imports.js";

const ts = (createRequire(import.meta.url)("ts-morph") as { ts: typeof TsNamespace }).ts;

const specs = (src: string) => scanJsImports(src).map((i) => `${i.kind}:${i.specifier}`);

/** What TypeScript's own pre-processor finds, for comparison. */
const tsSpecs = (src: string) =>
  ts
    .preProcessFile(src, true, true)
    .importedFiles.map((f) => f.fileName)
    .sort();

describe("scanJsImports", () => {
  it("finds static imports in every form", () => {
    const src = [
      'import a from "./a.js";',
      'import * as b from "./b";',
      'import { c, d as e } from "../c/index.js";',
      'import f, { g } from "@lib/g";',
      'import type { H } from "./types.js";',
      'import "./side-effect.css";',
      "import {\n  x,\n  y,\n} from './multi-line';",
      'import json from "./data.json" with { type: "json" };',
      'import type from "./named-type.js";',
    ].join("\n");
    expect(specs(src)).toEqual([
      "import:./a.js",
      "import:./b",
      "import:../c/index.js",
      "import:@lib/g",
      "import:./types.js",
      "import:./side-effect.css",
      "import:./multi-line",
      "import:./data.json",
      "import:./named-type.js",
    ]);
  });

  it("finds re-exports but not local exports", () => {
    const src = [
      'export * from "./all.js";',
      'export * as ns from "./ns.js";',
      'export { a, b as c } from "./some.js";',
      'export type { T } from "./t.js";',
      "export { local };",
      "export const x = 1;",
      "export default function f() {}",
    ].join("\n");
    expect(specs(src)).toEqual(["export:./all.js", "export:./ns.js", "export:./some.js", "export:./t.js"]);
  });

  it("finds dynamic import() and require() with string literals only", () => {
    const src = [
      'const m = await import("./lazy.js");',
      "const n = await import(`./template.js`);",
      "const o = await import(name);",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source under test
      "const p = await import(`./${name}.js`);",
      'const q = require("./cjs");',
      'import r = require("./ts-require");',
      "const meta = import.meta.url;",
      'obj.require("./not-a-require");',
    ].join("\n");
    expect(specs(src)).toEqual([
      "dynamic:./lazy.js",
      "dynamic:./template.js",
      "require:./cjs",
      "require:./ts-require",
    ]);
  });

  it("ignores comments, strings, templates and regular expressions that look like imports", () => {
    const src = [
      '// import x from "./line-comment";',
      '/* import y from "./block-comment"; */',
      "const s = 'import z from \"./in-string\"';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source under test
      'const t = `import w from "./in-template" ${value} import("./also")`;',
      'const re = /import v from "x"/;',
      "const ratio = a / b; const other = c / d;",
      'import real from "./real.js";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source under test
      "const nested = `a ${`b ${'c'}`} d`;",
      'import after from "./after-template.js";',
    ].join("\n");
    expect(specs(src)).toEqual(["import:./real.js", "import:./after-template.js"]);
  });

  it("keeps scanning after JSX text with an apostrophe", () => {
    const src = [
      'import React from "react";',
      "export const A = () => <p>Don't stop</p>;",
      'import { b } from "./b.js";',
    ].join("\n");
    expect(specs(src)).toEqual(["import:react", "import:./b.js"]);
  });

  it("agrees with ts.preProcessFile on a mixed module", () => {
    const src = [
      "#!/usr/bin/env node",
      'import a from "./a.js";',
      'import type { B } from "./b.js";',
      'export * from "./c.js";',
      'export { d } from "./d.js";',
      "const x = 1 / 2; // import nope from 'x'",
      "const re = /[/]import/g;",
      'async function f() { return import("./e.js"); }',
      'const g = require("./g.cjs");',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript source under test
      "const tpl = `${a} import('./no')`;",
      'import h = require("./h");',
      "class K { import() { return 1; } }",
    ].join("\n");
    expect(
      specs(src)
        .map((s) => s.slice(s.indexOf(":") + 1))
        .sort(),
    ).toEqual(tsSpecs(src));
  });
});
