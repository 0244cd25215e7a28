import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createFakeAgent, prependPath, useTempDirs, waitFor } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { GitClient } from "./git-client.js";
import { createProcessRunner, labelledRunner, type ProcessRunner } from "./process-runner.js";
import { caught, repoMaker } from "./test-helpers/git.js";

const temp = useTempDirs();
const repoWith = repoMaker(temp);

/** Whether `pid` runs (a zombie no reaper collected does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

describe("GitClient: processes", () => {
  it("reports a missing git as GADUGI_COMMAND_NOT_FOUND", async () => {
    const { repo } = await repoWith();
    const git = new GitClient(repo.dir, { env: { ...repo.env, PATH: temp.dir() } });
    expect((await caught(git.headCommit())).code).toBe("GADUGI_COMMAND_NOT_FOUND");
  });

  it("times out a hanging git, and stops on abort", async () => {
    const { repo } = await repoWith();
    const bin = temp.dir();
    createFakeAgent(bin, { name: "git", stdout: "slow\nslower\n", delayMs: 10_000, readStdin: false });
    const env = { ...prependPath(bin, { ...process.env, ...repo.env }) };
    const slow = new GitClient(repo.dir, { env, timeoutMs: 200 });
    const timeout = await caught(slow.raw(["fetch"]));
    expect(timeout.code).toBe("GADUGI_TIMEOUT");
    expect(timeout.message).toContain("git fetch");

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await caught(
      new GitClient(repo.dir, { env }).raw(["fetch"], { signal: controller.signal }),
    );
    expect(aborted.code).toBe("GADUGI_ABORTED");
  });
});

describe("GitClient: version", () => {
  it("refuses a git older than 2.38 before anything runs, with the install hint", async () => {
    const runnerSaying = (stdout: string): ProcessRunner => ({
      run: async (file, args) => ({
        command: [file, ...args],
        exitCode: 0,
        stdout,
        stderr: "",
        durationMs: 1,
        timedOut: false,
        aborted: false,
      }),
    });
    const error = await caught(
      GitClient.assertVersion(undefined, { runner: runnerSaying("git version 2.34.1\n") }),
    );
    expect(error.code).toBe("GADUGI_GIT_TOO_OLD");
    expect(error.message).toContain("git 2.34.1 is installed; Gadugi needs git 2.38 or newer");
    expect(error.hint).toMatch(/Install a newer git/);
    const ok = await GitClient.assertVersion(undefined, { runner: runnerSaying("git version 2.39.5\n") });
    expect(ok).toEqual({ major: 2, minor: 39, patch: 5 });
    expect(await GitClient.assertVersion()).toEqual(await GitClient.version());
  });
});

describe("GitClient: how git runs", () => {
  it("hands a runner that is not plain every git call, the identity read included", async () => {
    const { repo } = await repoWith({ files: { "a.txt": "a" } });
    const seen: string[] = [];
    const real = createProcessRunner();
    const recording: ProcessRunner = {
      run: (file, args, options) => {
        seen.push([file, ...args].join(" "));
        return real.run(file, args, options);
      },
    };
    const git = new GitClient(repo.dir, { runner: recording, env: repo.env });
    await git.commit("recorded", { allowEmpty: true });
    expect(seen).toEqual([
      "git config -z --get-regexp ^(user|author|committer)\\.(name|email)$",
      "git commit --quiet --file=- --allow-empty",
      "git rev-parse --verify --end-of-options HEAD",
    ]);
    expect(labelledRunner(recording, { purpose: "x" }).plainGit).toBeUndefined();
    expect(createProcessRunner().plainGit).toBe(true);
    expect(labelledRunner(createProcessRunner(), { purpose: "x" }).plainGit).toBe(true);
  });

  it("kills the hooks a timed-out git started, not git alone", async () => {
    const { repo, git } = await repoWith({ files: { "a.txt": "a" } });
    const pidFile = join(temp.dir(), "hook.pid");
    const hook = join(repo.dir, ".git/hooks/pre-commit");
    writeFileSync(hook, `#!/bin/sh\necho $$ > "${pidFile}"\nsleep 30\n`);
    chmodSync(hook, 0o755);
    const error = await caught(git.raw(["commit", "--allow-empty", "-m", "hook"], { timeoutMs: 500 }));
    expect(error.code).toBe("GADUGI_TIMEOUT");
    const pid = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !alive(pid), 5000, `the pre-commit hook (pid ${pid}) outlived the timeout`);
  });

  it("gives a git that reads stdin without input an empty stdin, and passes input on", async () => {
    const { git } = await repoWith();
    const EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
    expect((await git.raw(["hash-object", "--stdin"])).trim()).toBe(EMPTY_BLOB);
    expect((await git.raw(["hash-object", "--stdin"], { input: "" })).trim()).toBe(EMPTY_BLOB);
    expect((await git.raw(["hash-object", "--stdin"], { input: "a\n" })).trim()).toBe(
      "78981922613b2afb6025042ff6bd878ac1994e85",
    );
  });

  it("passes on what simple-git's guards would refuse: -c settings, GIT_* and EDITOR, abbreviations", async () => {
    const { repo } = await repoWith({ files: { "a.txt": "a" } });
    const git = new GitClient(repo.dir, {
      env: { ...repo.env, EDITOR: "true", GIT_SSH_COMMAND: "ssh -o BatchMode=yes" },
    });
    const show = '!printf "%s|%s" "$GIT_SSH_COMMAND" "$EDITOR"';
    const hooks = temp.dir();
    expect(await git.raw(["-c", `alias.show-env=${show}`, "-c", `core.hooksPath=${hooks}`, "show-env"])).toBe(
      "ssh -o BatchMode=yes|true",
    );
    // git accepts an unambiguous abbreviation (`--lis` for `--list`).
    expect(await git.raw(["branch", "--lis"])).toBe("* main\n");
  });
  it("lays the call's environment over the client's and process.env; undefined removes a variable", async () => {
    const { repo } = await repoWith();
    process.env.GADUGI_GIT_TEST_VAR = "from process.env";
    try {
      const git = new GitClient(repo.dir, { env: { ...repo.env, GADUGI_CLIENT_VAR: "client" } });
      const show =
        '!printf \'%s|%s|%s|%s|%s\' "$GADUGI_GIT_TEST_VAR" "$GADUGI_CLIENT_VAR" "$LC_ALL" "$GIT_TERMINAL_PROMPT" "$PWD"';
      expect(await git.raw(["-c", `alias.show-env=${show}`, "show-env"])).toBe(
        `from process.env|client|C|0|${repo.dir}`,
      );
      const removed = await git.raw(["-c", `alias.show-env=${show}`, "show-env"], {
        env: { GADUGI_GIT_TEST_VAR: undefined, GADUGI_CLIENT_VAR: "call" },
      });
      expect(removed).toBe(`|call|C|0|${repo.dir}`);
    } finally {
      delete process.env.GADUGI_GIT_TEST_VAR;
    }
  });

  it("reports a directory that does not exist as GADUGI_FILE_NOT_FOUND", async () => {
    const missing = join(temp.dir(), "gone");
    const error = await caught(new GitClient(missing).headCommit());
    expect(error.code).toBe("GADUGI_FILE_NOT_FOUND");
    expect(error.args).toEqual({ path: missing });
  });

  it("answers a quiet git call as fast as one that prints (no 50 ms wait per call)", async () => {
    const { git } = await repoWith({ files: { "a.txt": "a" } });
    const time = async (call: () => Promise<unknown>): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < 10; i++) await call();
      return performance.now() - started;
    };
    await time(() => git.branchExists("main"));
    const quiet = await time(() => git.branchExists("main")); // show-ref --quiet prints nothing
    const loud = await time(() => git.revParse("main"));
    // simple-git alone waits 50 ms after every call that printed nothing: 500 ms for these ten.
    expect(quiet).toBeLessThan(loud + 250);
  });
});
