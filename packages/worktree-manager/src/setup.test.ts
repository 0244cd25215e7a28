import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { createProcessRunner, type ProcessRunner } from "@gadugi/git";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { detectProject, findExecutable, listFilesToCopy, setupEnvironment } from "./index.js";
import { fakeBin, repoWithManager } from "./test-helpers/index.js";

const temp = useTempDirs();

async function rejection(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** PATH with only a fake-bin dir in front of the directories of node and git. */
function pathWith(bin: string): string {
  return [bin, path.dirname(process.execPath), "/usr/bin", "/bin"].join(path.delimiter);
}

/** A fake package manager that records its arguments and does what the real one leaves behind. */
const recorder = (name: string, effect: string) => `echo "${name} $*" >> "$FAKE_CALLS"\n${effect}`;

describe("what setup wrote", () => {
  it("scans the worktree's status only when a step can write into it", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const gitCalls: string[] = [];
    const inner = createProcessRunner();
    const runner: ProcessRunner = {
      run: (file, args, options) => {
        if (file === "git") gitCalls.push(args.join(" "));
        return inner.run(file, args, options);
      },
    };
    // Nothing to copy, no uv or Node project, no setup commands: nothing to tell apart.
    const plain = await manager.create({ runId: "r", taskId: "t", slug: "plain" });
    writeFileSync(path.join(plain.path, "agent-notes.txt"), "left by an earlier attempt\n");
    const nothing = await setupEnvironment(plain, { repoRoot: repo.dir, runner });
    expect(gitCalls.filter((c) => c.startsWith("status"))).toEqual([]);
    expect(nothing.artifacts).toEqual({ version: 1, never: [], dirs: [], files: {} });

    // A setup command that writes a file: both scans, and the file is setup's.
    const withCommand = await manager.create({ runId: "r", taskId: "t2", slug: "cmd" });
    const made = await setupEnvironment(withCommand, {
      repoRoot: repo.dir,
      runner,
      commands: [["node", "-e", "require('fs').writeFileSync('generated.txt', 'x')"]],
    });
    expect(gitCalls.filter((c) => c.startsWith("status"))).toHaveLength(2);
    expect(Object.keys(made.artifacts.files)).toEqual(["generated.txt"]);
  });
});

describe("detecting projects", () => {
  it("finds uv projects and each Node lockfile with its frozen install", async () => {
    const dir = temp.dir();
    const at = (files: Record<string, string>) => {
      const d = path.join(dir, String(Math.random()).slice(2));
      mkdirSync(d);
      for (const [f, c] of Object.entries(files)) writeFileSync(path.join(d, f), c);
      return detectProject(d);
    };
    expect(await at({ "pyproject.toml": "", "uv.lock": "" })).toEqual({ uv: true });
    expect(await at({ "pyproject.toml": "" })).toEqual({ uv: false });
    const pkg = { "package.json": "{}" };
    expect((await at({ ...pkg, "pnpm-lock.yaml": "" })).node?.install).toEqual([
      "pnpm",
      "install",
      "--frozen-lockfile",
    ]);
    expect((await at({ ...pkg, "package-lock.json": "" })).node?.install).toEqual(["npm", "ci"]);
    expect((await at({ ...pkg, "yarn.lock": "" })).node?.install).toEqual([
      "yarn",
      "install",
      "--frozen-lockfile",
    ]);
    expect((await at({ ...pkg, "yarn.lock": "", ".yarnrc.yml": "" })).node?.install).toEqual([
      "yarn",
      "install",
      "--immutable",
    ]);
    expect((await at({ ...pkg, "bun.lockb": "" })).node?.install).toEqual([
      "bun",
      "install",
      "--frozen-lockfile",
    ]);
    expect((await at({ ...pkg, "bun.lock": "" })).node?.manager).toBe("bun");
    expect((await at(pkg)).node).toBeUndefined();
  });

  it("looks programs up on the given PATH", async () => {
    const bin = temp.dir();
    fakeBin(bin, "uv", "exit 0");
    expect(await findExecutable("uv", { PATH: bin })).toBe(path.join(bin, "uv"));
    expect(await findExecutable("uv", { PATH: temp.dir() })).toBeUndefined();
  });
});

