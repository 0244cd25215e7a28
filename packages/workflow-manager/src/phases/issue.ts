import type { TaskData } from "@gadugi/interfaces";
import type { Phase, PhaseContext } from "../types.js";
import { callGitHub } from "./github-call.js";
import { githubAvailability } from "./shared.js";

function issueBody(ctx: PhaseContext, task: TaskData): string {
  const parts: string[] = [];
  if (task.description.trim() !== "") parts.push(task.description.trim());
  for (const [title, body] of Object.entries(task.sections)) {
    if (body.trim() !== "") parts.push(`### ${title}\n\n${body.trim()}`);
  }
  if (task.targetFiles.length > 0) {
    parts.push(
      `### Target files\n\n${task.targetFiles.map((f) => `- \`${f.path}\` (${f.access})`).join("\n")}`,
    );
  }
  const where = [`Gadugi task \`${task.id}\` of run \`${ctx.runId}\`, from \`${task.promptFile}\``];
  if (ctx.facts.branch) where.push(`branch \`${ctx.facts.branch}\``);
  parts.push(`---\n${where.join(", ")}.`);
  return parts.join("\n\n");
}

/** Phase 2: the task's GitHub issue. */
export const issueCreationPhase: Phase = {
  name: "issue_creation",
  contract:
    "The task has a GitHub issue: the one its prompt names (frontmatter `issue`), the one found for its branch, or a new one with the prompt as body and the configured labels. Without GitHub it is skipped with the reason.",
  async run(ctx) {
    const { task, facts } = ctx;
    if (task.issueNumber !== undefined) {
      await ctx.update({ issueNumber: task.issueNumber });
      return { status: "completed", data: { issueNumber: task.issueNumber, source: "frontmatter" } };
    }
    if (facts.issueNumber !== undefined) {
      return { status: "completed", data: { issueNumber: facts.issueNumber, source: "resumed" } };
    }
    const available = await githubAvailability(ctx);
    if (!available.ok || ctx.github === undefined) {
      return {
        status: "skipped",
        code: "no-github",
        reason: `GitHub unavailable: ${available.ok ? "not configured" : available.reason}`,
      };
    }
    const github = ctx.github;
    // GitHub trouble (after retries of transient failures) costs the issue, never the task's work.
    const call = await callGitHub(ctx, "ensure the task's issue", () =>
      github.ensureIssue({
        title: task.name,
        body: issueBody(ctx, task),
        labels: ctx.config.github.labels,
        branch: facts.branch ?? ctx.task.slug,
      }),
    );
    if (!call.ok) {
      await ctx.warn(`task ${task.id}: no GitHub issue: ${call.reason}`);
      return {
        status: "skipped",
        code: "github-error",
        reason: `GitHub unavailable: ${call.reason}`,
        data: { githubError: call.reason },
      };
    }
    const { issue, created } = call.value;
    facts.issueUrl = issue.url;
    await ctx.update({ issueNumber: issue.number });
    return {
      status: "completed",
      data: {
        issueNumber: issue.number,
        issueUrl: issue.url,
        source: created ? "created" : "found for branch",
      },
    };
  },
};
