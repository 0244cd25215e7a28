import { toArgv } from "@gadugi/git";
import type { AgentConfig, AgentSetting, GadugiConfig } from "@gadugi/interfaces";

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
