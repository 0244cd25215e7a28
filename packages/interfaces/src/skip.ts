import { z } from "zod";
import { WORKFLOW_PHASES, WorkflowPhase } from "./workflow.js";

/**
 * Why a phase was skipped, as a stable code (kept in the phase record's `data.skipCode` and in
 * the journal's `phase.finished`), so governance can decide whether the skip satisfies
 * `workflow.requiredPhases`:
 * - `no-github`: GitHub is not configured or not available (no token, no repository);
 * - `github-error`: GitHub kept failing after retries;
 * - `no-origin`: the repository has no origin remote to push the task branch to;
 * - `no-test-command`: no test command is configured or detected;
 * - `test-runner-missing`: the detected test command's program is not installed;
 * - `no-reviewer`: neither workflow.reviewer nor workflow.reviewCommand is set;
 * - `unspecified`: a phase (of a custom plan) skipped without saying which of these it was.
 */
export const SKIP_REASONS = [
  "no-github",
  "github-error",
  "no-origin",
  "no-test-command",
  "test-runner-missing",
  "no-reviewer",
  "unspecified",
] as const;
export const SkipReason = z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof SkipReason>;

/** Per phase, the skip reasons that satisfy `workflow.requiredPhases` (`workflow.allowSkip`). */
export type AllowSkip = Partial<Record<WorkflowPhase, SkipReason[]>>;

/**
 * What `workflow.allowSkip` is when it does not name a phase: GitHub's absence or trouble for the
 * issue and PR phases (and no origin for the PR), no test command for testing, no reviewer for
 * review. Every other phase must run.
 */
export const DEFAULT_ALLOW_SKIP: Readonly<Record<WorkflowPhase, readonly SkipReason[]>> = Object.freeze({
  setup: [],
  issue_creation: ["no-github", "github-error"],
  branch_creation: [],
  implementation: [],
  testing: ["no-test-command", "test-runner-missing"],
  documentation: [],
  pr_creation: ["no-github", "github-error", "no-origin"],
  review: ["no-reviewer"],
});

/**
 * `workflow.allowSkip`: per phase, the skip reason codes allowed (`{ testing: [] }` makes testing
 * mandatory); a phase it does not name keeps {@link DEFAULT_ALLOW_SKIP}. An unknown phase or
 * reason is an error at `workflow.allowSkip.<phase>`.
 */
export const AllowSkipSetting = z
  .record(z.string(), z.array(z.string()))
  .superRefine((value, ctx) => {
    for (const [phase, codes] of Object.entries(value)) {
      if (!WorkflowPhase.safeParse(phase).success) {
        ctx.addIssue({
          code: "custom",
          path: [phase],
          message: `unknown phase "${phase}" (the phases are ${WORKFLOW_PHASES.join(", ")})`,
        });
      }
      for (const code of codes) {
        if (SkipReason.safeParse(code).success) continue;
        ctx.addIssue({
          code: "custom",
          path: [phase],
          message: `unknown skip reason "${code}" (the reasons are ${SKIP_REASONS.join(", ")})`,
        });
      }
    }
  })
  .transform((value) => value as AllowSkip);

/** The skip reasons allowed for `phase` by `allowSkip` (its defaults where it does not say). */
export function allowedSkips(allowSkip: AllowSkip | undefined, phase: WorkflowPhase): readonly SkipReason[] {
  return allowSkip?.[phase] ?? DEFAULT_ALLOW_SKIP[phase];
}

/** A skipped phase in a task's governance: its reason code and the reason as said. */
export const GovernanceSkip = z.strictObject({
  phase: WorkflowPhase,
  code: SkipReason,
  reason: z.string(),
});
export type GovernanceSkip = z.infer<typeof GovernanceSkip>;

/**
 * A task's governance, from its phase records: the required phases (`workflow.requiredPhases`),
 * those that ran (completed), those skipped for a reason `workflow.allowSkip` allows, and those
 * skipped for a reason it does not (a violation: the task failed before merging).
 */
export const TaskGovernance = z.strictObject({
  required: z.array(WorkflowPhase),
  ran: z.array(WorkflowPhase),
  skippedAllowed: z.array(GovernanceSkip),
  violated: z.array(GovernanceSkip),
});
export type TaskGovernance = z.infer<typeof TaskGovernance>;
