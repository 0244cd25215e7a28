import { GadugiError } from "@gadugi/error-handling";
import { toArgv } from "@gadugi/git";
import { type AgentConfig, AgentSetting, type GadugiConfig, type TaskData } from "@gadugi/interfaces";
import { agentByName, resolveAgentSetting } from "@gadugi/workflow-manager";

export interface AgentChoice {
  /** The name the agent was chosen by (a key of `agents`, a built-in kind, or `run`). */
  name: string;
  config: AgentConfig;
}

/**
 * Which agent runs `task`: the prompt's own `agent` (frontmatter) first, then a `run` command in
 * the frontmatter (the built-in command agent), then the run's choice (`--agent`), then the
 * config's default. A name is a key of `agents` in the config or a built-in kind. No name at all
 * is GADUGI_NO_AGENT.
 *
 * Wall-clock limit of each agent run, first set wins: the prompt's `timeout`, the run's
 * `--timeout`, the agent's own `timeoutSec`, the config's `taskTimeoutSec`. Idle limit: the
 * agent's `idleTimeoutSec`, else the config's. Spend cap of each agent run, first set wins: the
 * prompt's `max_budget_usd`, the config's `budget.perTaskUsd`, the agent's own `maxBudgetUsd`.
 */
export function chooseAgent(
  task: TaskData,
  config: GadugiConfig,
  options: { agent?: string; timeoutSec?: number } = {},
): AgentChoice {
  let choice: AgentChoice;
  if (task.agent === undefined && task.run !== undefined) {
    const base = resolveAgentSetting(
      config.agents.command ?? AgentSetting.parse({ kind: "command" }),
      config,
    );
    choice = { name: "run", config: { ...base, kind: "command", command: toArgv(task.run) } };
  } else {
    const name = task.agent ?? options.agent ?? config.agent;
    if (name === undefined) {
      throw new GadugiError("GADUGI_NO_AGENT", { task: `task ${task.slug} (${task.promptFile})` });
    }
    choice = { name, config: agentByName(name, config) };
    if (task.run !== undefined && choice.config.kind === "command") {
      choice.config = { ...choice.config, command: toArgv(task.run) };
    }
  }
  if (choice.config.kind === "command" && choice.config.command === undefined) {
    throw new GadugiError(
      "GADUGI_AGENT_NOT_FOUND",
      { agent: choice.name },
      {
        hint: `Task ${task.slug} (${task.promptFile}) would use the command agent, which needs a program: give the prompt a \`run:\` line in its frontmatter, or define agents.${choice.name}.command in gadugi.config.json.`,
      },
    );
  }
  const timeoutSec = task.timeoutSec ?? options.timeoutSec ?? choice.config.timeoutSec;
  // The task's cap on spend: the prompt's `max_budget_usd`, else budget.perTaskUsd, else the agent's own.
  const maxBudgetUsd = task.maxBudgetUsd ?? config.budget.perTaskUsd ?? choice.config.maxBudgetUsd;
  choice.config = {
    ...choice.config,
    timeoutSec,
    ...(maxBudgetUsd === undefined ? {} : { maxBudgetUsd }),
  };
  return choice;
}
