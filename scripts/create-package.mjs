#!/usr/bin/env node
// Scaffolds a workspace package with the layout every package here shares:
//   node scripts/create-package.mjs <name> "<one-line description>" [dep ...]
// <name> becomes @gadugi/<name> in packages/<name>; deps are other @gadugi/* names.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, description, ...deps] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: node scripts/create-package.mjs <name> "<description>" [dep ...]');
  process.exit(2);
}
const dir = join(root, "packages", name);
if (existsSync(dir)) {
  console.error(`packages/${name} already exists`);
  process.exit(1);
}
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const write = (rel, text) => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
};
const json = (v) => `${JSON.stringify(v, null, 2)}\n`;

write(
  "package.json",
  json({
    name: `@gadugi/${name}`,
    version: "0.0.0",
    description,
    license: "MIT",
    type: "module",
    engines: rootPkg.engines,
    files: ["dist", "!dist/.tsbuildinfo"],
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    exports: {
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
      "./package.json": "./package.json",
    },
    scripts: {
      build: "tsc -b",
      typecheck: "tsc -p tsconfig.test.json",
      test: "vitest run",
      lint: "biome check .",
    },
    dependencies: Object.fromEntries(deps.map((d) => [`@gadugi/${d}`, "workspace:^"])),
  }),
);
write(
  "tsconfig.json",
  json({
    extends: "../../tsconfig.base.json",
    compilerOptions: { rootDir: "src", outDir: "dist", tsBuildInfoFile: "dist/.tsbuildinfo" },
    include: ["src"],
    exclude: ["src/**/*.test.ts", "src/**/test-helpers/**"],
    references: deps.map((d) => ({ path: `../${d}` })),
  }),
);
write(
  "tsconfig.test.json",
  json({
    extends: "../../tsconfig.base.json",
    compilerOptions: { composite: false, incremental: false, noEmit: true, rootDir: "." },
    include: ["src", "test"],
  }),
);
write(
  "vitest.config.ts",
  `import { defineProject } from "vitest/config";\n\nexport default defineProject({\n  test: { name: "${name}", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },\n});\n`,
);
write("src/index.ts", `// Public API of @gadugi/${name}.\nexport {};\n`);
write(
  "README.md",
  `# @gadugi/${name}\n\n${description}\n\n## Install\n\n\`\`\`sh\npnpm add @gadugi/${name}\n\`\`\`\n`,
);
console.log(`created packages/${name}`);
