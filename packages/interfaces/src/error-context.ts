import { z } from "zod";
import { WorkflowPhase } from "./workflow.js";

/** What was going on when something failed; stored in state and the journal. */
export const ErrorContext = z.strictObject({
  code: z.string().regex(/^GADUGI_[A-Z0-9_]+$/),
  message: z.string(),
  hint: z.string().optional(),
  operation: z.string().optional(),
  runId: z.string().optional(),
  taskId: z.string().optional(),
  phase: WorkflowPhase.optional(),
  attempt: z.number().int().positive().optional(),
  timestamp: z.string(),
  stack: z.string().optional(),
  /** The chain of causes, outermost first, as messages. */
  causes: z.array(z.string()).default([]),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type ErrorContext = z.infer<typeof ErrorContext>;
