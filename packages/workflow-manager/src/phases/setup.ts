import path from "node:path";
import { labelledRunner } from "@gadugi/git";
import { detectProject, setupEnvironment } from "@gadugi/worktree-manager";
import type { Phase } from "../types.js";

/** Phase 1: the worktree, its environment and the task's todo list. */
export const setupPhase: Phase = {
  name: "setup",
  contract:
    "The task's worktree exists on its branch (created, or taken up again on resume), its environment is prepared (uv/node, copied files, setup commands) and its todo list is written.",
  async run(ctx) {
    const { task } = ctx;
    const started = performance.now();
    const worktree = await ctx.worktrees.create({
      runId: ctx.runId,
      taskId: task.id,
      slug: task.slug,
      baseRef: ctx.startPoint,
      reuseBranch: ctx.resumed,
    });
    // baseRef stays the branch the work is for (the PR's base) even when the branch starts from
    // the integration tip; baseCommit is where it really starts.
    await ctx.update({
      worktreePath: worktree.path,
      branch: worktree.branch,
      baseRef: ctx.baseRef,
      baseCommit: worktree.baseCommit,
    });
    await ctx.log(
      `worktree ${worktree.resumed ? "taken up again" : "created"}: ${worktree.path} on ${worktree.branch} from ${worktree.baseRef} (${worktree.baseCommit.slice(0, 12)})`,
    );

    const worktreeMs = Math.round(performance.now() - started);
    const env = await setupEnvironment(
      { path: worktree.path, taskId: task.id, runId: ctx.runId },
      {
        ...ctx.config.setup,
        repoRoot: ctx.repoRoot,
        logFile: ctx.paths.log,
        env: ctx.env,
        // Setup commands and dependency installs are registered as the task's `setup` processes.
        runner: labelledRunner(ctx.runner, { taskId: task.id, purpose: "setup", logFile: ctx.paths.log }),
        signal: ctx.signal,
      },
    );
    const artifacts = [...env.copiedFiles];
    if (env.python) {
      const venv = path.relative(worktree.path, env.python.venv).split(path.sep).join("/");
      if (venv !== "" && !venv.startsWith("..")) artifacts.push(venv);
    }
    ctx.facts.commandPrefix = [...env.commandPrefix];
    ctx.facts.uvProject = (await detectProject(worktree.path)).uv;
    ctx.facts.setupArtifacts = artifacts;

    await ctx.todo.write();
    const data: Record<string, unknown> = {
      worktreePath: worktree.path,
      branch: worktree.branch,
      baseRef: ctx.baseRef,
      startPoint: worktree.baseRef,
      baseCommit: worktree.baseCommit,
      resumedWorktree: worktree.resumed,
      commandPrefix: ctx.facts.commandPrefix,
      uvProject: ctx.facts.uvProject,
      setupArtifacts: artifacts,
      setupSteps: env.steps.map((s) => s.step),
      todoFile: ctx.todo.markdownPath,
    };
    if (env.node) data.node = `${env.node.manager} (${env.node.mode})`;
    data.worktreeMs = worktreeMs;
    data.environmentMs = env.durationMs;
    data.summary = setupSummary(worktree, worktreeMs, env);
    if (env.skipped.length > 0) data.setupSkipped = env.skipped.map((s) => `${s.step}: ${s.reason}`);
    return { status: "completed", data };
  },
};

/** The report's note on setup: where the worktree came from and what the environment cost. */
function setupSummary(
  worktree: { resumed: boolean; recycled?: boolean },
  worktreeMs: number,
  env: { durationMs: number; steps: readonly { step: string; durationMs: number }[] },
): string {
  const source = worktree.resumed
    ? "worktree taken up again"
    : worktree.recycled
      ? "worktree taken up from the pool"
      : "new worktree";
  const steps = env.steps.filter((s) => s.durationMs >= 50).map((s) => `${s.step} ${seconds(s.durationMs)}`);
  return `${source} in ${seconds(worktreeMs)}; environment ${seconds(env.durationMs)}${steps.length ? ` (${steps.join(", ")})` : ""}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
