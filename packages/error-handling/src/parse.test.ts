import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GadugiError, parseJsonWith, parseWith } from "./index.js";

const Schema = z.strictObject({
  name: z.string(),
  limits: z.strictObject({ max: z.number().int().positive() }),
});

describe("parseWith", () => {
  it("returns the parsed value", () => {
    expect(parseWith(Schema, { name: "a", limits: { max: 2 } }, "x.json")).toEqual({
      name: "a",
      limits: { max: 2 },
    });
  });

  it("fails with GADUGI_INVALID_DATA naming the source and each bad key", () => {
    const error = (() => {
      try {
        parseWith(Schema, { name: 3, limits: { max: -1 }, extra: true }, "gadugi.config.json");
      } catch (e) {
        return e;
      }
    })() as GadugiError<"GADUGI_INVALID_DATA">;
    expect(GadugiError.is(error, "GADUGI_INVALID_DATA")).toBe(true);
    expect(error.message.split("\n")[0]).toBe("gadugi.config.json is not valid:");
    expect(error.message).toMatch(/^- name: /m);
    expect(error.message).toMatch(/^- limits\.max: /m);
    expect(error.message).toMatch(/^- \(root\): .*extra/m);
    expect(error.hint).toBe("Fix the listed keys in gadugi.config.json.");
    expect(error.exitCode).toBe(3);
    expect(error.cause).toBeInstanceOf(z.ZodError);
  });
});

describe("parseJsonWith", () => {
  it("parses JSON text through the schema", () => {
    expect(parseJsonWith(Schema, '{"name":"a","limits":{"max":1}}', "state.json").limits.max).toBe(1);
  });

  it("reports text that is not JSON with the source and the parser's reason", () => {
    expect(() => parseJsonWith(Schema, "{nope", ".gadugi/runs/r1/state.json")).toThrow(
      /^\.gadugi\/runs\/r1\/state\.json is not valid:\n- \(root\): not valid JSON \(/,
    );
  });

  it("reports valid JSON with bad keys like parseWith", () => {
    expect(() => parseJsonWith(Schema, '{"name":"a","limits":{}}', "state.json")).toThrow(/- limits\.max: /);
  });
});
