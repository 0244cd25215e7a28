import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const bin = (name: string) => fileURLToPath(new URL(`../dist/bin/${name}.js`, import.meta.url));

async function cli(name: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin(name), ...args]);
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe("the built gadugi binary", () => {
  it("prints help listing its commands and exits 0", async () => {
    const { stdout, code } = await cli("gadugi", ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: gadugi");
    expect(stdout).toContain("errors");
  });

  it("prints the package version", async () => {
    const { stdout, code } = await cli("gadugi", ["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("explains an error code, and rejects an unknown one with a hint and exit 2", async () => {
    const ok = await cli("gadugi", ["errors", "gadugi_lock_held"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("GADUGI_LOCK_HELD  (exit 5)");

    const bad = await cli("gadugi", ["errors", "GADUGI_NOPE"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("GADUGI_INVALID_ARGUMENT");
    expect(bad.stderr).toContain("hint:");
  });

  it("prints errors as JSON with --json", async () => {
    const bad = await cli("gadugi", ["errors", "GADUGI_NOPE", "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toMatchObject({ error: { code: "GADUGI_INVALID_ARGUMENT" } });
  });

  it("exits 2 on an unknown command with a message", async () => {
    const { stderr, code } = await cli("gadugi", ["bogus"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'bogus'");
  });
});

describe("the built orchestrator-agent binary", () => {
  it("answers --help and --version", async () => {
    const help = await cli("orchestrator-agent", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: orchestrator-agent");
    const version = await cli("orchestrator-agent", ["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
