import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type CommandSetting, toArgv } from "@gadugi/git";
import { detectProject } from "@gadugi/worktree-manager";

/** How the testing phase runs the project's tests, or why it cannot. */
export type TestCommand =
  | {
      argv: string[];
      /** config: workflow.testCommand; uv: `uv run pytest`; package.json: the package manager's test script. */
      source: "config" | "uv" | "package.json";
    }
  | { argv?: undefined; reason: string };

export const NO_TEST_COMMAND =
  "no test command found: set workflow.testCommand, add a test script to package.json, or use a uv project (uv run pytest)";

/** npm's placeholder from `npm init`, which only fails. */
const NPM_PLACEHOLDER = /no test specified/i;

/**
 * The test command of the project in `worktree`, without a shell:
 * 1. `configured` (workflow.testCommand), a command line or an argument array (`toArgv`); in a
 *    uv project it gets `prefix` (`uv run`) unless it already starts with it;
 * 2. `uv run pytest` for uv projects (pyproject.toml + uv.lock);
 * 3. the package manager's `test` script when package.json has one (pnpm/npm/yarn by lockfile,
 *    `bun run test` for bun, npm without a lockfile);
 * 4. none: `{ reason }`.
 *
 * @throws GadugiError GADUGI_COMMAND_SYNTAX when `configured` is a line using shell syntax.
 */
export async function detectTestCommand(
  worktree: string,
  configured: CommandSetting | undefined,
  prefix: readonly string[] = [],
): Promise<TestCommand> {
  if (configured !== undefined && (typeof configured !== "string" || configured.trim() !== "")) {
    const argv = toArgv(configured);
    const prefixed = prefix.length > 0 && argv[0] !== prefix[0] ? [...prefix, ...argv] : argv;
    return { argv: prefixed, source: "config" };
  }
  const project = await detectProject(worktree);
  if (project.uv) return { argv: ["uv", "run", "pytest"], source: "uv" };
  const manifest = path.join(worktree, "package.json");
  if (existsSync(manifest)) {
    let scripts: Record<string, unknown> = {};
    try {
      const pkg = JSON.parse(await readFile(manifest, "utf8")) as { scripts?: unknown };
      if (pkg.scripts && typeof pkg.scripts === "object") scripts = pkg.scripts as Record<string, unknown>;
    } catch {
      return { reason: `${NO_TEST_COMMAND} (package.json cannot be parsed)` };
    }
    const test = scripts.test;
    if (typeof test === "string" && test.trim() !== "" && !NPM_PLACEHOLDER.test(test)) {
      const manager = project.node?.manager ?? "npm";
      return { argv: manager === "bun" ? ["bun", "run", "test"] : [manager, "test"], source: "package.json" };
    }
  }
  return { reason: NO_TEST_COMMAND };
}
