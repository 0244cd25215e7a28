#!/usr/bin/env node
// Fresh-clone entry point: needs only Node >= 20.19 and git. It provides the pinned pnpm
// (corepack cannot verify signatures on these registries, so pnpm is installed with npm into
// .tools/), installs the workspace, builds it, then runs the requested job.
//   node scripts/bootstrap.mjs test        build, typecheck, lint, run every test (installs
//                                          redis-server with apt-get when missing and root)
//   node scripts/bootstrap.mjs demo        build, then run the embedded default end to end
//   node scripts/bootstrap.mjs bench       build, then run every benchmark (they print figures)
//   node scripts/bootstrap.mjs setup       install and build only
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const pnpmVersion = pkg.packageManager.replace(/^pnpm@/, "").split("+")[0];
const toolsDir = join(root, ".tools");
const pnpmBin = join(toolsDir, "node_modules", "pnpm", "bin", "pnpm.cjs");

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Gadugi needs Node >= 20.19; this is ${process.version}. Install a newer Node and retry.`);
  process.exit(1);
}

const job = process.argv[2] ?? "setup";
const rest = process.argv.slice(3);
const JOBS = ["setup", "test", "demo", "bench"];
if (!JOBS.includes(job)) {
  console.error(`Unknown job "${job}". Use one of: ${JOBS.join(", ")}.`);
  process.exit(2);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`\n✖ ${[cmd, ...args].join(" ")} exited with ${r.status ?? r.signal}`);
    process.exit(r.status ?? 1);
  }
}

function installedPnpmVersion() {
  if (!existsSync(pnpmBin)) return undefined;
  const pj = join(toolsDir, "node_modules", "pnpm", "package.json");
  return JSON.parse(readFileSync(pj, "utf8")).version;
}

// turbo runs each package's script through the `pnpm` it finds on PATH: put ours first.
const toolsBin = join(toolsDir, "node_modules", ".bin");

function pnpm(args) {
  run(process.execPath, [pnpmBin, ...args], {
    env: {
      ...process.env,
      PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ""}`,
      TURBO_TELEMETRY_DISABLED: "1",
      DO_NOT_TRACK: "1",
      TURBO_NO_UPDATE_NOTIFIER: "1",
    },
  });
}

if (installedPnpmVersion() !== pnpmVersion) {
  console.log(`› installing pnpm ${pnpmVersion} into .tools/`);
  run("npm", [
    "install",
    "--prefix",
    toolsDir,
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `pnpm@${pnpmVersion}`,
  ]);
}

console.log("› pnpm install");
pnpm(["install", "--frozen-lockfile", "--prefer-offline", "--reporter=append-only"]);
console.log("› build");
pnpm(["run", "build"]);

/** Whether `program --version` runs. */
function runs(program) {
  const r = spawnSync(program, ["--version"], { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

// The queue tests start real redis-servers of their own (no mock): install Debian's when it is
// missing and this is root with apt-get, else say what to install.
function ensureRedisServer() {
  if (runs("redis-server")) return;
  if (process.getuid?.() === 0 && runs("apt-get")) {
    console.log("› apt-get install redis-server (the queue tests start their own Redis)");
    run("apt-get", ["update", "-qq"]);
    run("apt-get", ["install", "-y", "-qq", "redis-server"], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (runs("redis-server")) return;
  }
  console.error(
    "The tests need redis-server (the queue tests start their own on a free port): install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) and retry.",
  );
  process.exit(1);
}

switch (job) {
  case "setup":
    break;
  case "test":
    ensureRedisServer();
    pnpm(["run", "check"]);
    break;
  case "demo":
    pnpm(["run", "gadugi", "demo", ...rest]);
    break;
  case "bench":
    pnpm(["run", "bench"]);
    break;
}
