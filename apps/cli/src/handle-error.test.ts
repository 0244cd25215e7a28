import { GadugiError } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatError } from "./handle-error.js";

describe("formatError", () => {
  it("prints a GadugiError with its code, message and hint, and uses its exit code", () => {
    const out = formatError(new GadugiError("GADUGI_RUN_NOT_FOUND", { runId: "r-1" }));
    expect(out.exitCode).toBe(5);
    expect(out.text).toContain("GADUGI_RUN_NOT_FOUND");
    expect(out.text).toContain('There is no run "r-1".');
    expect(out.text).toContain("hint: Run `gadugi runs`");
  });

  it("prints a zod error key by key", () => {
    const result = z.object({ a: z.object({ b: z.number() }) }).safeParse({ a: { b: "x" } });
    const out = formatError(result.error);
    expect(out.exitCode).toBe(3);
    expect(out.text).toContain("- a.b:");
  });

  it("calls anything else unexpected and asks for a report", () => {
    const out = formatError(new TypeError("boom"));
    expect(out.exitCode).toBe(70);
    expect(out.text).toContain("Unexpected error");
    // Source maps are off by default (start-up time): the message says how to get a mapped stack.
    expect(out.text).toContain("GADUGI_DEBUG=1");
    expect(out.text).toContain("report");
  });
});
