import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempRepo, type TempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { gitBlobId, workingTreeBlobIds } from "./blob-ids.js";
import { CACHE_FILE } from "./cache.js";
import { buildImportGraph, importNeighborhood } from "./import-graph.js";
import { ImportGraphSession } from "./import-graph-session.js";

const TS_FILES: Record<string, string> = {
  "package.json": JSON.stringify({ name: "fixture", type: "module" }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      module: "NodeNext",
      moduleResolution: "NodeNext",
      allowJs: true,
      paths: { "@lib/*": ["./src/lib/*"], "#config": ["./src/config.ts"] },
    },
  }),
  "src/lib/math.ts": "export const add = (a: number, b: number) => a + b;\n",
  "src/lib/index.ts": 'export * from "./math.js";\nexport { VERSION } from "../config.js";\n',
  "src/config.ts": "export const VERSION = 1;\n",
  "src/paths.ts":
    'import { add } from "@lib/math.js";\nimport { VERSION } from "#config";\nexport const x = add(VERSION, 1);\n',
  "src/barrel.ts": 'import { add } from "./lib/index.js";\nexport const y = add(1, 2);\n',
  "src/lazy.ts": 'export async function load() {\n  return import("./barrel.js");\n}\n',
  "src/legacy.cjs": 'const { x } = require("./paths.js");\nmodule.exports = x;\n',
  "src/plain.js":
    'import fs from "node:fs";\nimport lodash from "lodash";\nimport { x } from "./paths.js";\nexport default x;\n',
  "src/types.d.ts": "export type T = number;\n",
  "src/uses-types.ts": 'import type { T } from "./types.js";\nexport const t: T = 1;\n',
  "py/app/__init__.py": "",
  "py/app/core.py": "def run():\n    return 1\n",
  "py/app/service.py": "from .core import run\nfrom app import core\n",
  "py/tools/cli.py": "import app.service\n",
  "README.md": "# fixture\n",
};

