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

describe("append-only rule, sections both sides opened", () => {
  const log = "# Changelog\n\n## v1.6.3\n\n- released\n";
  const entry = (text: string) => log.replace("## v1.6.3", `## Unreleased\n\n- ${text}\n\n## v1.6.3`);

  it("keeps one heading both sides wrote above their entries, and both entries under it", () => {
    const result = mergeAppendOnly({ base: log, ours: entry("from ours"), theirs: entry("from theirs") });
    expect(result.ok && result.content).toBe(
      "# Changelog\n\n## Unreleased\n\n- from ours\n- from theirs\n\n## v1.6.3\n\n- released\n",
    );
    // Merged again with a third side, as the integration merges task after task.
    const merged = result.ok ? result.content : "";
    const third = mergeAppendOnly({ base: log, ours: merged, theirs: entry("third") });
    expect(third.ok && third.content).toBe(
      "# Changelog\n\n## Unreleased\n\n- from ours\n- from theirs\n- third\n\n## v1.6.3\n\n- released\n",
    );
  });

  it("keeps a shared closing line once, after both sides' own lines", () => {
    const base = "<!-- entries -->\n<!-- end -->\n";
    const ours = "<!-- entries -->\n- a\n- note\n<!-- end -->\n";
    const theirs = "<!-- entries -->\n- b\n- note\n<!-- end -->\n";
    const result = mergeAppendOnly({ base, ours, theirs });
    expect(result.ok && result.content).toBe("<!-- entries -->\n- a\n- b\n- note\n<!-- end -->\n");
  });

  it("does not share blank lines alone: each side's section keeps its spacing", () => {
    const base = "# Log\n";
    const ours = "# Log\n\n## a\n- a\n";
    const theirs = "# Log\n\n## b\n- b\n";
    const result = mergeAppendOnly({ base, ours, theirs });
    expect(result.ok && result.content).toBe("# Log\n\n## a\n- a\n\n## b\n- b\n");
  });

  it("keeps a shared heading once when both sides create the file", () => {
    const result = mergeAppendOnly({ ours: "# Notes\n\n- a\n", theirs: "# Notes\n\n- b\n" });
    expect(result.ok && result.content).toBe("# Notes\n\n- a\n- b\n");
  });
});
