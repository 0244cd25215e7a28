import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { createFakeAgent } from "./fake-agent.js";
import { CAPTURE_EXIT_CODES, CAPTURE_NAMES, captureFiles, fixturePath, prependPath } from "./fixtures.js";
import { useTempDirs } from "./temp-dir.js";

const temp = useTempDirs();

async function run(file: string, args: string[], cwd: string, env?: Record<string, string | undefined>) {
  return execa(file, args, {
    cwd,
    reject: false,
    stripFinalNewline: false,
    encoding: "buffer",
    stdin: "ignore",
    ...(env ? { env, extendEnv: false } : {}),
  });
}

describe("createFakeAgent", () => {
  it("replays claude-text byte for byte and exits 0", async () => {
    const bin = temp.dir();
    const agent = createFakeAgent(bin, { name: "claude", capture: "claude-text" });
    const result = await run(agent.path, ["-p", "hi"], temp.dir());
    expect(result.exitCode).toBe(0);
    expect(
      Buffer.from(result.stdout).equals(readFileSync(fixturePath("agent-cli/runs/claude-text.jsonl"))),
    ).toBe(true);
    expect(result.stderr.length).toBe(0);
  });

  it("replays both streams and the real exit code of a failed run", async () => {
    const agent = createFakeAgent(temp.dir(), { name: "gemini", capture: "gemini-maxturns" });
    const result = await run(agent.path, [], temp.dir());
    expect(result.exitCode).toBe(53);
    const files = captureFiles("gemini-maxturns");
    expect(Buffer.from(result.stdout).equals(readFileSync(files.stdout))).toBe(true);
    expect(Buffer.from(result.stderr).equals(readFileSync(files.stderr!))).toBe(true);
  });

  it("exits 1 for a claude run whose result is an error", async () => {
    const agent = createFakeAgent(temp.dir(), { name: "claude", capture: "claude-tool-maxturns1" });
    expect((await run(agent.path, [], temp.dir())).exitCode).toBe(1);
  });

  it("is found on PATH by name, records argv, cwd, env and stdin, and writes files", async () => {
    const bin = temp.dir();
    const work = temp.dir();
    const record = join(temp.dir(), "calls.jsonl");
    const agent = createFakeAgent(bin, {
      name: "codex",
      capture: "codex-text",
      recordArgsTo: record,
      writeFiles: { "src/edited.ts": "export {};\n" },
      exitCode: 7,
    });
    const result = await execa("codex", ["exec", "--json", "do it"], {
      cwd: work,
      env: { ...prependPath(bin), OPENAI_API_KEY: "sk-test", UNRELATED: "x" },
      input: "more input",
      reject: false,
    });
    expect(result.exitCode).toBe(7);
    expect(readFileSync(join(work, "src/edited.ts"), "utf8")).toBe("export {};\n");
    const calls = agent.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: "codex",
      argv: ["exec", "--json", "do it"],
      cwd: work,
      stdin: "more input",
      env: { OPENAI_API_KEY: "sk-test" },
    });
    expect(calls[0]!.env.UNRELATED).toBeUndefined();
  });

  it("waits delayMs before each line", async () => {
    const agent = createFakeAgent(temp.dir(), { name: "slow", stdout: "a\nb\nc\n", delayMs: 100 });
    const started = Date.now();
    const result = await execa(agent.path, [], { stdin: "ignore" });
    expect(result.stdout).toBe("a\nb\nc");
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe("agent CLI captures", () => {
  it("every capture has its files, and every run file belongs to a capture", () => {
    for (const name of CAPTURE_NAMES) {
      const files = captureFiles(name);
      expect(existsSync(files.stdout)).toBe(true);
      expect(files.exitCode).toBe(CAPTURE_EXIT_CODES[name]);
    }
    const known = new Set<string>(CAPTURE_NAMES);
    const orphans = readdirSync(fixturePath("agent-cli/runs"))
      .map((file) => file.replace(/\.(jsonl|json|out|err|txt)$/, ""))
      .filter((name) => !known.has(name));
    // The file codex writes with --output-last-message, not a run's stdout.
    expect([...new Set(orphans)]).toEqual(["codex-last"]);
  });

  it("exit codes agree with what claude and gemini print", () => {
    for (const name of CAPTURE_NAMES) {
      const text = readFileSync(captureFiles(name).stdout, "utf8");
      const result = text
        .split("\n")
        .map((line) => {
          try {
            return JSON.parse(line) as { type?: string; is_error?: boolean; status?: string };
          } catch {
            return undefined;
          }
        })
        .find((event) => event?.type === "result");
      if (!result) continue;
      if (name.startsWith("claude-")) expect(CAPTURE_EXIT_CODES[name] !== 0, name).toBe(result.is_error);
      if (name.startsWith("gemini-"))
        expect(CAPTURE_EXIT_CODES[name] === 0, name).toBe(result.status === "success");
    }
  });
});
