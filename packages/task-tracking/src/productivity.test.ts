import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import type { RunSummary, TaskRun } from "./metrics.js";
import { DurationHistory, defaultHistoryPath, ProductivityAnalyzer } from "./productivity.js";
import { memoryTextStore } from "./store.js";
import { fakeClock, T0, tempDir } from "./test-helpers/index.js";

function run(
  runId: string,
  tasks: Omit<TaskRun, "startedAt" | "endedAt">[],
  durationsSec: number[],
): RunSummary {
  return {
    runId,
    startedAt: T0,
    endedAt: T0 + 100_000,
    maxParallel: 2,
    tasks: tasks.map((t, i) => ({ ...t, startedAt: T0, endedAt: T0 + (durationsSec[i] ?? 0) * 1000 })),
  };
}

describe("ProductivityAnalyzer history", () => {
  it("persists samples across analyzer instances and predicts from them", async () => {
    const path = defaultHistoryPath(await tempDir());
    const first = new ProductivityAnalyzer({ history: path, now: fakeClock().now });
    expect(await first.predict("feature")).toBeUndefined();

    const added = await first.record(
      run(
        "r1",
        [
          { id: "a", type: "feature", complexity: "high", status: "completed" },
          { id: "b", type: "feature", complexity: "low", status: "completed" },
          { id: "c", type: "feature", status: "failed" },
          { id: "d", type: "docs", status: "skipped" },
        ],
        [10, 20, 99],
      ),
    );
    expect(added).toBe(2);
    expect(path.endsWith(join(".gadugi", "history.json"))).toBe(true);

    const second = new ProductivityAnalyzer({ history: path });
    await second.record(
      run(
        "r2",
        [
          { id: "a", type: "feature", complexity: "high", status: "completed" },
          { id: "b", type: "feature", complexity: "high", status: "completed" },
        ],
        [30, 40],
      ),
    );

    expect(await first.predict("feature")).toEqual({
      type: "feature",
      samples: 4,
      medianMs: 25_000,
      meanMs: 25_000,
      p90Ms: 40_000,
      minMs: 10_000,
      maxMs: 40_000,
    });
    expect(await first.predict("feature", "high")).toMatchObject({
      complexity: "high",
      samples: 3,
      medianMs: 30_000,
    });
    expect(await first.predict("feature", "medium")).toBeUndefined();
    expect(await first.predict("docs")).toBeUndefined();

    const file = DurationHistory.parse(JSON.parse(await readFile(path, "utf8")));
    expect(file.samples[0]).toEqual({
      runId: "r1",
      taskId: "a",
      type: "feature",
      complexity: "high",
      durationMs: 10_000,
      recordedAt: "2025-01-01T00:00:00.000Z",
    });
  });

  it("does not record the same task of a run twice", async () => {
    const analyzer = new ProductivityAnalyzer({ history: memoryTextStore() });
    const r = run("r1", [{ id: "a", type: "test", status: "completed" }], [5]);
    expect(await analyzer.record(r)).toBe(1);
    expect(await analyzer.record(r)).toBe(0);
    expect(await analyzer.samples()).toHaveLength(1);
  });

  it("keeps only the last N samples of each type", async () => {
    const store = memoryTextStore();
    const analyzer = new ProductivityAnalyzer({ history: store, maxSamplesPerType: 3 });
    for (let i = 1; i <= 5; i++) {
      await analyzer.record(
        run(
          `r${i}`,
          [
            { id: "t", type: "bugfix", status: "completed" },
            { id: "d", type: "docs", status: "completed" },
          ],
          [i, 100],
        ),
      );
    }
    const samples = await analyzer.samples();
    expect(samples.filter((s) => s.type === "bugfix").map((s) => s.runId)).toEqual(["r3", "r4", "r5"]);
    expect(samples.filter((s) => s.type === "docs")).toHaveLength(3);
    expect(await analyzer.predict("bugfix")).toMatchObject({ samples: 3, medianMs: 4000, meanMs: 4000 });
    expect(() => new ProductivityAnalyzer({ maxSamplesPerType: 0 })).toThrow(/maxSamplesPerType/);
  });

  it("reports a corrupt history file by name instead of dropping it", async () => {
    const path = join(await tempDir(), "history.json");
    await writeFile(path, "{ not json");
    const analyzer = new ProductivityAnalyzer({ history: path });
    const error = await analyzer.predict("feature").catch((e: unknown) => e);
    expect(GadugiError.is(error, "GADUGI_INVALID_DATA")).toBe(true);
    expect((error as GadugiError).message).toContain(`${path} is not valid`);
    expect((error as GadugiError).hint).toContain("delete it to start a new history");

    await writeFile(
      path,
      JSON.stringify({ version: 1, samples: [{ runId: "r", taskId: "t", type: "epic" }] }),
    );
    const r = run("r9", [{ id: "a", type: "test", status: "completed" }], [1]);
    await expect(analyzer.record(r)).rejects.toThrow(/samples\.0\.type/);
    // The bad file is left for the user to inspect, not overwritten.
    expect(await readFile(path, "utf8")).toContain('"epic"');
  });

  it("needs a history location for record and predict, but not for analyze", async () => {
    const analyzer = new ProductivityAnalyzer();
    expect(analyzer.analyze(run("r", [], [])).tasksTotal).toBe(0);
    await expect(analyzer.predict("docs")).rejects.toThrow(/history/);
  });
});
