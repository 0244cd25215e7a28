import { describe, expect, it } from "vitest";
import { mergeKeyedMap } from "./keyed-map.js";

const registry = (entries: Record<string, string>) => `${JSON.stringify({ plugins: entries }, null, 2)}\n`;

describe("keyed-map rule", () => {
  it("merges a registry JSON where each side added a different key, keeping ours' layout", () => {
    const base = registry({ core: "./core.js" });
    const ours = registry({ core: "./core.js", alpha: "./alpha.js" });
    const theirs = registry({ core: "./core.js", beta: "./beta.js" });
    const result = mergeKeyedMap("registry.json", { base, ours, theirs });
    expect(result).toMatchObject({
      ok: true,
      content: registry({ core: "./core.js", alpha: "./alpha.js", beta: "./beta.js" }),
      reason: "structural merge: theirs changed plugins.beta",
    });
  });

  it("merges changes below one key both sides touched", () => {
    const base = '{ "exports": { ".": "./a.js" } }';
    const ours = '{ "exports": { ".": "./a.js", "./x": "./x.js" } }';
    const theirs = '{ "exports": { ".": "./b.js" } }';
    const result = mergeKeyedMap("exports.json", { base, ours, theirs });
    expect(JSON.parse(result.ok ? result.content : "null")).toEqual({
      exports: { ".": "./b.js", "./x": "./x.js" },
    });
  });

  it("refuses when both sides changed the same key", () => {
    const base = registry({ core: "./core.js" });
    const result = mergeKeyedMap("registry.json", {
      base,
      ours: registry({ core: "./ours.js" }),
      theirs: registry({ core: "./theirs.js" }),
    });
    expect(result).toEqual({ ok: false, reason: "both sides changed plugins.core" });
  });

  it("merges YAML maps and keeps ours' comments", () => {
    const base = "# services\nweb: 1\n";
    const ours = "# services\nweb: 1\napi: 2 # ours\n";
    const theirs = "# services\nweb: 1\nworker: 3\n";
    const result = mergeKeyedMap("services.yaml", { base, ours, theirs });
    expect(result.ok && result.content).toBe("# services\nweb: 1\napi: 2 # ours\nworker: 3\n");
  });

  it("refuses a document that is not a map, or is not valid", () => {
    expect(mergeKeyedMap("list.json", { base: "[]", ours: "[1]", theirs: "[2]" }).ok).toBe(false);
    expect(mergeKeyedMap("bad.json", { base: "{}", ours: "{", theirs: "{}" })).toEqual({
      ok: false,
      reason: "a side is not valid JSON",
    });
  });
});
