import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ProductivityAnalyzer } from "@gadugi/task-tracking";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { estimateDurations } from "./estimates.js";

const temp = useTempDirs();
const t0 = Date.parse("2026-01-01T00:00:00.000Z");

async function historyWith(samples: { type: "feature" | "docs"; complexity: "low" | "high"; ms: number }[]) {
  const file = join(temp.dir(), "history.json");
  await new ProductivityAnalyzer({ history: file }).record({
    runId: "r1",
    startedAt: t0,
    endedAt: t0 + 100_000,
    maxParallel: 2,
    tasks: samples.map((s, i) => ({
      id: `t${i}`,
      type: s.type,
      complexity: s.complexity,
      status: "completed" as const,
      startedAt: t0,
      endedAt: t0 + s.ms,
    })),
  });
  return file;
}

describe("estimateDurations", () => {
  it("uses the measured median per type and complexity, else per type", async () => {
    const file = await historyWith([
      { type: "feature", complexity: "high", ms: 9000 },
      { type: "feature", complexity: "high", ms: 11000 },
      { type: "docs", complexity: "low", ms: 2000 },
    ]);
    const estimates = await estimateDurations(file, [
      { id: "a", type: "feature", complexity: "high" },
      { id: "b", type: "docs", complexity: "high" },
    ]);
    expect(estimates?.get("a")).toBe(10000);
    expect(estimates?.get("b")).toBe(2000);
  });

  it("gives nothing when a task type was never measured, or without history", async () => {
    const file = await historyWith([{ type: "feature", complexity: "low", ms: 1000 }]);
    expect(
      await estimateDurations(file, [
        { id: "a", type: "feature", complexity: "low" },
        { id: "b", type: "docs", complexity: "low" },
      ]),
    ).toBeUndefined();
    expect(
      await estimateDurations(join(temp.dir(), "none.json"), [
        { id: "a", type: "feature", complexity: "low" },
      ]),
    ).toBeUndefined();
    const broken = join(temp.dir(), "broken.json");
    writeFileSync(broken, "{");
    expect(
      await estimateDurations(broken, [{ id: "a", type: "feature", complexity: "low" }]),
    ).toBeUndefined();
  });
});
