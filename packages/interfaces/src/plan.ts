import { z } from "zod";
import { TaskData } from "./task.js";

/** Why one task must wait for another. */
/**
 * `hotspot`: both write only files a merge rule covers (CHANGELOG, version fields…); a soft edge
 * that never serializes, kept so the plan says why the two may run at once.
 */
export const EdgeKind = z.enum(["explicit", "same-file", "import", "hotspot"]);
export type EdgeKind = z.infer<typeof EdgeKind>;

export const PlanEdge = z.strictObject({
  /** The task that must finish first. */
  from: z.string(),
  /** The task that waits. */
  to: z.string(),
  kind: EdgeKind,
  /** Hard edges always serialize; soft import edges follow the configured policy; hotspot edges never serialize. */
  hard: z.boolean(),
  reason: z.string(),
  /** For import edges: the files of the import chain, importer first. */
  chain: z.array(z.string()).optional(),
  files: z.array(z.string()).optional(),
  /** For hotspot edges: the merge rule of each shared file. */
  rules: z.record(z.string(), z.string()).optional(),
});
export type PlanEdge = z.infer<typeof PlanEdge>;

export const PlanWarning = z.strictObject({
  message: z.string(),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  taskId: z.string().optional(),
});
export type PlanWarning = z.infer<typeof PlanWarning>;

/** The task analyzer's result; `gadugi analyze --json` prints exactly this. */
export const ExecutionPlan = z.strictObject({
  createdAt: z.string(),
  repoRoot: z.string(),
  tasks: z.array(TaskData),
  edges: z.array(PlanEdge),
  /** Tasks grouped so that every task's dependencies sit in earlier levels. */
  levels: z.array(z.array(z.string())),
  criticalPath: z.array(z.string()),
  recommendedParallelism: z.number().int().positive(),
  skipped: z.array(z.strictObject({ file: z.string(), reason: z.string() })).default([]),
  warnings: z.array(PlanWarning).default([]),
});
export type ExecutionPlan = z.infer<typeof ExecutionPlan>;
