import { describe, expect, it } from "vitest";
import { describeErrorWithHint, ERROR_CATALOGUE, GadugiError, isAbortError, toGadugiError } from "./index.js";

describe("GadugiError", () => {
  it("builds message, title, hint and exit code from the catalogue", () => {
    const error = new GadugiError("GADUGI_LOCK_HELD", {
      resource: "run-1",
      pid: 42,
      host: "box",
      since: "noon",
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("GadugiError");
    expect(error.code).toBe("GADUGI_LOCK_HELD");
    expect(error.title).toBe("Already in use");
    expect(error.message).toBe("run-1 is locked by process 42 on box since noon.");
    expect(error.hint).toMatch(/Another gadugi process owns it/);
    expect(error.exitCode).toBe(5);
    expect(error.args).toEqual({ resource: "run-1", pid: 42, host: "box", since: "noon" });
  });

  it("builds argument-dependent hints and lets the caller override the hint", () => {
    expect(new GadugiError("GADUGI_COMMAND_NOT_FOUND", { command: "uv" }).hint).toBe(
      "Install uv or put it on PATH, then retry.",
    );
    expect(
      new GadugiError("GADUGI_COMMAND_NOT_FOUND", { command: "uv" }, { hint: "pip install uv" }).hint,
    ).toBe("pip install uv");
  });

  it("keeps its cause, and has none when not given one", () => {
    const cause = new Error("EACCES");
    expect(new GadugiError("GADUGI_FILE_UNREADABLE", { path: "/x", reason: "denied" }, { cause }).cause).toBe(
      cause,
    );
    expect("cause" in new GadugiError("GADUGI_FILE_NOT_FOUND", { path: "/x" })).toBe(false);
  });

  it("is() narrows by code, also for a copy from another instance of the package", () => {
    const error: unknown = new GadugiError("GADUGI_TIMEOUT", { operation: "tests", seconds: 60 });
    expect(GadugiError.is(error)).toBe(true);
    expect(GadugiError.is(error, "GADUGI_TIMEOUT")).toBe(true);
    expect(GadugiError.is(error, "GADUGI_ABORTED")).toBe(false);
    const foreign = Object.assign(new Error("x"), { name: "GadugiError", code: "GADUGI_TIMEOUT" });
    expect(GadugiError.is(foreign, "GADUGI_TIMEOUT")).toBe(true);
    expect(GadugiError.is(new Error("plain"))).toBe(false);
    expect(GadugiError.is({ name: "GadugiError", code: "GADUGI_TIMEOUT" })).toBe(false);
  });

  it("toGadugiError keeps GadugiErrors and wraps anything else as GADUGI_UNEXPECTED", () => {
    const known = new GadugiError("GADUGI_NO_TASKS", { reason: "no prompts" });
    expect(toGadugiError(known)).toBe(known);
    const wrapped = toGadugiError("oops");
    expect(wrapped.code).toBe("GADUGI_UNEXPECTED");
    expect(wrapped.message).toBe("oops");
    expect(wrapped.cause).toBe("oops");
    expect(wrapped.exitCode).toBe(70);
  });

  it("has a well-formed catalogue: codes, titles, hints and exit codes", () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^GADUGI_[A-Z0-9_]+$/);
      expect(entry.title.length).toBeGreaterThan(0);
      expect(Number.isInteger(entry.exitCode)).toBe(true);
      expect([1, 2, 3, 4, 5, 6, 7, 8, 70, 130]).toContain(entry.exitCode);
      expect(typeof entry.hint === "function" || entry.hint.length > 0).toBe(true);
    }
    expect(Object.keys(ERROR_CATALOGUE)).toContain("GADUGI_UNEXPECTED");
  });
});

describe("isAbortError", () => {
  it("recognises GADUGI_ABORTED and platform AbortErrors only", () => {
    expect(isAbortError(new GadugiError("GADUGI_ABORTED", { operation: "x" }))).toBe(true);
    expect(isAbortError(new DOMException("stop", "AbortError"))).toBe(true);
    expect(isAbortError(new Error("AbortError"))).toBe(false);
    expect(isAbortError(new GadugiError("GADUGI_TIMEOUT", { operation: "x", seconds: 1 }))).toBe(false);
  });
});

describe("describeErrorWithHint", () => {
  it("puts the code, the message and the hint on one line; other errors keep their message", () => {
    const error = new GadugiError(
      "GADUGI_COMMAND_NOT_FOUND",
      { command: "uv" },
      { hint: "or set setup.skipMissingUv." },
    );
    expect(describeErrorWithHint(error)).toBe(
      "GADUGI_COMMAND_NOT_FOUND: `uv` is not installed or not on PATH. (hint: or set setup.skipMissingUv.)",
    );
    expect(describeErrorWithHint(new Error("plain"))).toBe("plain");
    expect(describeErrorWithHint("text")).toBe("text");
  });
});
