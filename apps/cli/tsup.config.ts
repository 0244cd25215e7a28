import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "tsup";

// The CLI ships as one ESM bundle (esbuild through tsup) of its own sources, the @gadugi/*
// packages and their dependencies: `gadugi --help` then reads a few files instead of hundreds.
// tsc -b still emits the declarations (dist/index.d.ts) and checks the types.
//
// - Splitting: every `await import()` of a command stays a separate chunk, loaded only when the
//   command runs; modules shared between chunks go to chunks of their own.
// - A bundled workspace module that reads `import.meta.url` (orchestrator's sample repository,
//   task-analyzer's `createRequire` of ts-morph) gets the URL of its file in its installed
//   package instead, resolved from the CLI with `import.meta.resolve`: ts-morph and TypeScript stay
//   outside the bundle, loaded from their package only when an import has to be resolved.
// - CommonJS dependencies bundled into ESM call `require` for Node built-ins: the banner gives them
//   a real one.
// - Source maps chain to the packages' TypeScript sources; the bins turn them on for stack traces.

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const directWorkspaceDeps = Object.keys(pkg.dependencies).filter((name) => name.startsWith("@gadugi/"));

/** The package (name and directory) a file of the workspace belongs to, read from its package.json. */
function owningPackage(file: string): { name: string; dir: string } | undefined {
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    try {
      const found = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string };
      if (found.name) return { name: found.name, dir };
    } catch {}
    dir = dirname(dir);
  }
  return undefined;
}

/** A module of one of our packages' builds. */
const workspaceDist = /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/;

export default defineConfig({
  entry: {
    index: "src/index.ts",
    "bin/gadugi": "src/bin/gadugi.ts",
    "bin/orchestrator-agent": "src/bin/orchestrator-agent.ts",
  },
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  bundle: true,
  splitting: true,
  sourcemap: true,
  esbuildOptions(options) {
    // Stack traces need the mappings only; the sources are in the repository and the package.
    options.sourcesContent = false;
    // Less to read and parse at start-up; identifiers keep their names (error names, stack frames).
    options.minifyWhitespace = true;
    options.minifySyntax = true;
  },
  dts: false,
  // tsc -b (run first by the build script) writes the declarations and its build info into dist/:
  // clean everything else, so no file of an older build is left to load.
  clean: ["!**/*.d.ts", "!**/*.d.ts.map"],
  noExternal: [/.*/],
  external: ["ts-morph", "typescript"],
  banner: {
    js: 'import { createRequire as __gadugiCreateRequire } from "node:module"; const require = __gadugiCreateRequire(import.meta.url);',
  },
  esbuildPlugins: [
    {
      name: "gadugi-package-urls",
      setup(build) {
        build.onLoad({ filter: workspaceDist }, (args) => {
          const text = readFileSync(args.path, "utf8");
          if (!text.includes("import.meta.url")) return undefined;
          const owner = owningPackage(args.path);
          if (!owner || !directWorkspaceDeps.includes(owner.name)) {
            return {
              errors: [
                {
                  text: `${args.path} reads import.meta.url but ${owner?.name ?? "its package"} is not a dependency of @gadugi/cli: add it, so the bundle can resolve the file's package`,
                },
              ],
            };
          }
          const inPackage = relative(owner.dir, args.path).split("\\").join("/");
          const url = `new URL(${JSON.stringify(`./${inPackage}`)}, import.meta.resolve(${JSON.stringify(`${owner.name}/package.json`)})).href`;
          return {
            contents: text.replaceAll("import.meta.url", url),
            loader: "js",
            resolveDir: dirname(args.path),
          };
        });
      },
    },
  ],
});
