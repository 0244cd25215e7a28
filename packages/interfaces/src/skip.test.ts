import { describe, expect, it } from "vitest";
import { allowedSkips, DEFAULT_ALLOW_SKIP, GadugiConfig } from "./index.js";

describe("workflow.allowSkip", () => {
  it("keeps the defaults for every phase the config does not name", () => {
    const config = GadugiConfig.parse({ workflow: { allowSkip: { testing: [] } } });
    expect(allowedSkips(config.workflow.allowSkip, "testing")).toEqual([]);
    expect(allowedSkips(config.workflow.allowSkip, "review")).toEqual(["no-reviewer"]);
    expect(allowedSkips(GadugiConfig.parse({}).workflow.allowSkip, "pr_creation")).toEqual(
      DEFAULT_ALLOW_SKIP.pr_creation,
    );
  });

  it("names workflow.allowSkip.<phase> for an unknown phase or reason code", () => {
    const bad = GadugiConfig.safeParse({
      workflow: { allowSkip: { tests: [], testing: ["no-test-command", "no-time"] } },
    });
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues).toEqual([
      expect.stringMatching(/^workflow\.allowSkip\.tests: unknown phase "tests"/),
      expect.stringMatching(/^workflow\.allowSkip\.testing: unknown skip reason "no-time"/),
    ]);
  });
});
