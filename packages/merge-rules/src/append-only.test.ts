import { describe, expect, it } from "vitest";
import { mergeAppendOnly } from "./append-only.js";

const base = "# Changelog\n\n## Unreleased\n\n- old entry\n";

describe("append-only rule", () => {
  it("keeps both sides' entries added at the same spot, ours first", () => {
    const ours = base.replace("- old", "- from ours\n- old");
    const theirs = base.replace("- old", "- from theirs\n- old");
    const result = mergeAppendOnly({ base, ours, theirs });
    expect(result).toMatchObject({ ok: true, reason: "union of both sides' added lines at 1 spot" });
    expect(result.ok && result.content).toBe(
      "# Changelog\n\n## Unreleased\n\n- from ours\n- from theirs\n- old entry\n",
    );
  });

  it("puts each side's line on a line of its own when both append to a file without a final newline", () => {
    const result = mergeAppendOnly({ base: "a\n", ours: "a\nb", theirs: "a\nc" });
    expect(result.ok && result.content).toBe("a\nb\nc");
  });

  it("adds an entry both sides wrote identically once", () => {
    const ours = `${base}- same\n- ours\n`;
    const theirs = `${base}- same\n- ours\n`;
    expect(mergeAppendOnly({ base, ours, theirs })).toMatchObject({ ok: true, content: ours });
  });

  it("merges a file both sides created (no base) as the union of both", () => {
    const result = mergeAppendOnly({ ours: "- a\n", theirs: "- b\n" });
    expect(result.ok && result.content).toBe("- a\n- b\n");
  });

  it("refuses when both sides edit the same existing line, naming it", () => {
    const ours = base.replace("- old entry", "- old entry (fixed by ours)");
    const theirs = base.replace("- old entry", "- old entry (fixed by theirs)");
    expect(mergeAppendOnly({ base, ours, theirs })).toEqual({
      ok: false,
      reason: "both sides changed line 5 of the base; only added lines are merged by union",
    });
  });

  it("refuses when one side deletes a line where the other adds", () => {
    const ours = base.replace("- old entry\n", "");
    const theirs = `${base}- new\n`;
    expect(mergeAppendOnly({ base, ours, theirs }).ok).toBe(false);
  });
});
