/**
 * A small repository with TypeScript and Python code and prompts whose expected plan is known:
 *
 * - src/app.ts imports src/lib/math.ts (through the tsconfig path `@lib/*`);
 *   src/cli.ts imports src/app.ts with a dynamic import(); src/lib/index.ts re-exports math;
 *   src/util/strings.ts imports nothing.
 * - py/pkg/service.py imports py/pkg/core.py (relative import); py/tools/report.py imports
 *   pkg.service (absolute, from the `py` source root).
 *
 * Prompts and the edges they must produce (and no others):
 * - add-math (writes src/lib/math.ts, reads src/util/strings.ts)
 * - app-totals (writes src/app.ts; priority high)         add-math → app-totals   import (soft)
 * - docs-totals (depends_on app-totals)                   app-totals → docs-totals explicit
 * - core-fix (writes py/pkg/core.py)
 * - core-refactor (writes py/pkg/core.py)                 core-fix → core-refactor same-file
 * - service-tests (writes py/pkg/service.py, creates a test) core-fix → service-tests, core-refactor → service-tests  import (soft)
 * - strings (writes src/util/strings.ts; "depends on the other work" names no task)  none
 * - done (first line IMPLEMENTED)                          skipped
 */
export const FIXTURE_FILES: Record<string, string> = {
  "package.json": `${JSON.stringify({ name: "fixture", private: true, type: "module" })}\n`,
  "tsconfig.json": `${JSON.stringify({
    compilerOptions: {
      module: "preserve",
      moduleResolution: "bundler",
      paths: { "@lib/*": ["./src/lib/*"] },
    },
  })}\n`,
  "src/lib/math.ts": "export function add(a: number, b: number): number {\n  return a + b;\n}\n",
  "src/lib/index.ts": 'export * from "./math.js";\n',
  "src/app.ts": 'import { add } from "@lib/math";\n\nexport const total = add(1, 2);\n',
  "src/cli.ts":
    'export async function main(): Promise<number> {\n  const app = await import("./app.js");\n  return app.total;\n}\n',
  "src/util/strings.ts": "export const upper = (s: string): string => s.toUpperCase();\n",
  "py/pkg/__init__.py": "",
  "py/pkg/core.py": "def run():\n    return 1\n",
  "py/pkg/service.py":
    '"""The service.\n\nimport os  # in a docstring: not an import\n"""\nfrom .core import run\n\n\ndef serve():\n    return run()\n',
  "py/tools/report.py": "from pkg.service import serve\n\nprint(serve())\n",
  "docs/guide.md": "# Guide\n",
  "prompts/add-math.md": [
    "# Add subtraction to the math library",
    "",
    "## Overview",
    "Extend `src/lib/math.ts` with a `sub` function.",
    "",
    "## Requirements",
    "- Update `src/lib/math.ts`",
    "- Follow the pattern in `src/util/strings.ts`",
    "",
  ].join("\n"),
  "prompts/app-totals.md":
    "---\npriority: high\n---\n# Show totals in the app\n\nChange src/app.ts to print the total.\n",
  "prompts/docs-totals.md":
    "---\ndepends_on: app-totals\n---\n# Document the totals\n\nUpdate `docs/guide.md`.\n",
  "prompts/core-fix.md": "# Fix the crash in core\n\nFix the crash in `py/pkg/core.py`.\n",
  "prompts/core-refactor.md": "# Refactor core\n\nRefactor py/pkg/core.py for clarity.\n",
  "prompts/service-tests.md":
    "# Add tests for the service\n\nModify `py/pkg/service.py` and create `py/tests/test_service.py` as a new file.\n",
  "prompts/strings.md":
    "# Shout louder\n\nUpdate `src/util/strings.ts`. This depends on the other work and on each reviewer.\n",
  "prompts/done.md": "# IMPLEMENTED: old work\n\nModify `src/app.ts`.\n",
};

export const FIXTURE_PROMPTS = [
  "prompts/add-math.md",
  "prompts/app-totals.md",
  "prompts/docs-totals.md",
  "prompts/core-fix.md",
  "prompts/core-refactor.md",
  "prompts/service-tests.md",
  "prompts/strings.md",
  "prompts/done.md",
];
