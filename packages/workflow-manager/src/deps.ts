import path from "node:path";
import { redactSecrets } from "@gadugi/error-handling";
import { createProcessRunner, type Env, type ProcessRunner } from "@gadugi/git";
import type { RunEventInput } from "@gadugi/interfaces";
import type { WorkflowStateManager } from "@gadugi/state";
import { governAgentRunner } from "./governance.js";
import { DEFAULT_PHASES } from "./phases/index.js";
import type { AgentRunner, Phase, PhaseEvent, WorkflowManagerOptions } from "./types.js";

/**
 * What the pieces of one WorkflowManager share: its settings with their defaults applied, and
 * the one way each of them journals, warns and tells the phase listener.
 */
export interface WorkflowDeps {
  readonly options: WorkflowManagerOptions;
  readonly repoRoot: string;
  readonly runId: string;
  readonly runDir: string;
  /** The plan every task runs. */
  readonly phases: readonly Phase[];
  readonly state: WorkflowStateManager;
  readonly runner: ProcessRunner;
  /** The given agent runner, governed (see governAgentRunner). */
  readonly agentRunner: AgentRunner;
  readonly now: () => number;
  readonly env: Env;
  /** Journals `event` for the run. */
  record(event: RunEventInput): Promise<void>;
  /** Redacts `message`, tells `onWarning` and journals it as the task's warning. */
  warn(taskId: string, message: string): Promise<void>;
  /** Tells `onPhase`; a listener's failure never stops the workflow. */
  emit(event: PhaseEvent): void;
}

export function workflowDeps(options: WorkflowManagerOptions): WorkflowDeps {
  const state = options.state;
  const record = (event: RunEventInput) => state.record(options.runId, event);
  return {
    options,
    repoRoot: path.resolve(options.repoRoot),
    runId: options.runId,
    runDir: path.resolve(options.runDir),
    phases: options.phases ?? DEFAULT_PHASES,
    state,
    runner: options.runner ?? createProcessRunner(),
    agentRunner: governAgentRunner(options.agentRunner),
    now: options.now ?? Date.now,
    env: options.env ?? {},
    record: async (event) => {
      await record(event);
    },
    warn: async (taskId, message) => {
      const text = redactSecrets(message);
      options.onWarning?.(text);
      await record({ type: "warning", message: text, taskId });
    },
    emit: (event) => {
      try {
        options.onPhase?.(event);
      } catch {
        // A listener's failure never stops the workflow.
      }
    },
  };
}
