import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText, writeDefaultConfig } from "./config.js";

const temp = useTempDirs();

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
    const path = await writeDefaultConfig(dir);
    expect((await loadConfig(dir)).config.agent).toBe("claude");
    writeFileSync(path, '{"maxParallel": 9}');
    await expect(writeDefaultConfig(dir)).rejects.toMatchObject({ code: "GADUGI_INVALID_ARGUMENT" });
    expect(readFileSync(path, "utf8")).toBe('{"maxParallel": 9}');
    await writeDefaultConfig(dir, { force: true });
    expect((await loadConfig(dir)).config.maxParallel).toBe(4);
  });
});
