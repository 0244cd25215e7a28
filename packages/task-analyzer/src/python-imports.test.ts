import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTempRepo, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { buildImportGraph } from "./import-graph.js";
import { decodePyImport, encodePyImport, scanPythonImports } from "./python-imports.js";
import { PythonResolver } from "./python-resolver.js";

describe("scanPythonImports", () => {
  it("reads import and from-import statements", () => {
    const src = [
      "import os",
      "import a.b as c, d",
      "from pkg.mod import f, g as h",
      "from . import sibling",
      "from ..parent.mod import (",
      "    x,",
      "    y as z,",
      ")",
      "from .star import *",
      "import e; import f2",
      "from long.name import \\",
      "    thing",
      "def lazy():",
      "    import inside.function",
      'mod = importlib.import_module("dyn.mod")',
    ].join("\n");
    expect(scanPythonImports(src)).toEqual([
      { level: 0, module: "os", names: [] },
      { level: 0, module: "a.b", names: [] },
      { level: 0, module: "d", names: [] },
      { level: 0, module: "pkg.mod", names: ["f", "g"] },
      { level: 1, module: "", names: ["sibling"] },
      { level: 2, module: "parent.mod", names: ["x", "y"] },
      { level: 1, module: "star", names: ["*"] },
      { level: 0, module: "e", names: [] },
      { level: 0, module: "f2", names: [] },
      { level: 0, module: "long.name", names: ["thing"] },
      { level: 0, module: "inside.function", names: [] },
      { level: 0, module: "dyn.mod", names: [] },
    ]);
  });

  it("never reads docstrings, strings or comments as code", () => {
    const src = [
      '"""Module doc.',
      "",
      "import not_real",
      "from fake import thing",
      '"""',
      "# import commented",
      "s = 'import quoted'",
      "t = r'''",
      "from raw import x",
      "'''",
      "from real import y",
    ].join("\n");
    expect(scanPythonImports(src)).toEqual([{ level: 0, module: "real", names: ["y"] }]);
  });

  it("round-trips through the cache encoding", () => {
    const imp = { level: 2, module: "a.b", names: ["c", "d"] };
    expect(decodePyImport(encodePyImport(imp))).toEqual(imp);
    expect(decodePyImport(encodePyImport({ level: 0, module: "x", names: [] }))).toEqual({
      level: 0,
      module: "x",
      names: [],
    });
  });
});

describe("PythonResolver", () => {
  const files = [
    "app/__init__.py",
    "app/core.py",
    "app/sub/__init__.py",
    "app/sub/helpers.py",
    "src/lib/__init__.py",
    "src/lib/tools.py",
    "scripts/run.py",
    "scripts/util.py",
  ];
  const resolver = new PythonResolver(files);

  it("uses the repository root, src/ and the parents of top-level packages as roots", () => {
    expect(resolver.roots).toEqual(["", "src"]);
    expect(resolver.resolve("scripts/run.py", { level: 0, module: "lib.tools", names: [] })).toEqual([
      "src/lib/tools.py",
    ]);
  });

  it("resolves absolute modules, packages and submodules named in from-imports", () => {
    const at = "app/sub/helpers.py";
    expect(resolver.resolve(at, { level: 0, module: "app.core", names: ["run"] })).toEqual(["app/core.py"]);
    expect(resolver.resolve(at, { level: 0, module: "app", names: ["core"] })).toEqual(["app/core.py"]);
    expect(resolver.resolve(at, { level: 0, module: "app", names: ["core", "VERSION"] })).toEqual([
      "app/core.py",
      "app/__init__.py",
    ]);
    expect(resolver.resolve(at, { level: 0, module: "app.sub", names: [] })).toEqual(["app/sub/__init__.py"]);
  });

  it("resolves relative imports from the importing file's package", () => {
    expect(resolver.resolve("app/sub/helpers.py", { level: 2, module: "core", names: ["run"] })).toEqual([
      "app/core.py",
    ]);
    expect(resolver.resolve("app/core.py", { level: 1, module: "", names: ["sub"] })).toEqual([
      "app/sub/__init__.py",
    ]);
    expect(resolver.resolve("app/core.py", { level: 5, module: "x", names: [] })).toEqual([]);
  });

  it("finds script-style sibling modules and drops the standard library and installed packages", () => {
    expect(resolver.resolve("scripts/run.py", { level: 0, module: "util", names: [] })).toEqual([
      "scripts/util.py",
    ]);
    expect(resolver.resolve("scripts/run.py", { level: 0, module: "os.path", names: [] })).toEqual([]);
    expect(resolver.resolve("scripts/run.py", { level: 0, module: "requests", names: ["get"] })).toEqual([]);
  });
});

/**
 * A module holding one dict literal of about `bytes` bytes: nested brackets, prefixed strings and
 * strings or comments that look like imports or hold unbalanced brackets, one entry per line.
 */
function largeDictModule(bytes: number): string {
  const parts = ["import os\nfrom . import alpha\n\nDATA = {\n"];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const entry =
      `    "key_${i}": [{"name": 'v${i}', "tags": ("a", "b]"), "n": [${i}, [${i + 1}, {"p": r"x\\y(", "q": b'}'}]]},` +
      ` "import fake_${i}", f"from x{i} import y"],  # ) import commented\n`;
    parts.push(entry);
    size += entry.length;
  }
  parts.push("}\n\nfrom .beta import thing\nimport pkg.tail\n");
  return parts.join("");
}

describe("scanPythonImports on a large literal", () => {
  const temp = useTempDirs();

  it("finds the imports around a 1 MB dict literal and none inside it", async () => {
    const repo = temp.track(
      await createTempRepo({
        files: {
          "pkg/__init__.py": "",
          "pkg/alpha.py": "",
          "pkg/beta.py": "",
          "pkg/tail.py": "",
          "pkg/data.py": largeDictModule(1024 * 1024),
        },
      }),
    );
    const source = readFileSync(join(repo.dir, "pkg/data.py"), "utf8");
    expect(source.length).toBeGreaterThan(1024 * 1024);
    expect(scanPythonImports(source)).toEqual([
      { level: 0, module: "os", names: [] },
      { level: 1, module: "", names: ["alpha"] },
      { level: 1, module: "beta", names: ["thing"] },
      { level: 0, module: "pkg.tail", names: [] },
    ]);
    const graph = await buildImportGraph(repo.dir, { cache: false });
    expect(graph.imports.get("pkg/data.py")).toEqual(["pkg/alpha.py", "pkg/beta.py", "pkg/tail.py"]);
  });
});
