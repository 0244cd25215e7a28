import { z } from "zod";
import { AgentOutcome, TokenUsage } from "./agent.js";
import { RunBudget } from "./budget.js";

/**
 * Every option that shapes a run, journaled when it starts (`run.settings`) so that `resume`
 * finishes it the same way: the same default agent, limits and switches. A flag given to
 * `resume` overrides one explicitly and is journaled too.
 */
export const RunSettings = z.strictObject({
  /** The run's default agent (`--agent`); undefined: the config's `agent`. A prompt's own wins. */
  agent: z.string().optional(),
  maxParallel: z.number().int().min(1),
  /** `--timeout`: the limit of each agent run of a task, in seconds. */
  timeoutSec: z.number().positive().optional(),
  /** Results are merged onto the integration branch. */
  integrate: z.boolean(),
  keepWorktrees: z.boolean(),
  softEdges: z.enum(["serialize", "warn"]),
  /** Merge rules for hotspot files were on (`--no-merge-rules` turns them off); unset in older journals: on. */
  mergeRules: z.boolean().optional(),
  /** integration.openPullRequest */
  openPullRequest: z.boolean(),
  /** off: GitHub was turned off for the run; auto: discovered (token + GitHub remote). */
  github: z.enum(["auto", "off"]),
  /** The config file the run was started with (absolute), and a sha256 of its content. */
  configFile: z.string().optional(),
  configHash: z.string().optional(),
  /** The run budget in force (`--max-budget-usd`, config `budget`); a resume may raise it. */
  budget: RunBudget.optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/** One agent run of a task: which agent, in which attempt and phase, with what it used. */
export const AgentRunRecord = z.strictObject({
  attempt: z.number().int().nonnegative(),
  /** implementation, testing-fix, documentation, review... */
  purpose: z.string(),
  /** The agent's name (a key of the config's agents, a built-in kind, or `run`). */
  agent: z.string(),
  outcome: AgentOutcome,
  usage: TokenUsage.optional(),
  at: z.string(),
});
export type AgentRunRecord = z.infer<typeof AgentRunRecord>;
