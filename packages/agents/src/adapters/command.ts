import { GadugiError } from "@gadugi/error-handling";
import type { AgentRunRequest } from "@gadugi/interfaces";
import { agentEnv, unsupported } from "../invocation.js";
import type { AgentAdapter, AgentInvocation } from "../types.js";
import { TextParser } from "./text.js";

/** Placeholders of the command agent, replaced inside every argument (never by a shell). */
export const COMMAND_PLACEHOLDERS = ["{prompt_file}", "{worktree}", "{task_id}"] as const;

/** `["my-agent", "--task={task_id}", "{prompt_file}"]` → the arguments with values filled in. */
export function substitutePlaceholders(command: readonly string[], request: AgentRunRequest): string[] {
  const values: Record<(typeof COMMAND_PLACEHOLDERS)[number], string> = {
    "{prompt_file}": request.promptFile,
    "{worktree}": request.worktree,
    "{task_id}": request.taskId,
  };
  return command.map((arg) =>
    arg.replace(/\{(?:prompt_file|worktree|task_id)\}/g, (m) => values[m as keyof typeof values]),
  );
}

function buildInvocation(request: AgentRunRequest): AgentInvocation {
  const command = request.agent.command;
  if (!command || command.length === 0) {
    throw new GadugiError(
      "GADUGI_AGENT_NOT_FOUND",
      { agent: "command" },
      {
        hint: 'Give the command agent its program in gadugi.config.json, e.g. "command": ["my-agent", "--prompt-file", "{prompt_file}"] (no shell; write ["sh", "-c", "..."] to get one).',
      },
    );
  }
  const [file, ...args] = substitutePlaceholders(command, request);
  return {
    file: file as string,
    args,
    env: agentEnv(request),
    stdin: "ignore",
    cwd: request.worktree,
    warnings: unsupported(request, "the command agent", [
      "model",
      "maxTurns",
      "maxBudgetUsd",
      "appendSystemPrompt",
    ]),
  };
}

/**
 * Any program: `agent.command` with `{prompt_file}`, `{worktree}` and `{task_id}` substituted per
 * argument, run in the worktree with stdin at /dev/null; success is exit code 0.
 */
export const commandAdapter: AgentAdapter = {
  kind: "command",
  program: undefined,
  judgesByChanges: false,
  buildInvocation,
  createParser: (options) => new TextParser("command", options),
};
