import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText, writeDefaultConfig } from "./config.js";

const temp = useTempDirs();

/** A directory holding an executable named `program`, for a PATH of one agent CLI. */
function fakeAgentDir(program: string): string {
  const dir = temp.dir();
  writeFileSync(join(dir, program), "#!/bin/sh\necho 1.0.0\n", { mode: 0o755 });
  return dir;
}

describe("config files", () => {
  it("uses defaults without a config file", async () => {
    const { config, file } = await loadConfig(temp.dir());
    expect(file).toBeUndefined();
    expect(config.maxParallel).toBe(4);
  });

  it("reads JSON and YAML", async () => {
    const dir = temp.dir();
    writeFileSync(join(dir, "gadugi.config.yaml"), "maxParallel: 2\nanalysis:\n  softEdges: warn\n");
    const { config, file } = await loadConfig(dir);
    expect(file).toBe(join(dir, "gadugi.config.yaml"));
    expect(config.maxParallel).toBe(2);
    expect(config.analysis.softEdges).toBe("warn");
  });

  it("points at the bad key, with its line in YAML", () => {
    const text = "maxParallel: 2\nanalysis:\n  softEdges: sometimes\n";
    expect(() => parseConfigText(text, "/r/gadugi.config.yaml", "/r")).toThrowError(
      /gadugi.config.yaml is not a valid Gadugi config:\n- analysis.softEdges \(line 3\):/,
    );
    try {
      parseConfigText('{"maxParalel": 3}', "/r/gadugi.config.json", "/r");
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "GADUGI_CONFIG_INVALID", exitCode: 3 });
      expect((error as Error).message).toContain("maxParalel");
    }
  });

  it("reports malformed JSON and YAML with the file name", () => {
    expect(() => parseConfigText("{", "/r/gadugi.config.json", "/r")).toThrowError(
      /gadugi.config.json.*not valid JSON/s,
    );
    expect(() => parseConfigText("a: [1,\n", "/r/gadugi.config.yaml", "/r")).toThrowError(
      /gadugi.config.yaml.*line/s,
    );
  });

  it("fails clearly when an explicit file is missing", async () => {
    await expect(loadConfig(temp.dir(), { file: "/nowhere/gadugi.json" })).rejects.toMatchObject({
      code: "GADUGI_FILE_NOT_FOUND",
    });
  });

  it("writes a valid starter config and refuses to overwrite it without force", async () => {
    const dir = temp.dir();
    const { path } = await writeDefaultConfig(dir, { env: { PATH: fakeAgentDir("claude") } });
    expect((await loadConfig(dir)).config.agent).toBe("claude");
    writeFileSync(path, '{"maxParallel": 9}');
    await expect(writeDefaultConfig(dir)).rejects.toMatchObject({ code: "GADUGI_INVALID_ARGUMENT" });
    expect(readFileSync(path, "utf8")).toBe('{"maxParallel": 9}');
    await writeDefaultConfig(dir, { force: true });
    expect((await loadConfig(dir)).config.maxParallel).toBe(4);
  });

  it("starts with the agent CLI that is installed, and with none when none is", async () => {
    const dir = temp.dir();
    expect(await writeDefaultConfig(dir, { env: { PATH: fakeAgentDir("codex") } })).toMatchObject({
      agent: "codex",
    });
    const written = JSON.parse(readFileSync(join(dir, "gadugi.config.json"), "utf8"));
    expect(written).toMatchObject({
      agent: "codex",
      agents: { codex: { kind: "codex" } },
      workflow: { reviewer: "codex" },
    });
    expect(JSON.stringify(written)).not.toContain("{prompt_file}");

    const bare = temp.dir();
    expect((await writeDefaultConfig(bare, { env: { PATH: temp.dir() } })).agent).toBeUndefined();
    expect((await loadConfig(bare)).config.agent).toBeUndefined();
    expect((await loadConfig(bare)).config.workflow.reviewer).toBeUndefined();
  });
});

describe("command settings", () => {
  it("reports shell syntax at load time, naming the file and the key", async () => {
    const dir = temp.dir();
    writeFileSync(
      join(dir, "gadugi.config.json"),
      JSON.stringify({ setup: { commands: ["npm ci", "npm run build && npm test"] } }),
    );
    await expect(loadConfig(dir)).rejects.toMatchObject({
      code: "GADUGI_COMMAND_SYNTAX",
      exitCode: 3,
      message:
        "gadugi.config.json: setup.commands[1]: cannot run `npm run build && npm test` without a shell: it contains the shell operator `&&`.",
    });
  });

  it("names the YAML line, and checks test, review and agent commands too", () => {
    const yaml = "workflow:\n  testCommand: pytest | tee log\n";
    expect(() => parseConfigText(yaml, "/r/gadugi.config.yaml", "/r")).toThrowError(
      /^gadugi.config.yaml: workflow.testCommand \(line 2\): cannot run `pytest \| tee log`/,
    );
    const json = (value: object) => () =>
      parseConfigText(JSON.stringify(value), "/r/gadugi.config.json", "/r");
    expect(json({ workflow: { reviewCommand: "review $(git diff)" } })).toThrowError(
      /workflow.reviewCommand/,
    );
    expect(json({ integration: { testCommand: "npm test > out" } })).toThrowError(/integration.testCommand/);
    expect(json({ agents: { a: { kind: "command", command: "run *.md" } } })).toThrowError(
      /agents.a.command/,
    );
  });

  it("accepts command lines and argument arrays alike", () => {
    const config = parseConfigText(
      JSON.stringify({
        setup: { commands: ["npm ci", ["sh", "-c", "make && make install"]] },
        workflow: { testCommand: "pytest -k 'not slow'" },
      }),
      "/r/gadugi.config.json",
      "/r",
    );
    expect(config.setup.commands).toHaveLength(2);
  });
});
