import { describe, expect, it } from "vitest";
import { type ConcurrencyChange, ResourceGovernor, type ResourceSample, systemSampler } from "./governor.js";

function governor(samples: ResourceSample[], options: { max?: number; recoverAfter?: number } = {}) {
  const changes: ConcurrencyChange[] = [];
  const g = new ResourceGovernor({
    max: options.max ?? 6,
    minFreeMemoryMb: 1000,
    maxLoadPerCore: 2,
    recoverAfter: options.recoverAfter ?? 2,
    sampler: () => {
      const next = samples.shift();
      if (!next) throw new Error("no more samples");
      return next;
    },
  });
  g.onChange((c) => changes.push(c));
  return { g, changes };
}

const healthy = { freeMemoryMb: 4000, loadPerCore: 0.5 };

describe("ResourceGovernor", () => {
  it("lowers the allowed concurrency under memory or load pressure, saying why", async () => {
    const { g, changes } = governor([
      { freeMemoryMb: 900, loadPerCore: 0.5 },
      { freeMemoryMb: 3000, loadPerCore: 2.5 },
      { freeMemoryMb: 300, loadPerCore: 0.5 },
    ]);
    await g.sample();
    await g.sample();
    await g.sample();
    expect(changes).toEqual([
      { from: 6, to: 5, reason: "resource pressure: free memory 900 MiB < 1000 MiB" },
      { from: 5, to: 4, reason: "resource pressure: load 2.5 per core > 2" },
      { from: 4, to: 2, reason: "resource pressure: free memory 300 MiB < 1000 MiB" },
    ]);
    expect(g.allowed).toBe(2);
  });

  it("never goes below 1", async () => {
    const { g } = governor(Array(5).fill({ freeMemoryMb: 10, loadPerCore: 9 }), { max: 2 });
    for (let i = 0; i < 5; i++) await g.sample();
    expect(g.allowed).toBe(1);
  });

  it("raises it back one step at a time once resources stay recovered, never above the maximum", async () => {
    const { g, changes } = governor(
      [
        { freeMemoryMb: 200, loadPerCore: 0.5 },
        healthy,
        healthy,
        healthy,
        healthy,
        healthy,
        healthy,
        healthy,
        healthy,
      ],
      { max: 4 },
    );
    await g.sample(); // 4 → 2
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      await g.sample();
      seen.push(g.allowed);
    }
    expect(seen).toEqual([2, 3, 3, 4, 4, 4, 4, 4]);
    expect(changes.slice(1).map((c) => [c.from, c.to])).toEqual([
      [2, 3],
      [3, 4],
    ]);
    expect(changes[1]?.reason).toBe("resources recovered: free memory 4000 MiB, load 0.5 per core");
  });

  it("holds (hysteresis) while readings sit between the limit and the recovery threshold", async () => {
    const between = { freeMemoryMb: 1100, loadPerCore: 1.9 }; // inside limits, but not 20% clear of them
    const { g, changes } = governor(
      [{ freeMemoryMb: 900, loadPerCore: 0.5 }, between, between, between, between],
      {
        recoverAfter: 1,
      },
    );
    for (let i = 0; i < 5; i++) await g.sample();
    expect(g.allowed).toBe(5);
    expect(changes).toHaveLength(1);
  });

  it("follows the user's maximum", async () => {
    const { g, changes } = governor([{ freeMemoryMb: 900, loadPerCore: 0.5 }]);
    g.setMax(3, "user lowered it");
    expect(g.allowed).toBe(3);
    g.setMax(8);
    expect(g.allowed).toBe(8);
    await g.sample(); // 8 → 7, throttled
    g.setMax(10);
    expect(g.allowed).toBe(7); // held down by the governor: raised step by step when resources recover
    expect(changes.map((c) => c.to)).toEqual([3, 8, 7]);
    expect(() => g.setMax(0)).toThrow(/at least 1/);
  });

  it("reads the real machine cheaply", () => {
    const sample = systemSampler();
    expect(sample.freeMemoryMb).toBeGreaterThan(0);
    expect(sample.loadPerCore).toBeGreaterThanOrEqual(0);
  });
});
