import { constants, existsSync } from "node:fs";
import { access, lstat, readFile } from "node:fs/promises";
import path from "node:path";
import type { Env } from "@gadugi/git";

export type NodePackageManager = "pnpm" | "npm" | "yarn" | "bun";

/** What a worktree needs, read from the files at its root. */
export interface DetectedProject {
  /** `pyproject.toml` and `uv.lock` both present. */
  uv: boolean;
  /** The Node package manager whose lockfile is present (pnpm, bun, yarn, npm, in that order). */
  node?: { manager: NodePackageManager; lockfile: string; install: string[] };
}

const LOCKFILES: { file: string; manager: NodePackageManager }[] = [
  { file: "pnpm-lock.yaml", manager: "pnpm" },
  { file: "bun.lock", manager: "bun" },
  { file: "bun.lockb", manager: "bun" },
  { file: "yarn.lock", manager: "yarn" },
  { file: "package-lock.json", manager: "npm" },
  { file: "npm-shrinkwrap.json", manager: "npm" },
];

/** Detects uv and Node projects at the root of `dir`; the install command uses the frozen lockfile. */
export async function detectProject(dir: string): Promise<DetectedProject> {
  const has = (file: string) => existsSync(path.join(dir, file));
  const result: DetectedProject = { uv: has("pyproject.toml") && has("uv.lock") };
  if (!has("package.json")) return result;
  const found = LOCKFILES.find((l) => has(l.file));
  if (!found) return result;
  let install: string[];
  switch (found.manager) {
    case "pnpm":
      install = ["pnpm", "install", "--frozen-lockfile"];
      break;
    case "npm":
      install = ["npm", "ci"];
      break;
    case "bun":
      install = ["bun", "install", "--frozen-lockfile"];
      break;
    case "yarn":
      // Yarn 2+ (berry) spells it --immutable; classic yarn --frozen-lockfile.
      install = (await isYarnBerry(dir))
        ? ["yarn", "install", "--immutable"]
        : ["yarn", "install", "--frozen-lockfile"];
      break;
  }
  result.node = { manager: found.manager, lockfile: found.file, install };
  return result;
}

async function isYarnBerry(dir: string): Promise<boolean> {
  if (existsSync(path.join(dir, ".yarnrc.yml"))) return true;
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
      packageManager?: unknown;
    };
    const match = typeof pkg.packageManager === "string" ? /^yarn@(\d+)/.exec(pkg.packageManager) : null;
    return match !== null && Number(match[1]) >= 2;
  } catch {
    return false;
  }
}

/** The executable `name` would run as, searched on PATH like a shell does; undefined when absent. */
export async function findExecutable(name: string, env: Env = process.env): Promise<string | undefined> {
  if (name.includes("/")) return (await isExecutable(name)) ? name : undefined;
  const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await lstat(file)).isDirectory() === false;
  } catch {
    return false;
  }
}
