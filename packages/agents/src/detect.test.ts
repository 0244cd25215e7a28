import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createFakeAgent, fixturePath, useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { detectAgents, findExecutable, parseVersion } from "./detect.js";

const temp = useTempDirs();
const versionOutput = (cli: string) => readFileSync(fixturePath(`agent-cli/help/${cli}-version.txt`), "utf8");

describe("parseVersion", () => {
  it.each([
    ["claude", "2.1.330"],
    ["codex", "0.169.0"],
    ["gemini", "0.61.0"],
    ["opencode", "1.18.33"],
    ["amp", "0.0.1790142911-g7618fb"],
  ])("reads %s's real --version output", (cli, version) => {
    expect(parseVersion(versionOutput(cli))).toBe(version);
  });

  it("finds none in text without a version", () => {
    expect(parseVersion("command not found")).toBeUndefined();
  });
});

describe("detectAgents", () => {
  it("lists every kind: installed CLIs with path and version, missing ones, and command always", async () => {
    const bin = temp.dir();
    for (const cli of ["claude", "codex", "gemini"])
      createFakeAgent(bin, { name: cli, stdout: versionOutput(cli) });
    const found = await detectAgents({ env: { ...process.env, PATH: bin } });
    expect(found).toEqual([
      { kind: "claude", program: "claude", installed: true, path: join(bin, "claude"), version: "2.1.330" },
      { kind: "codex", program: "codex", installed: true, path: join(bin, "codex"), version: "0.169.0" },
      { kind: "gemini", program: "gemini", installed: true, path: join(bin, "gemini"), version: "0.61.0" },
      { kind: "opencode", program: "opencode", installed: false },
      { kind: "aider", program: "aider", installed: false },
      { kind: "command", installed: true },
    ]);
  });

  it("reports a CLI that does not answer --version in time, without failing", async () => {
    const bin = temp.dir();
    createFakeAgent(bin, { name: "opencode", stdout: "1.0.0\n", delayMs: 5000 });
    const started = Date.now();
    const found = await detectAgents({ env: { ...process.env, PATH: bin }, timeoutMs: 300 });
    expect(found.find((a) => a.kind === "opencode")).toMatchObject({
      installed: true,
      error: expect.stringContaining("--version"),
    });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("uses an injected runner, so no CLI needs to exist to test callers", async () => {
    const bin = temp.dir();
    createFakeAgent(bin, { name: "aider", stdout: "unused" });
    const calls: string[][] = [];
    const found = await detectAgents({
      env: { PATH: bin },
      runner: async (file, args) => {
        calls.push([file, ...args]);
        return { stdout: "aider 0.86.1\n", stderr: "", exitCode: 0 };
      },
    });
    expect(calls).toEqual([[join(bin, "aider"), "--version"]]);
    expect(found.find((a) => a.kind === "aider")?.version).toBe("0.86.1");
  });

  it("findExecutable skips directories and files that are not executable", () => {
    const bin = temp.dir();
    mkdirSync(join(bin, "dir", "claude"), { recursive: true });
    mkdirSync(join(bin, "plain"));
    writeFileSync(join(bin, "plain", "claude"), "#!/bin/sh\n", { mode: 0o644 });
    createFakeAgent(join(bin, "real"), { name: "claude", stdout: "x" });
    const PATH = ["dir", "plain", "missing", "real"].map((d) => join(bin, d)).join(":");
    expect(findExecutable("claude", { PATH })).toBe(join(bin, "real", "claude"));
    expect(findExecutable("claude", { PATH: "" })).toBeUndefined();
  });
});