describe("buildImportGraph", () => {
  const temp = useTempDirs();
  const repoWith = async (files: Record<string, string>): Promise<TempRepo> =>
    temp.track(await createTempRepo({ files }));

  it("resolves TS/JS imports: tsconfig paths, .js to .ts, index files, re-exports, dynamic import, require", async () => {
    const repo = await repoWith(TS_FILES);
    const graph = await buildImportGraph(repo.dir, { cache: false });
    const imports = Object.fromEntries([...graph.imports].filter(([f]) => f.startsWith("src/")));
    expect(imports).toEqual({
      "src/barrel.ts": ["src/lib/index.ts"],
      "src/config.ts": [],
      "src/lazy.ts": ["src/barrel.ts"],
      "src/legacy.cjs": ["src/paths.ts"],
      "src/lib/index.ts": ["src/lib/math.ts", "src/config.ts"],
      "src/lib/math.ts": [],
      "src/paths.ts": ["src/lib/math.ts", "src/config.ts"],
      "src/plain.js": ["src/paths.ts"],
      "src/types.d.ts": [],
      "src/uses-types.ts": ["src/types.d.ts"],
    });
    expect(graph.importersOf("src/lib/math.ts")).toEqual(["src/lib/index.ts", "src/paths.ts"]);
  });

  it("resolves the directory specifiers `.`, `..`, `./` and `../` to the directory's index", async () => {
    const repo = await repoWith({
      "package.json": JSON.stringify({ name: "dirs", type: "module" }),
      "tsconfig.json": JSON.stringify({
        compilerOptions: { module: "preserve", moduleResolution: "bundler" },
      }),
      "src/index.ts": "export const root = 1;\n",
      "src/a/index.ts": "export const a = 1;\n",
      "src/a/b.ts": 'import x from "..";\nimport "./";\nexport const b = x;\n',
      "src/a/c.ts": 'import { a } from ".";\nimport y from "../";\nexport const c = [a, y];\n',
      "src/a/deep/d.js": 'const up = require("../..");\nmodule.exports = up;\n',
    });
    const graph = await buildImportGraph(repo.dir, { cache: false });
    expect(graph.imports.get("src/a/b.ts")).toEqual(["src/index.ts", "src/a/index.ts"]);
    expect(graph.imports.get("src/a/c.ts")).toEqual(["src/a/index.ts", "src/index.ts"]);
    expect(graph.imports.get("src/a/deep/d.js")).toEqual(["src/index.ts"]);
  });

  it("resolves Python imports to repository files", async () => {
    const repo = await repoWith(TS_FILES);
    const graph = await buildImportGraph(repo.dir, { cache: false });
    expect(graph.imports.get("py/app/service.py")).toEqual(["py/app/core.py"]);
    expect(graph.imports.get("py/tools/cli.py")).toEqual(["py/app/service.py"]);
    expect(graph.files).not.toContain("README.md");
  });

  it("resolves absolute Python imports inside a package against the source roots, never the file's directory", async () => {
    const repo = await repoWith({
      "src/pip/__init__.py": "",
      "src/pip/_internal/__init__.py": "",
      "src/pip/_internal/utils/__init__.py": "",
      "src/pip/_internal/utils/logging.py": "import logging\n",
      "src/pip/_internal/utils/glibc.py": "",
      "src/pip/_internal/utils/misc.py": "",
      "src/pip/_internal/utils/compat.py":
        "import logging\nfrom . import misc\nfrom .glibc import version\nfrom pip._internal.utils import misc as m\n",
      "src/click/__init__.py": "",
      "src/click/types.py": "",
      "src/click/utils.py": "from types import ModuleType\n",
      "src/click/core.py": "from types import TracebackType\nfrom .types import ParamType\n",
      "lib/sqlalchemy/__init__.py": "",
      "lib/sqlalchemy/util/__init__.py": "",
      "lib/sqlalchemy/util/typing.py": "",
      "lib/sqlalchemy/util/typing.pyi": "",
      "lib/sqlalchemy/util/compat.py": "import typing\nfrom typing import Any\n",
      "lib/sqlalchemy/util/compat.pyi": "import typing\n",
      "scripts/run.py": "import helper\nimport typing\n",
      "scripts/helper.py": "",
    });
    const graph = await buildImportGraph(repo.dir, { cache: false });
    const imports = (file: string) => graph.imports.get(file);
    // Standard-library modules shadowed by a sibling file inside a package are not edges.
    expect(imports("src/pip/_internal/utils/logging.py")).toEqual([]);
    expect(imports("src/pip/_internal/utils/compat.py")).toEqual([
      "src/pip/_internal/utils/misc.py",
      "src/pip/_internal/utils/glibc.py",
    ]);
    expect(imports("src/click/utils.py")).toEqual([]);
    expect(imports("src/click/core.py")).toEqual(["src/click/types.py"]);
    expect(imports("lib/sqlalchemy/util/compat.py")).toEqual([]);
    expect(imports("lib/sqlalchemy/util/compat.pyi")).toEqual([]);
    // A top-level script (its directory is no package) still finds the modules beside it.
    expect(imports("scripts/run.py")).toEqual(["scripts/helper.py"]);
  });

  it("caches per file content and re-reads only what changed, without loading TypeScript", async () => {
    const repo = await repoWith(TS_FILES);
    const cold = await buildImportGraph(repo.dir);
    expect(cold.stats).toMatchObject({ parsed: 14, fromCache: 0, typescriptLoaded: true });
    expect(existsSync(join(repo.dir, ".gadugi", "cache", CACHE_FILE))).toBe(true);
    expect(readFileSync(join(repo.dir, ".gadugi", "cache", ".gitignore"), "utf8")).toBe("*\n");
    expect(await repo.git(["status", "--porcelain"])).toBe("");

    const warm = await buildImportGraph(repo.dir);
    expect(warm.stats).toMatchObject({ parsed: 0, fromCache: 14, resolved: 0, typescriptLoaded: false });
    expect([...warm.imports]).toEqual([...cold.imports]);

    // An edit that keeps the imports: one file read again, still no TypeScript.
    repo.write({ "src/paths.ts": `${TS_FILES["src/paths.ts"]}// edited\n` });
    const edited = await buildImportGraph(repo.dir);
    expect(edited.stats).toMatchObject({ parsed: 1, fromCache: 13, resolved: 0, typescriptLoaded: false });

    // A new import: only it is resolved.
    repo.write({
      "src/config.ts": 'import { add } from "./lib/math.js";\nexport const VERSION = add(0, 1);\n',
    });
    const added = await buildImportGraph(repo.dir);
    expect(added.stats).toMatchObject({ parsed: 1, resolved: 1, typescriptLoaded: true });
    expect(added.imports.get("src/config.ts")).toEqual(["src/lib/math.ts"]);
  });

  it("re-resolves when the file set or a tsconfig changes", async () => {
    const repo = await repoWith(TS_FILES);
    await buildImportGraph(repo.dir);
    await repo.commit("add a module", { "src/extra.ts": 'import { x } from "./paths.js";\n' });
    const after = await buildImportGraph(repo.dir);
    expect(after.stats.parsed).toBe(1);
    expect(after.stats.resolvedFromCache).toBe(0);
    expect(after.imports.get("src/extra.ts")).toEqual(["src/paths.ts"]);
  });

  it("reads only what a session asks for, and keeps the cache of the rest", async () => {
    const repo = await repoWith(TS_FILES);
    await buildImportGraph(repo.dir);
    repo.write({ "src/barrel.ts": `${TS_FILES["src/barrel.ts"]}// edited\n` });
    const session = await ImportGraphSession.open(repo.dir);
    const near = await importNeighborhood(session, ["src/lazy.ts"], 2);
    expect([...near]).toEqual([
      ["src/lazy.ts", ["src/barrel.ts"]],
      ["src/barrel.ts", ["src/lib/index.ts"]],
    ]);
    expect(session.stats()).toMatchObject({ files: 2, parsed: 1, fromCache: 1, typescriptLoaded: false });
    await session.save(false);
    const full = await buildImportGraph(repo.dir);
    expect(full.stats).toMatchObject({ parsed: 0, fromCache: 14, resolved: 0 });
  });

  it("survives a corrupt cache", async () => {
    const repo = await repoWith(TS_FILES);
    repo.write({ [`.gadugi/cache/${CACHE_FILE}`]: "{not json" });
    const graph = await buildImportGraph(repo.dir);
    expect(graph.stats.parsed).toBe(14);
  });
});

describe("workingTreeBlobIds", () => {
  const temp = useTempDirs();

  it("gives git's blob ids, re-hashing edited files and leaving out deleted ones", async () => {
    const repo = temp.track(
      await createTempRepo({ files: { "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" } }),
    );
    repo.write({ "a.txt": "changed\n", "c.txt": null });
    const ids = await workingTreeBlobIds(repo.dir);
    expect([...ids.keys()].sort()).toEqual(["a.txt", "b.txt"]);
    expect(ids.get("a.txt")).toBe(await repo.git(["hash-object", "a.txt"]));
    expect(ids.get("b.txt")).toBe(await repo.git(["rev-parse", "HEAD:b.txt"]));
    expect(gitBlobId(Buffer.from("changed\n"))).toBe(ids.get("a.txt"));
  });
});
