import { GadugiError } from "@gadugi/error-handling";
import { type AgentRunRequest, type AgentRunResult, WORKFLOW_PHASES } from "@gadugi/interfaces";
import { describe, expect, it } from "vitest";
import {
  assertWorkflowScope,
  currentWorkflowScope,
  findPlanViolations,
  governAgentRunner,
  runInWorkflowScope,
  validateWorkflowPlan,
} from "./governance.js";

const request = { runId: "run-1", taskId: "task-1" } as AgentRunRequest;
const okResult = { outcome: "ok" } as AgentRunResult;

describe("validateWorkflowPlan", () => {
  it("accepts the eight phases in order", () => {
    expect(findPlanViolations([...WORKFLOW_PHASES])).toEqual([]);
    expect(() => validateWorkflowPlan({ id: "t" }, [...WORKFLOW_PHASES])).not.toThrow();
  });

  it("names missing required phases, wrong order, repeats and unknown phases", () => {
    expect(findPlanViolations(["setup", "implementation"])).toEqual([
      "the plan is missing required phase(s) issue_creation, branch_creation, testing, documentation, pr_creation, review (workflow.requiredPhases)",
    ]);
    expect(findPlanViolations(["setup", "testing", "implementation"], ["setup"])).toEqual([
      "implementation comes after testing, but the workflow order is setup → issue_creation → branch_creation → implementation → testing → documentation → pr_creation → review",
    ]);
    expect(findPlanViolations(["setup", "setup", "deploy"], ["setup"])).toEqual([
      "unknown phase(s) deploy (the phases are setup, issue_creation, branch_creation, implementation, testing, documentation, pr_creation, review)",
      "phase(s) listed more than once: setup",
    ]);
  });

  it("throws GADUGI_GOVERNANCE naming the task", () => {
    let error: unknown;
    try {
      validateWorkflowPlan({ id: "task-9" }, ["setup"], ["setup", "review"]);
    } catch (caught) {
      error = caught;
    }
    expect(GadugiError.is(error, "GADUGI_GOVERNANCE")).toBe(true);
    expect((error as Error).message).toBe(
      "Task task-9 violates the workflow rules: the plan is missing required phase(s) review (workflow.requiredPhases)",
    );
  });
});

describe("governAgentRunner", () => {
  const runner = governAgentRunner(async () => okResult);

  it("refuses direct execution outside a WorkflowManager", async () => {
    await expect(runner(request, { signal: new AbortController().signal })).rejects.toMatchObject({
      code: "GADUGI_GOVERNANCE",
      message: expect.stringContaining("direct execution"),
    });
    expect(currentWorkflowScope()).toBeUndefined();
    expect(() => assertWorkflowScope("task-1")).toThrow(/outside a WorkflowManager/);
  });

  it("runs inside an agent phase of the same task only", async () => {
    const signal = new AbortController().signal;
    const scope = { runId: "run-1", taskId: "task-1", phase: "implementation" as const };
    await expect(runInWorkflowScope(scope, () => runner(request, { signal }))).resolves.toBe(okResult);
    await expect(
      runInWorkflowScope({ ...scope, taskId: "task-2" }, () => runner(request, { signal })),
    ).rejects.toThrow(/from the workflow of task task-2/);
    await expect(
      runInWorkflowScope({ ...scope, phase: "pr_creation" }, () => runner(request, { signal })),
    ).rejects.toThrow(/the pr_creation phase may not run an agent/);
  });
});
