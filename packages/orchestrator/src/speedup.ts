import type { PerformanceMetrics } from "@gadugi/interfaces";

/** Why a run has no speedup figure worth printing. */
export const NO_SPEEDUP_REASON = "no speedup: no task completed";

/**
 * The speedup and parallel efficiency of a run as text, or, when no task completed, the reason
 * there are none: the time of failed tasks divided by the wall time measures no gain. The JSON
 * report keeps the measured numbers either way.
 */
export function speedupText(
  m: PerformanceMetrics,
): { speedup: string; efficiency: string } | { none: string } {
  if (m.tasksCompleted === 0) return { none: NO_SPEEDUP_REASON };
  return {
    speedup: `${m.speedup.toFixed(2)}×`,
    efficiency: `${(m.parallelEfficiency * 100).toFixed(0)}% of ${m.maxParallel}`,
  };
}
