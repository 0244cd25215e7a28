import { z } from "zod";

/** Measured figures for one run; speedup and efficiency are computed, never assumed. */
export const PerformanceMetrics = z.strictObject({
  runId: z.string(),
  wallTimeMs: z.number().nonnegative(),
  /** Sum of every finished task's own duration: what running them one by one would cost. */
  sumTaskDurationsMs: z.number().nonnegative(),
  /** sumTaskDurationsMs / wallTimeMs. */
  speedup: z.number().nonnegative(),
  /** speedup / maxParallel, in [0, 1]. */
  parallelEfficiency: z.number().nonnegative(),
  maxParallel: z.number().int().positive(),
  /** The longest chain of dependent tasks, by measured duration. */
  criticalPath: z.array(z.string()).default([]),
  criticalPathMs: z.number().nonnegative().default(0),
  tasksTotal: z.number().int().nonnegative(),
  tasksCompleted: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
  tasksSkipped: z.number().int().nonnegative(),
  tasksCancelled: z.number().int().nonnegative().default(0),
  tokens: z.number().nonnegative().default(0),
  costUsd: z.number().nonnegative().default(0),
});
export type PerformanceMetrics = z.infer<typeof PerformanceMetrics>;
