import { isSecretEnvName, REDACTED } from "@gadugi/error-handling";
import type { AgentRunRecord, GadugiConfig } from "@gadugi/interfaces";
import type { TaskWorkInput, TaskWorkResult } from "./task-work.js";

/**
 * One task-work job on the queue (versioned JSON): the task-work input exactly as a local run
 * has it, the run's config, and where the worker gets the repository. No secrets: agent
 * credentials come from the worker's own environment, and secret-looking env entries of the
 * config's agents are left out.
 */
export interface QueuedTaskWork {
  version: 1;
  input: TaskWorkInput;
  config: GadugiConfig;
  /** The git remote the worker clones from and pushes the task branch to. */
  remote: string;
  /** Refs of the remote that hold `startCommit` (the run's base, the integration branch). */
  fetch: string[];
  /** The commit the task branch starts from. */
  startCommit: string;
}

/** What a worker sends back: the task-work result, and the task branch's head it pushed. */
export interface QueuedTaskResult {
  version: 1;
  result: TaskWorkResult;
  /** The head of `result.state.branch` as pushed to the remote. */
  head?: string;
  /** The agent runs of this job (tokens, cost), for the orchestrator's journal. */
  agentRuns: AgentRunRecord[];
}

/** The config as a job carries it: secret-looking agent env values replaced, no queue URL. */
export function configForJob(config: GadugiConfig): GadugiConfig {
  const agents = Object.fromEntries(
    Object.entries(config.agents ?? {}).map(([name, agent]) => [
      name,
      {
        ...agent,
        env: redactedEnv(agent.env),
      },
    ]),
  );
  return { ...config, agents, queue: {} } as GadugiConfig;
}

/** The task input of a job: its agent's secret-looking env values replaced too. */
export function inputForJob(input: TaskWorkInput): TaskWorkInput {
  const env = redactedEnv(input.agent.config.env);
  return { ...input, agent: { ...input.agent, config: { ...input.agent.config, env } } };
}

/** An agent's env with secret-looking values replaced. */
function redactedEnv(env: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretEnvName(k) ? REDACTED : v]));
}

/**
 * Where a task's branch travels on the remote: a ref of the run's own
 * (`refs/gadugi/<run>/tasks/<task>`), so it never lands on a branch of the remote or of the
 * orchestrator's repository that an earlier run left.
 */
export function taskRef(runId: string, taskId: string): string {
  return `refs/gadugi/${runId}/tasks/${taskId}`;
}
