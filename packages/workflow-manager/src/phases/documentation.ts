import { assessDocumentation, isDocumentationFile } from "../docs-check.js";
import { documentationPrompt } from "../prompts.js";
import type { Phase } from "../types.js";
import { changedFiles } from "../util.js";
import { agentFailure, agentSummary, commitLeftovers, workspaceOf } from "./shared.js";

/** Phase 6: documentation follows public API changes. */
export const documentationPhase: Phase = {
  name: "documentation",
  contract:
    "Documentation matches the branch: when public API files (entry points, CLIs, config schemas) changed or new top-level modules appeared and no documentation file changed, the agent updated README/docs/CHANGELOG; what changed, or why nothing had to, is recorded.",
  async run(ctx) {
    const { facts } = ctx;
    const git = ctx.git();
    const base = facts.baseCommit;
    if (base === undefined)
      return { status: "failed", reason: "setup recorded no base commit to compare with" };
    // HEAD by its commit id: when nothing moved it since the implementation phase (no test fix
    // committed), that diff is already known (the same two commits) and git is not asked again.
    const before = await git.headCommit();
    const assessment = assessDocumentation(await changedFiles(git, base, before));
    const found = {
      apiFiles: assessment.apiFiles,
      newModules: assessment.newModules,
      docFiles: assessment.docFiles,
    };
    if (!assessment.needed) {
      await ctx.log(assessment.reason);
      return { status: "completed", data: { needed: false, summary: assessment.reason, ...found } };
    }
    await ctx.log(assessment.reason);
    const result = await ctx.runAgent({
      purpose: "documentation",
      prompt: documentationPrompt(ctx.task, workspaceOf(ctx), assessment),
    });
    const data: Record<string, unknown> = { needed: true, reason: assessment.reason, ...found };
    if (result.outcome !== "ok") return agentFailure(ctx, "the documentation agent", result, data);
    data.agent = agentSummary(result);
    const pending = await commitLeftovers(ctx, "documentation", git);
    data.pipelineCommitted = pending !== undefined;
    const changed = await git.diffNameOnly(before, "HEAD");
    const changedDocs = changed.filter(isDocumentationFile);
    data.changedDocs = changedDocs;
    const other = changed.filter((f) => !isDocumentationFile(f));
    if (other.length > 0) data.changedOther = other;
    data.summary =
      changedDocs.length > 0
        ? `documentation updated: ${changedDocs.join(", ")}`
        : "the documentation agent changed no documentation file";
    if (changedDocs.length === 0) await ctx.warn(`task ${ctx.task.id}: ${data.summary as string}`);
    return { status: "completed", data };
  },
};
