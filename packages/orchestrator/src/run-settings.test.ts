import { GadugiConfig } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import { configForResume, settingsForRun } from "./run-settings.js";

const input = { maxParallel: 2, integrate: true, keepWorktrees: false, githubOff: true };

describe("run settings: merge rules", () => {
  it("journals whether the merge rules were on, and a resume keeps them off", async () => {
    const on = await settingsForRun(input, GadugiConfig.parse({}));
    expect(on.mergeRules).toBe(true);
    const off = await settingsForRun(input, GadugiConfig.parse({ integration: { mergeRules: false } }));
    expect(off.mergeRules).toBe(false);

    // The run's file says nothing of --no-merge-rules: the journaled switch wins on resume.
    const fromFile = GadugiConfig.parse({ integration: { mergeRules: { "README.md": "append-only" } } });
    const resumed = await configForResume("/repo", { settings: off, overrides: [] }, undefined, fromFile);
    expect(resumed.config.integration.mergeRules).toBe(false);
    const kept = await configForResume("/repo", { settings: on, overrides: [] }, undefined, fromFile);
    expect(kept.config.integration.mergeRules).toEqual({ "README.md": "append-only" });
  });
});
