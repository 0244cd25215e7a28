import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import {
  createProcessRunner,
  formatCommand,
  labelledRunner,
  type RunOptions,
  type RunResult,
  type StopCause,
} from "./process-runner.js";

const temp = useTempDirs();
const runner = createProcessRunner();

/** Alive and not a zombie waiting for a parent that will never reap it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}

async function waitUntilDead(pids: number[], ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pids.every((pid) => !isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

async function caught(promise: Promise<unknown>): Promise<GadugiError> {
  try {
    await promise;
  } catch (error) {
    if (GadugiError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a GadugiError");
}

function pidsOf(result: RunResult): number[] {
  return result.stdout.split("\n").filter(Boolean).map(Number);
}

describe("createProcessRunner", () => {
  it("runs a program with an argument array and reports its output", async () => {
    const result = await runner.run(
      "sh",
      ["-c", 'printf "%s|" "$@"; echo oops >&2', "sh", "a b", "$(echo x)"],
      {
        cwd: temp.dir(),
      },
    );
    expect(result).toMatchObject({
      command: ["sh", "-c", 'printf "%s|" "$@"; echo oops >&2', "sh", "a b", "$(echo x)"],
      exitCode: 0,
      stdout: "a b|$(echo x)|",
      stderr: "oops\n",
      timedOut: false,
      aborted: false,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("feeds input on stdin, and closes stdin when there is none", async () => {
    const cwd = temp.dir();
    expect((await runner.run("cat", [], { cwd, input: "hello" })).stdout).toBe("hello");
    expect((await runner.run("cat", [], { cwd, timeoutMs: 5000 })).stdout).toBe("");
  });

  it("lays env over the parent's and removes variables set to undefined", async () => {
    process.env.GADUGI_RUNNER_TEST = "inherited";
    try {
      const result = await runner.run("sh", ["-c", 'echo "$GADUGI_A-$GADUGI_RUNNER_TEST."'], {
        cwd: temp.dir(),
        env: { GADUGI_A: "set", GADUGI_RUNNER_TEST: undefined },
      });
      expect(result.stdout).toBe("set-.\n");
    } finally {
      delete process.env.GADUGI_RUNNER_TEST;
    }
  });

  it("gives the child PWD equal to its working directory, not the parent's", async () => {
    const cwd = temp.dir();
    // node, not sh: a shell repairs a wrong PWD itself, node (like OpenCode) takes it as given.
    const result = await runner.run(process.execPath, ["-e", "process.stdout.write(process.env.PWD ?? '')"], {
      cwd,
      env: { PWD: "/somewhere/else" },
    });
    expect(result.stdout).toBe(cwd);
  });

  it("throws GADUGI_COMMAND_FAILED with exit code and stderr, or returns the result with reject: false", async () => {
    const cwd = temp.dir();
    const error = await caught(runner.run("sh", ["-c", "echo broken >&2; exit 3"], { cwd }));
    expect(error.code).toBe("GADUGI_COMMAND_FAILED");
    expect(error.args).toMatchObject({ exitCode: 3, stderr: "broken\n" });
    const result = await runner.run("sh", ["-c", "exit 3"], { cwd, reject: false });
    expect(result.exitCode).toBe(3);
  });

  it("masks secrets in the command of an error", async () => {
    const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    const error = await caught(
      runner.run("sh", ["-c", "exit 1", "sh", `--token=${token}`, "Bearer abc.def.ghi"], { cwd: temp.dir() }),
    );
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain("abc.def.ghi");
    expect(error.message).toContain("exit 1");

    const leaked = await caught(
      runner.run("sh", ["-c", 'echo "auth with $MY_SERVICE_TOKEN failed" >&2; exit 1'], {
        cwd: temp.dir(),
        env: { MY_SERVICE_TOKEN: "plain-secret-value" },
      }),
    );
    expect(leaked.message).toContain("auth with");
    expect(leaked.message).not.toContain("plain-secret-value");
  });

  it("reports a missing program as GADUGI_COMMAND_NOT_FOUND and a missing cwd as GADUGI_FILE_NOT_FOUND", async () => {
    const missing = await caught(
      runner.run("gadugi-no-such-program", ["x"], { cwd: temp.dir(), reject: false }),
    );
    expect(missing.code).toBe("GADUGI_COMMAND_NOT_FOUND");
    expect(missing.args).toEqual({ command: "gadugi-no-such-program" });
    const noCwd = await caught(runner.run("true", [], { cwd: join(temp.dir(), "gone") }));
    expect(noCwd.code).toBe("GADUGI_FILE_NOT_FOUND");
  });

  it("kills the whole process tree on timeout", async () => {
    const script = "sleep 30 & echo $!; sleep 30 & echo $!; wait";
    const result = await runner.run("sh", ["-c", script], { cwd: temp.dir(), timeoutMs: 300, reject: false });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe("SIGTERM");
    const pids = pidsOf(result);
    expect(pids).toHaveLength(2);
    expect(await waitUntilDead(pids)).toBe(true);

    const error = await caught(runner.run("sh", ["-c", script], { cwd: temp.dir(), timeoutMs: 200 }));
    expect(error.code).toBe("GADUGI_TIMEOUT");
    expect(error.args).toMatchObject({ seconds: 0.2 });
  });

  it("escalates to SIGKILL for processes that ignore SIGTERM", async () => {
    const started = Date.now();
    const result = await runner.run("sh", ["-c", "trap '' TERM; sleep 30 & echo $!; wait"], {
      cwd: temp.dir(),
      timeoutMs: 200,
      killGraceMs: 300,
      reject: false,
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await waitUntilDead(pidsOf(result))).toBe(true);
  });

  it("kills the tree and throws GADUGI_ABORTED when the signal aborts", async () => {
    const controller = new AbortController();
    let pid = 0;
    const pending = runner.run("sh", ["-c", "sleep 30 & wait"], {
      cwd: temp.dir(),
      signal: controller.signal,
      onSpawn: (p) => {
        pid = p;
      },
    });
    setTimeout(() => controller.abort("user pressed ctrl-c"), 150);
    const error = await caught(pending);
    expect(error.code).toBe("GADUGI_ABORTED");
    expect(error.args).toMatchObject({ reason: "user pressed ctrl-c" });
    expect(pid).toBeGreaterThan(0);
    expect(await waitUntilDead([pid])).toBe(true);

    const before = await caught(runner.run("true", [], { cwd: temp.dir(), signal: AbortSignal.abort() }));
    expect(before.code).toBe("GADUGI_ABORTED");
  });

  it("streams output to a log file and a callback", async () => {
    const dir = temp.dir();
    const log = join(dir, "run.log");
    const chunks: string[] = [];
    await runner.run("sh", ["-c", "echo out; echo err >&2"], {
      cwd: dir,
      logFile: log,
      onOutput: (stream, chunk) => chunks.push(`${stream}:${chunk}`),
    });
    expect(readFileSync(log, "utf8").split("\n").sort()).toEqual(["", "err", "out"]);
    expect(chunks.sort()).toEqual(["stderr:err\n", "stdout:out\n"]);
  });
});

describe("createProcessRunner for long runs (idle timeout, leftovers, no buffering)", () => {
  it("kills a tree that says nothing for idleTimeoutMs, and onStop says why before it is killed", async () => {
    const chunks: string[] = [];
    const causes: StopCause[] = [];
    const started = Date.now();
    const result = await runner.run("sh", ["-c", "echo $$; sleep 30 & echo $!; wait"], {
      cwd: temp.dir(),
      idleTimeoutMs: 300,
      timeoutMs: 20_000,
      killGraceMs: 300,
      reject: false,
      onOutput: (_stream, chunk) => chunks.push(chunk),
      onStop: (cause) => causes.push(cause),
    });
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitCode: null });
    expect(causes).toEqual(["idle-timeout"]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await waitUntilDead(chunks.join("").split("\n").filter(Boolean).map(Number))).toBe(true);
  });

  it("output restarts the idle clock", async () => {
    const result = await runner.run("sh", ["-c", "for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done"], {
      cwd: temp.dir(),
      idleTimeoutMs: 400,
    });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
  });

  it("endGroupOnExit: ends what the program left running, even a child holding stdout", async () => {
    const started = Date.now();
    const causes: StopCause[] = [];
    const result = await runner.run("sh", ["-c", "sleep 30 & echo $!; exit 0"], {
      cwd: temp.dir(),
      endGroupOnExit: true,
      killGraceMs: 500,
      timeoutMs: 20_000,
      onStop: (cause) => causes.push(cause),
    });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(causes).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await waitUntilDead(pidsOf(result))).toBe(true);
  });

  it("buffer: false keeps no output but still streams it", async () => {
    const chunks: string[] = [];
    const result = await runner.run("sh", ["-c", "echo out"], {
      cwd: temp.dir(),
      buffer: false,
      onOutput: (_stream, chunk) => chunks.push(chunk),
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
    expect(chunks).toEqual(["out\n"]);
  });
});

describe("formatCommand", () => {
  it("quotes as a shell needs, keeps a line one line (control characters as JSON strings), masks secrets", () => {
    expect(formatCommand(["git", "commit", "-m", "a b", "it's"])).toBe(`git commit -m 'a b' 'it'\\''s'`);
    expect(formatCommand(["claude", "-p", "line one\nline two"])).toBe(`claude -p "line one\\nline two"`);
    expect(formatCommand(["x", "--api-key", "sk-ant-api03-abcdefghijklmnop1234"])).not.toContain(
      "abcdefghijklmnop",
    );
  });
});

describe("labelledRunner", () => {
  it("gives every call its label, a call's own label fields winning, and still runs the command", async () => {
    const seen: RunOptions["label"][] = [];
    const inner = {
      run: (file: string, args: readonly string[], options: RunOptions) => {
        seen.push(options.label);
        return runner.run(file, args, options);
      },
    };
    const labelled = labelledRunner(inner, { taskId: "t1", purpose: "setup" });
    const result = await labelled.run("sh", ["-c", "echo hi"], { cwd: temp.dir() });
    expect(result.stdout).toBe("hi\n");
    await labelled.run("true", [], { cwd: temp.dir(), label: { purpose: "install", logFile: "/x.log" } });
    expect(seen).toEqual([
      { taskId: "t1", purpose: "setup" },
      { taskId: "t1", purpose: "install", logFile: "/x.log" },
    ]);
  });
});
