import { GadugiError } from "@gadugi/error-handling";
import { AgentConfig, AgentKind, type GadugiConfig, type TaskData } from "@gadugi/interfaces";
import { splitCommand } from "@gadugi/worktree-manager";

export interface AgentChoice {
  /** The name the agent was chosen by (a key of `agents`, a built-in kind, or `run`). */
  name: string;
  config: AgentConfig;
}

/**
 * Which agent runs `task`: the prompt's own `agent` (frontmatter) first, then a `run` command in
 * the frontmatter (the built-in command agent), then the run's choice (`--agent`), then the
 * config's default. A name is a key of `agents` in the config or a built-in kind.
 */
export function chooseAgent(
  task: TaskData,
  config: GadugiConfig,
  options: { agent?: string; timeoutSec?: number } = {},
): AgentChoice {
  let choice: AgentChoice;
  if (task.agent === undefined && task.run !== undefined) {
    const base = config.agents.command ?? AgentConfig.parse({ kind: "command" });
    choice = { name: "run", config: { ...base, kind: "command", command: splitCommand(task.run) } };
  } else {
    const name = task.agent ?? options.agent ?? config.agent;
    choice = { name, config: agentByName(name, config) };
    if (task.run !== undefined && choice.config.kind === "command") {
      choice.config = { ...choice.config, command: splitCommand(task.run) };
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
  // Wall limit: the prompt's `timeout`, else the run's --timeout, else the tighter of the agent's
  // own limit and the config's taskTimeoutSec. Idle limit: the agent's, else the config's.
  const timeoutSec =
    task.timeoutSec ?? options.timeoutSec ?? Math.min(choice.config.timeoutSec, config.taskTimeoutSec);
  const idleTimeoutSec = choice.config.idleTimeoutSec ?? config.idleTimeoutSec;
  choice.config = {
    ...choice.config,
    timeoutSec,
    ...(idleTimeoutSec === undefined ? {} : { idleTimeoutSec }),
  };
  return choice;
}

function agentByName(name: string, config: GadugiConfig): AgentConfig {
  const configured = config.agents[name];
  if (configured !== undefined) return configured;
  const kind = AgentKind.safeParse(name);
  if (kind.success) return AgentConfig.parse({ kind: kind.data });
  throw new GadugiError(
    "GADUGI_AGENT_NOT_FOUND",
    { agent: name },
    {
      hint: `Define "${name}" under agents in gadugi.config.json, or use one of: ${[...AgentKind.options, ...Object.keys(config.agents)].join(", ")}.`,
    },
  );
}