describe("setting up a worktree", () => {
  it("runs uv sync --all-extras for uv projects, verifies .venv and records the uv run prefix", async () => {
    const { repo, manager } = await repoWithManager(temp, {
      "pyproject.toml": '[project]\nname = "demo"\n',
      "uv.lock": "version = 1\n",
    });
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "py" });
    const bin = temp.dir();
    const calls = path.join(bin, "calls.log");
    fakeBin(
      bin,
      "uv",
      recorder(
        "uv",
        'mkdir -p .venv && echo "home = /usr/bin" > .venv/pyvenv.cfg\necho "Resolved 3 packages"',
      ),
    );

    const result = await setupEnvironment(wt, {
      repoRoot: repo.dir,
      env: { PATH: pathWith(bin), FAKE_CALLS: calls },
    });

    expect(readFileSync(calls, "utf8")).toBe("uv sync --all-extras\n");
    expect(result.commandPrefix).toEqual(["uv", "run"]);
    expect(result.python).toEqual({ manager: "uv", venv: path.join(wt.path, ".venv") });
    expect(result.logFile).toBe(path.join(repo.dir, ".gadugi", "runs", "r", "logs", "t.log"));
    expect(readFileSync(result.logFile, "utf8")).toContain("Resolved 3 packages");
  });

  it("fails with an install hint when uv is missing, or skips when configured", async () => {
    const { repo, manager } = await repoWithManager(temp, { "pyproject.toml": "", "uv.lock": "" });
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "py" });
    const noUv = { PATH: temp.dir() };

    const error = await rejection(setupEnvironment(wt, { repoRoot: repo.dir, env: noUv }));
    expect(error.code).toBe("GADUGI_COMMAND_NOT_FOUND");
    expect(error.message).toContain("`uv`");
    expect(error.hint).toMatch(/astral\.sh.*skipMissingUv/s);

    const skipped = await setupEnvironment(wt, { repoRoot: repo.dir, env: noUv, skipMissingUv: true });
    expect(skipped.commandPrefix).toEqual([]);
    expect(skipped.skipped).toEqual([{ step: "uv sync", reason: expect.stringContaining("skipMissingUv") }]);
  });

  it("fails when uv sync leaves no virtual environment", async () => {
    const { repo, manager } = await repoWithManager(temp, { "pyproject.toml": "", "uv.lock": "" });
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "py" });
    const bin = temp.dir();
    fakeBin(bin, "uv", "exit 0");
    const error = await rejection(setupEnvironment(wt, { repoRoot: repo.dir, env: { PATH: pathWith(bin) } }));
    expect(error.code).toBe("GADUGI_SETUP_FAILED");
    expect(error.message).toContain("verify .venv");
  });

  it("installs Node dependencies with the frozen lockfile of the detected manager", async () => {
    const { repo, manager } = await repoWithManager(temp, {
      "package.json": '{"name":"demo","private":true}\n',
      "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    });
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "node" });
    const bin = temp.dir();
    const calls = path.join(bin, "calls.log");
    fakeBin(bin, "pnpm", recorder("pnpm", "mkdir -p node_modules && echo installed"));

    const result = await setupEnvironment(wt, {
      repoRoot: repo.dir,
      env: { PATH: pathWith(bin), FAKE_CALLS: calls },
    });

    expect(readFileSync(calls, "utf8")).toBe("pnpm install --frozen-lockfile\n");
    expect(result.node).toEqual({ manager: "pnpm", lockfile: "pnpm-lock.yaml", mode: "installed" });
    expect(result.commandPrefix).toEqual([]);
    expect(existsSync(path.join(wt.path, "node_modules"))).toBe(true);

    // Missing package manager: a clear error naming it.
    const other = await manager.create({ runId: "r", taskId: "t2", slug: "node2" });
    const error = await rejection(setupEnvironment(other, { repoRoot: repo.dir, env: { PATH: temp.dir() } }));
    expect(error.code).toBe("GADUGI_COMMAND_NOT_FOUND");
    expect(error.hint).toContain("pnpm-lock.yaml");
  });

  it("reuses the main checkout's node_modules when configured", async () => {
    const { repo, manager } = await repoWithManager(temp, {
      "package.json": "{}\n",
      "package-lock.json": "{}\n",
      ".gitignore": "node_modules/\n",
      "packages/x/package.json": "{}\n",
    });
    repo.write({
      "node_modules/dep/index.js": "module.exports = 1;\n",
      "packages/x/node_modules/y/i.js": "1\n",
    });
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const calls = path.join(temp.dir(), "calls.log");
    const bin = temp.dir();
    fakeBin(bin, "npm", recorder("npm", "exit 0"));

    const linked = await setupEnvironment(wt, {
      repoRoot: repo.dir,
      reuseNodeModules: true,
      env: { PATH: pathWith(bin), FAKE_CALLS: calls },
    });
    expect(linked.node?.mode).toBe("symlink");
    expect(lstatSync(path.join(wt.path, "node_modules")).isSymbolicLink()).toBe(true);
    expect(realpathSync(path.join(wt.path, "packages/x/node_modules"))).toBe(
      path.join(repo.dir, "packages/x/node_modules"),
    );
    expect(existsSync(calls)).toBe(false);

    const wt2 = await manager.create({ runId: "r", taskId: "t2", slug: "s2" });
    const hard = await setupEnvironment(wt2, { repoRoot: repo.dir, reuseNodeModules: "hardlink" });
    expect(hard.node?.mode).toBe("hardlink");
    const copy = path.join(wt2.path, "node_modules/dep/index.js");
    expect(lstatSync(copy).isSymbolicLink()).toBe(false);
    expect(lstatSync(copy).ino).toBe(lstatSync(path.join(repo.dir, "node_modules/dep/index.js")).ino);
  });

  it("copies configured and .worktreeinclude'd untracked files into the worktree", async () => {
    const { repo, manager } = await repoWithManager(temp, {
      ".gitignore": ".env\n*.local\nsecrets/\nnode_modules/\n",
      ".worktreeinclude": ".env\nsecrets/**\n!secrets/skip.json\nnot-ignored.txt\n",
      "app/config.ts": "export {};\n",
    });
    repo.write({
      ".env": "TOKEN=1\n",
      "app/.env": "NESTED=1\n",
      "secrets/key.json": "{}\n",
      "secrets/skip.json": "{}\n",
      "settings.local": "local\n",
      "not-ignored.txt": "untracked but not ignored\n",
      "node_modules/big/index.js": "x\n",
    });
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    // A file the worktree already has is never overwritten.
    writeFileSync(path.join(wt.path, ".env"), "TOKEN=mine\n");

    const listed = await listFilesToCopy({
      repoRoot: repo.dir,
      worktree: wt.path,
      patterns: ["*.local"],
      runner: (await import("@gadugi/git")).createProcessRunner(),
    });
    expect(listed).toEqual([".env", "app/.env", "secrets/key.json", "settings.local"]);

    const result = await setupEnvironment(wt, { repoRoot: repo.dir, copyFiles: ["*.local"] });
    expect(result.copiedFiles).toEqual(["app/.env", "secrets/key.json", "settings.local"]);
    expect(readFileSync(path.join(wt.path, ".env"), "utf8")).toBe("TOKEN=mine\n");
    expect(readFileSync(path.join(wt.path, "app/.env"), "utf8")).toBe("NESTED=1\n");
    expect(existsSync(path.join(wt.path, "secrets/skip.json"))).toBe(false);
    expect(existsSync(path.join(wt.path, "not-ignored.txt"))).toBe(false);
    expect(existsSync(path.join(wt.path, "node_modules"))).toBe(false);
    // Copied files are ignored there too: the worktree stays clean.
    expect(await repo.git(["status", "--porcelain"], { cwd: wt.path })).toBe("");
  });

  it("runs setup commands without a shell and logs their output", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const logFile = path.join(temp.dir(), "task.log");
    const result = await setupEnvironment(wt, {
      repoRoot: repo.dir,
      logFile,
      commands: [
        `node -e "require('fs').writeFileSync('made.txt', process.argv[1]); console.log('hello from setup')" "a b; rm -rf *"`,
      ],
    });
    expect(readFileSync(path.join(wt.path, "made.txt"), "utf8")).toBe("a b; rm -rf *");
    expect(result.steps.map((s) => s.step)).toEqual([expect.stringMatching(/^node -e/)]);
    expect(readFileSync(logFile, "utf8")).toContain("hello from setup");
  });

  it("runs a setup command given as an argument array, shell characters and all", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const script = "require('fs').writeFileSync('made.txt', process.argv[1])";
    await setupEnvironment(wt, { repoRoot: repo.dir, commands: [["node", "-e", script, "$HOME && *"]] });
    expect(readFileSync(path.join(wt.path, "made.txt"), "utf8")).toBe("$HOME && *");
  });

  it("refuses a shell operator in a setup command line instead of passing it on as an argument", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const error = await rejection(
      setupEnvironment(wt, { repoRoot: repo.dir, commands: ["node -e 1 && touch made.txt"] }),
    );
    expect(error.code).toBe("GADUGI_SETUP_FAILED");
    expect((error.cause as GadugiError).code).toBe("GADUGI_COMMAND_SYNTAX");
    expect(readFileSync(path.join(repo.dir, ".gadugi", "runs", "r", "logs", "t.log"), "utf8")).toContain(
      "the shell operator `&&`",
    );
  });

  it("reports a failing setup command with the log holding its output", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const error = await rejection(
      setupEnvironment(wt, {
        repoRoot: repo.dir,
        commands: [
          "node -e \"console.error('missing dependency foo'); process.exit(3)\"",
          "node -e \"require('fs').writeFileSync('never.txt', '')\"",
        ],
      }),
    );
    expect(error.code).toBe("GADUGI_SETUP_FAILED");
    const log = path.join(repo.dir, ".gadugi", "runs", "r", "logs", "t.log");
    expect(error.message).toContain(log);
    expect(error.message).toContain("console.error");
    const text = readFileSync(log, "utf8");
    expect(text).toContain("missing dependency foo");
    expect(text).toContain("exited with 3");
    expect(existsSync(path.join(wt.path, "never.txt"))).toBe(false);
  });

  it("kills a setup command that outlives its timeout and reports it with the log", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    const started = Date.now();
    const error = await rejection(
      setupEnvironment(wt, {
        repoRoot: repo.dir,
        commandTimeoutSec: 0.5,
        commands: ["node -e \"console.log('warming up'); setInterval(() => {}, 1000)\""],
      }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.code).toBe("GADUGI_SETUP_FAILED");
    expect(error.message).toMatch(/timed out after 0\.5s/);
    expect((error.cause as GadugiError).code).toBe("GADUGI_TIMEOUT");
    const text = readFileSync(path.join(repo.dir, ".gadugi", "runs", "r", "logs", "t.log"), "utf8");
    expect(text).toContain("warming up");
    expect(text).toMatch(/timed out after 0\.5s/);
  });

  it("reports a command that cannot be parsed or found", async () => {
    const { repo, manager } = await repoWithManager(temp);
    const wt = await manager.create({ runId: "r", taskId: "t", slug: "s" });
    expect(
      (await rejection(setupEnvironment(wt, { repoRoot: repo.dir, commands: ['echo "open'] }))).code,
    ).toBe("GADUGI_SETUP_FAILED");
    expect(
      (
        await rejection(
          setupEnvironment(wt, { repoRoot: repo.dir, commands: ["definitely-not-a-program-xyz"] }),
        )
      ).code,
    ).toBe("GADUGI_COMMAND_NOT_FOUND");
  });
});
