import { WORKFLOW_PHASES } from "@gadugi/interfaces";
import { useTempDirs } from "@gadugi/test-utils";
import { describe, expect, it } from "vitest";
import { taskGovernance } from "./skip-policy.js";
import { createHarness, phaseOf, statuses } from "./test-helpers/index.js";

const temp = useTempDirs();

describe("governance of skipped phases (workflow.allowSkip)", () => {
  it("keeps each skip's reason code in the phase record and the journal; the defaults allow them", async () => {
    const h = await createHarness(temp, { noTestCommand: true, github: "no-token", origin: "none" });
    const state = await h.run();
    expect(state.status).toBe("completed");
    expect(phaseOf(state, "issue_creation").data.skipCode).toBe("no-github");
    expect(phaseOf(state, "testing").data.skipCode).toBe("no-test-command");
    expect(phaseOf(state, "pr_creation").data.skipCode).toBe("no-origin");
    expect(phaseOf(state, "review").data.skipCode).toBe("no-reviewer");
    const finished = h.events().filter((e) => e.type === "phase.finished" && e.status === "skipped");
    expect(finished.map((e) => (e as { data?: { skipCode?: string } }).data?.skipCode)).toEqual([
      "no-github",
      "no-test-command",
      "no-origin",
      "no-reviewer",
    ]);
    expect(taskGovernance(h.config.workflow, state.phases)).toEqual({
      required: [...WORKFLOW_PHASES],
      ran: ["setup", "branch_creation", "implementation", "documentation"],
      skippedAllowed: [
        { phase: "issue_creation", code: "no-github", reason: expect.stringMatching(/^GitHub unavailable/) },
        {
          phase: "testing",
          code: "no-test-command",
          reason: expect.stringMatching(/^no test command found/),
        },
        { phase: "pr_creation", code: "no-origin", reason: expect.stringMatching(/^no origin remote/) },
        { phase: "review", code: "no-reviewer", reason: expect.stringMatching(/^no reviewer configured/) },
      ],
      violated: [],
    });
  });

  it("fails the task when a required phase is skipped for a reason allowSkip does not allow", async () => {
    const h = await createHarness(temp, { noTestCommand: true, workflow: { allowSkip: { testing: [] } } });
    const state = await h.run();
    expect(state.status).toBe("failed");
    expect(state.error).toMatch(
      /^testing was skipped \(no-test-command: no test command found.*\) and workflow\.allowSkip\.testing does not allow it/,
    );
    // Nothing after testing ran: the task stops before its branch is pushed or reviewed.
    expect(statuses(state)).toEqual({
      setup: "completed",
      issue_creation: "completed",
      branch_creation: "completed",
      implementation: "completed",
      testing: "skipped",
    });
    const error = h.events().find((e) => e.type === "error");
    expect(error).toMatchObject({ context: { code: "GADUGI_GOVERNANCE" } });
    expect(JSON.stringify(error)).toContain("workflow.allowSkip.testing");
    expect(taskGovernance(h.config.workflow, state.phases).violated).toEqual([
      { phase: "testing", code: "no-test-command", reason: expect.stringMatching(/^no test command found/) },
    ]);
  });

  it("lets an optional phase skip for any reason", async () => {
    const h = await createHarness(temp, {
      noTestCommand: true,
      workflow: {
        allowSkip: { testing: [] },
        requiredPhases: WORKFLOW_PHASES.filter((p) => p !== "testing"),
      },
    });
    const state = await h.run();
    expect(state.status).toBe("completed");
    expect(taskGovernance(h.config.workflow, state.phases)).toMatchObject({
      violated: [],
      skippedAllowed: expect.arrayContaining([expect.objectContaining({ phase: "testing" })]),
    });
  });

  it("runs a skip that a tightened allowSkip no longer allows again on resume", async () => {
    const h = await createHarness(temp, { noTestCommand: true, github: "no-token" });
    const first = await h.run();
    expect(phaseOf(first, "testing").status).toBe("skipped");
    const strict = h.createManager({
      config: {
        ...h.config,
        workflow: {
          ...h.config.workflow,
          testCommand: `"${process.execPath}" check.mjs`,
          allowSkip: { testing: [] },
        },
      },
    });
    const second = await h.run({ resume: await h.state.loadTask(h.runId, first.taskId) }, strict);
    expect(second.status).toBe("completed");
    expect(phaseOf(second, "testing")).toMatchObject({ status: "completed", data: { source: "config" } });
  });
});
