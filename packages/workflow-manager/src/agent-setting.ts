import { GadugiError } from "@gadugi/error-handling";
import { toArgv } from "@gadugi/git";
import { type AgentConfig, AgentKind, AgentSetting, type GadugiConfig } from "@gadugi/interfaces";

/**
 * The agent a run uses from its definition in the config: the command parsed into arguments
 * (`toArgv`, GADUGI_COMMAND_SYNTAX for shell syntax), the wall-clock limit the agent's own
 * `timeoutSec`, else the config's `taskTimeoutSec`; the idle limit the agent's, else the config's.
 * `overrides` (e.g. read-only autonomy for a reviewer) win over both.
 */
export function resolveAgentSetting(
  setting: AgentSetting,
  config: Pick<GadugiConfig, "taskTimeoutSec" | "idleTimeoutSec">,
  overrides: Partial<AgentConfig> = {},
): AgentConfig {
  const { command, timeoutSec, idleTimeoutSec, ...rest } = setting;
  const idle = idleTimeoutSec ?? config.idleTimeoutSec;
  return {
    ...rest,
    ...(command === undefined ? {} : { command: toArgv(command) }),
    timeoutSec: timeoutSec ?? config.taskTimeoutSec,
    ...(idle === undefined ? {} : { idleTimeoutSec: idle }),
    ...overrides,
  };
}

/**
 * The agent called `name`: one the config defines under `agents`, else a built-in kind, settled
 * by {@link resolveAgentSetting} (with `overrides`). Neither: GADUGI_AGENT_NOT_FOUND, with the
 * names there are. The one lookup of an agent by name: the run's agents and the reviewer alike.
 */
export function agentByName(
  name: string,
  config: Pick<GadugiConfig, "agents" | "taskTimeoutSec" | "idleTimeoutSec">,
  overrides: Partial<AgentConfig> = {},
): AgentConfig {
  const configured = config.agents[name];
  if (configured !== undefined) return resolveAgentSetting(configured, config, overrides);
  const kind = AgentKind.safeParse(name);
  if (kind.success) return resolveAgentSetting(AgentSetting.parse({ kind: kind.data }), config, overrides);
  throw new GadugiError(
    "GADUGI_AGENT_NOT_FOUND",
    { agent: name },
    {
      hint: `Define "${name}" under agents in gadugi.config.json, or use one of: ${[...AgentKind.options, ...Object.keys(config.agents)].join(", ")}.`,
    },
  );
}
