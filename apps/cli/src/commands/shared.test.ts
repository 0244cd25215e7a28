import { MAX_PARALLEL as SCHEMA_MAX_PARALLEL } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { MAX_PARALLEL, MAX_PARALLEL_OPTION } from "./shared.js";

describe("the --max-parallel option", () => {
  it("names the config schema's maximum in its help", () => {
    expect(MAX_PARALLEL).toBe(SCHEMA_MAX_PARALLEL);
    expect(MAX_PARALLEL_OPTION[1]).toContain(`1 to ${SCHEMA_MAX_PARALLEL}`);
  });
});
