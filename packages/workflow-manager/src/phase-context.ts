import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { GadugiError, parseWith, redactSecrets } from "@gadugi/error-handling";
import { GitClient } from "@gadugi/git";
import { AgentRunRequest, type AgentRunResult, type WorkflowStatePatch } from "@gadugi/interfaces";
import type { TodoWriteManager } from "@gadugi/task-tracking";
import { commitWork } from "@gadugi/worktree-manager";
import type { WorkflowDeps } from "./deps.js";
import { endedBeforeInterruption } from "./interruptions.js";
import { workflowCommitMessage } from "./phases/shared.js";
import type { TaskRun } from "./task-run.js";
import type { PhaseAgentRun, PhaseContext, RunTaskOptions } from "./types.js";
import { iso } from "./util.js";

type RunBase = Omit<TaskRun, "ctx">;
type Log = (message: string) => Promise<void>;

/** What every phase of one task gets: the task, its settings and facts, and the ways to act. */
export function phaseContext(
  deps: WorkflowDeps,
  run: RunBase,
  options: RunTaskOptions,
  todo: TodoWriteManager,
): PhaseContext {
  const { task, paths, signal, facts, records } = run;
  const config = deps.options.config;
  const log: Log = async (message) => {
    await appendFile(paths.log, `[gadugi] ${iso(deps.now())} ${redactSecrets(message)}\n`);
  };
  return {
    task,
    runId: deps.runId,
    repoRoot: deps.repoRoot,
    runDir: deps.runDir,
    config,
    agent: options.agent,
    baseRef: options.baseRef,
    startPoint: options.restart?.startPoint ?? options.startPoint ?? options.baseRef,
    signal,
    paths,
    facts,
    github: deps.options.github,
    worktrees: deps.options.worktrees,
    runner: deps.runner,
    env: deps.env,
    commandTimeoutMs: (deps.options.commandTimeoutSec ?? config.taskTimeoutSec) * 1000,
    resumed: options.resume !== undefined,
    failOnNoChanges: (deps.options.onNoChanges ?? "fail") === "fail",
    plan: deps.phases,
    todo,
    record: (phase) => {
      const record = records.get(phase);
      return record === undefined ? undefined : structuredClone(record);
    },
    git: worktreeGit(deps, run),
    runAgent: (agentRun) => runTaskAgent(deps, run, options, log, agentRun),
    update: (patch) => updateFacts(deps, run, patch),
    log,
    warn: (message: string) => deps.warn(task.id, message),
    now: deps.now,
  };
}

/** `ctx.git()`: a git client in the task's worktree, made again when the worktree changes. */
function worktreeGit(deps: WorkflowDeps, run: RunBase): () => GitClient {
  let git: GitClient | undefined;
  return () => {
    const worktree = run.facts.worktreePath;
    if (worktree === undefined) {
      throw new GadugiError("GADUGI_UNEXPECTED", { message: `task ${run.task.id} has no worktree yet` });
    }
    if (git?.cwd !== path.resolve(worktree))
      git = new GitClient(worktree, { runner: deps.runner, env: deps.env });
    return git;
  };
}

/** `ctx.update(patch)`: journaled as `task.updated`, then applied to the facts. */
async function updateFacts(deps: WorkflowDeps, run: RunBase, patch: WorkflowStatePatch): Promise<void> {
  const { facts } = run;
  await deps.record({ type: "task.updated", taskId: run.task.id, patch });
  for (const key of ["worktreePath", "branch", "baseRef", "baseCommit", "prUrl"] as const) {
    if (patch[key] !== undefined) facts[key] = patch[key];
  }
  if (patch.issueNumber !== undefined) facts.issueNumber = patch.issueNumber;
  if (patch.prNumber !== undefined) facts.prNumber = patch.prNumber;
}

/**
 * `ctx.runAgent(agentRun)`: writes the prompt file, then runs the agent through the governed
 * runner and journals `agent.run` — unless the journal says this very run ended before a crash
 * interrupted the phase (see endedBeforeInterruption), whose result is returned instead.
 */
async function runTaskAgent(
  deps: WorkflowDeps,
  run: RunBase,
  options: RunTaskOptions,
  log: Log,
  agentRun: PhaseAgentRun,
): Promise<AgentRunResult> {
  const { task } = run;
  const request = await agentRequest(deps, run, options, agentRun);
  const ended = await endedBeforeInterruption(
    deps.state,
    deps.runId,
    task.id,
    run.interrupted,
    agentRun.purpose,
  );
  if (ended !== undefined) {
    await log(
      `${agentRun.purpose} agent ended ${ended.outcome} before the run was interrupted: not run again`,
    );
    return ended;
  }
  await log(`${agentRun.purpose} agent (${request.agent.kind}) started; prompt ${request.promptFile}`);
  const result = await deps.agentRunner(request, { signal: run.signal });
  await deps.record({
    type: "agent.run",
    taskId: task.id,
    attempt: run.attempt,
    purpose: agentRun.purpose,
    agent:
      agentRun.agentName ??
      (agentRun.agent === undefined ? options.agentName : undefined) ??
      request.agent.kind,
    outcome: result.outcome,
    ...(result.usage === undefined ? {} : { usage: result.usage }),
  });
  await log(
    `${agentRun.purpose} agent ended ${result.outcome}${result.reason ? `: ${result.reason}` : ""} in ${result.durationMs} ms`,
  );
  if (result.outcome === "budget_exceeded") await commitWorkSoFar(deps, run, request, log);
  return result;
}

/**
 * An agent stopped at a budget leaves its work half done: it is committed on the task branch at
 * once (not only when the worktree is released), so a resume with a higher budget, or the user,
 * finds it there. A commit that fails is logged; the worktree still holds the work.
 */
async function commitWorkSoFar(
  deps: WorkflowDeps,
  run: RunBase,
  request: AgentRunRequest,
  log: Log,
): Promise<void> {
  const git = new GitClient(request.worktree, { runner: deps.runner, env: deps.env });
  const what = `work so far of its ${request.purpose} agent, stopped at its budget`;
  const message = workflowCommitMessage(run.task, deps.runId, what);
  try {
    const made = await commitWork(git, message, { exclude: run.facts.setupArtifacts });
    if (made)
      await log(`committed the work so far (${made.files.length} file(s)): ${made.commit.slice(0, 12)}`);
  } catch (error) {
    await log(`the work so far could not be committed: ${redactSecrets(String(error))}`);
  }
}

/** The prompt written to its file, and the validated request to run the agent in the worktree. */
async function agentRequest(
  deps: WorkflowDeps,
  run: RunBase,
  options: RunTaskOptions,
  agentRun: PhaseAgentRun,
): Promise<AgentRunRequest> {
  const { task, paths } = run;
  const worktree = run.facts.worktreePath;
  if (worktree === undefined) {
    throw new GadugiError("GADUGI_UNEXPECTED", {
      message: `task ${task.id} has no worktree to run an agent in`,
    });
  }
  const promptFile = paths.promptFor(agentRun.label ?? agentRun.purpose);
  await mkdir(path.dirname(promptFile), { recursive: true });
  await writeFile(promptFile, agentRun.prompt);
  return parseWith(
    AgentRunRequest,
    {
      runId: deps.runId,
      taskId: task.id,
      worktree,
      prompt: agentRun.prompt,
      promptFile,
      agent: agentRun.agent ?? options.agent,
      logFile: paths.log,
      eventsFile: paths.events,
      purpose: agentRun.purpose,
    },
    `agent run request of task ${task.id}`,
  );
}
