import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createFakeAgent, fixturePath, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = fileURLToPath(new URL("../dist/bin/gadugi.js", import.meta.url));
const temp = useTempDirs();

/** Runs the built CLI with PATH set to `path` only, so the machine's own agents do not show. */
async function gadugi(args: string[], path: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, PATH: path },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

function fakeAgents(): string {
  const dir = temp.dir();
  for (const cli of ["claude", "codex"]) {
    createFakeAgent(dir, {
      name: cli,
      stdout: readFileSync(fixturePath(`agent-cli/help/${cli}-version.txt`), "utf8"),
    });
  }
  return dir;
}

describe("gadugi agents", () => {
  it("prints a table of every agent kind with status, version and path", async () => {
    const dir = fakeAgents();
    const { stdout, code } = await gadugi(["agents"], dir);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^AGENT\s+STATUS\s+VERSION\s+PATH$/);
    expect(lines[1]).toMatch(new RegExp(`^claude\\s+installed\\s+2\\.1\\.330\\s+${dir}/claude$`));
    expect(lines[2]).toMatch(new RegExp(`^codex\\s+installed\\s+0\\.169\\.0\\s+${dir}/codex$`));
    expect(lines[3]).toMatch(/^gemini\s+not found\s+-\s+\(gemini is not on PATH\)$/);
    expect(lines[4]).toMatch(/^opencode\s+not found/);
    expect(lines[5]).toMatch(/^aider\s+not found/);
    expect(lines[6]).toMatch(/^command\s+built-in\s+-\s+runs the program set in its config$/);
  });

  it("prints JSON with --json", async () => {
    const dir = fakeAgents();
    const { stdout, code } = await gadugi(["agents", "--json"], dir);
    expect(code).toBe(0);
    const agents = JSON.parse(stdout) as Array<{ kind: string; installed: boolean; version?: string }>;
    expect(agents.map((a) => a.kind)).toEqual(["claude", "codex", "gemini", "opencode", "aider", "command"]);
    expect(agents[0]).toMatchObject({
      kind: "claude",
      installed: true,
      version: "2.1.330",
      path: `${dir}/claude`,
    });
    expect(agents[2]).toEqual({ kind: "gemini", program: "gemini", installed: false });
    expect(agents[5]).toEqual({ kind: "command", installed: true });
  });

  it("is listed in the help", async () => {
    const { stdout } = await gadugi(["--help"], fakeAgents());
    expect(stdout).toMatch(/agents\s+\[options\]\s+list the coding agents/);
  });
});
