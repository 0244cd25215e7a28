import { formatCommand } from "@gadugi/git";
import { implementationPrompt } from "../prompts.js";
import { detectTestCommand } from "../test-command.js";
import type { Phase, PhaseContext } from "../types.js";
import { capList, changedFiles } from "../util.js";
import { agentFailure, agentSummary, commitLeftovers, workspaceOf } from "./shared.js";

async function testCommandText(ctx: PhaseContext): Promise<string | undefined> {
  try {
    const found = await detectTestCommand(
      ctx.facts.worktreePath ?? "",
      ctx.config.workflow.testCommand,
      ctx.facts.commandPrefix,
    );
    return found.argv ? formatCommand(found.argv) : undefined;
  } catch {
    return undefined;
  }
}

/** Phase 4: the agent implements the task in the worktree; the result is committed. */
export const implementationPhase: Phase = {
  name: "implementation",
  contract:
    "The agent ran with the generated prompt (task, target files, worktree, uv rule, phase contract) and ended ok; its work is committed on the task branch (the workflow commits what it left uncommitted) and the branch differs from its base.",
  async run(ctx) {
    const { facts } = ctx;
    const git = ctx.git();
    let prompt = implementationPrompt(ctx.task, workspaceOf(ctx, await testCommandText(ctx)));
    if (facts.restartNote !== undefined) {
      prompt += `\n\n## Redo this task on top of merged work\n\nAn earlier attempt of this task could not be merged: ${facts.restartNote}. The worktree now starts from the merged work of the other tasks; do the task again on top of it and commit.\n`;
    }
    const before = await git.headCommit();
    const result = await ctx.runAgent({ purpose: "implementation", prompt });
    const data: Record<string, unknown> = { promptFile: ctx.paths.prompt, logFile: ctx.paths.log };
    if (result.outcome !== "ok") return agentFailure(ctx, "the implementation agent", result, data);
    data.agent = agentSummary(result);
    data.transient = false;

    const pending = await commitLeftovers(ctx, "implementation", git);
    // The commits since `before` and HEAD in one call: rev-list starts its walk at HEAD, so HEAD
    // is its first line whenever it moved on; only an empty list (HEAD at or behind `before`)
    // leaves HEAD to be asked apart.
    const since = (await git.raw(["rev-list", `${before}..HEAD`, "--"])).split("\n").filter((l) => l !== "");
    const head = since[0] ?? (await git.headCommit());
    const commits = since.length;
    data.commit = head;
    data.agentCommits = commits - (pending ? 1 : 0);
    data.pipelineCommitted = pending !== undefined;
    if (pending) {
      data.pipelineCommit = pending.commit;
      await ctx.log(
        `committed ${pending.files.length} file(s) the agent left uncommitted: ${pending.commit.slice(0, 12)}`,
      );
    }
    const changed = await changedFiles(git, facts.baseCommit ?? before, head);
    const listed = capList(changed.map((c) => c.path));
    data.changedFiles = listed.items;
    if (listed.more > 0) data.moreChangedFiles = listed.more;
    if (changed.length === 0) {
      if (ctx.failOnNoChanges) {
        return {
          status: "failed",
          reason: `the agent ended ok but made no changes: the task branch ${facts.branch ?? ""} is identical to ${facts.baseRef ?? "its base"}`,
          data,
        };
      }
      data.noChanges = true;
    }
    return { status: "completed", data };
  },
};
