import { GadugiError } from "@gadugi/error-handling";
import {
  allowedSkips,
  type GadugiConfig,
  type GovernanceSkip,
  type PhaseRecord,
  SkipReason,
  type TaskGovernance,
  type WorkflowPhase,
} from "@gadugi/interfaces";

// Governance of skips: a required phase (workflow.requiredPhases) is satisfied only by a phase
// that ran, or by a skip whose reason code workflow.allowSkip allows for that phase.

type Workflow = Pick<GadugiConfig["workflow"], "requiredPhases" | "allowSkip">;

/** The reason code of a skipped phase's record (`data.skipCode`); `unspecified` when it has none. */
export function skipCodeOf(record: Pick<PhaseRecord, "data">): SkipReason {
  const parsed = SkipReason.safeParse(record.data.skipCode);
  return parsed.success ? parsed.data : "unspecified";
}

/**
 * Why a skipped record breaks governance, as a sentence; undefined when the phase is not required,
 * was not skipped, or was skipped for a reason `workflow.allowSkip` allows.
 */
export function skipViolation(workflow: Workflow, record: PhaseRecord | undefined): string | undefined {
  if (record === undefined || record.status !== "skipped") return undefined;
  if (!workflow.requiredPhases.includes(record.phase)) return undefined;
  const code = skipCodeOf(record);
  if (allowedSkips(workflow.allowSkip, record.phase).includes(code)) return undefined;
  return `${record.phase} was skipped (${code}: ${record.reason ?? "no reason given"}) and workflow.allowSkip.${record.phase} does not allow it; it is in workflow.requiredPhases, so it must run`;
}

/**
 * The governance section of a task's report, from its phase records: the required phases, those
 * that ran (completed), those skipped for an allowed reason and those skipped for a reason that
 * is not allowed (a required phase's), each skip with its code and reason.
 */
export function taskGovernance(workflow: Workflow, records: readonly PhaseRecord[]): TaskGovernance {
  const required: WorkflowPhase[] = [...workflow.requiredPhases];
  const governance: TaskGovernance = { required, ran: [], skippedAllowed: [], violated: [] };
  for (const record of records) {
    if (record.status === "completed") governance.ran.push(record.phase);
    if (record.status !== "skipped") continue;
    const skip: GovernanceSkip = {
      phase: record.phase,
      code: skipCodeOf(record),
      reason: record.reason ?? "",
    };
    if (skipViolation(workflow, record) === undefined) governance.skippedAllowed.push(skip);
    else governance.violated.push(skip);
  }
  return governance;
}

/** The GADUGI_GOVERNANCE error of a required phase skipped for a reason that is not allowed. */
export function skipViolationError(taskId: string, phase: WorkflowPhase, violation: string): GadugiError {
  return new GadugiError(
    "GADUGI_GOVERNANCE",
    { taskId, reason: violation },
    {
      hint: `Make ${phase} able to run, add its reason code to workflow.allowSkip.${phase}, or take ${phase} out of workflow.requiredPhases.`,
    },
  );
}
