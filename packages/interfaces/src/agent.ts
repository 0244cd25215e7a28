import { z } from "zod";
import { CommandSetting, Duration } from "./settings.js";

export const AgentKind = z.enum(["claude", "codex", "gemini", "opencode", "aider", "command"]);
export type AgentKind = z.infer<typeof AgentKind>;

/** read-only: may not edit; edit: may edit files in the worktree; full: may run anything. */
export const Autonomy = z.enum(["read-only", "edit", "full"]);
export type Autonomy = z.infer<typeof Autonomy>;

const agentFields = {
  kind: AgentKind,
  model: z.string().optional(),
  autonomy: Autonomy.default("edit"),
  maxTurns: z.number().int().positive().optional(),
  appendSystemPrompt: z.string().optional(),
  maxBudgetUsd: z.number().positive().optional(),
  env: z.record(z.string(), z.string()).default({}),
};

/**
 * An agent as the config file defines it (`agents.<name>`). The engine resolves it into an
 * AgentConfig for each run: the command parsed into arguments, the time limits settled.
 */
export const AgentSetting = z.strictObject({
  ...agentFields,
  /**
   * Program and arguments, as a command line or an argument array (never run by a shell). For
   * `command` it is the whole invocation, with `{prompt_file}`, `{worktree}` and `{task_id}`
   * placeholders; for the others it overrides the executable path.
   */
  command: CommandSetting.optional(),
  /** Wall-clock limit for one agent run; unset: the config's taskTimeoutSec. */
  timeoutSec: Duration.optional(),
  /** Kill the agent after this long without output while its process lives. */
  idleTimeoutSec: Duration.optional(),
});
export type AgentSetting = z.infer<typeof AgentSetting>;
export type AgentSettingInput = z.input<typeof AgentSetting>;

/** An agent as one run uses it (AgentRunRequest.agent): arguments and seconds, all settled. */
export const AgentConfig = z.strictObject({
  ...agentFields,
  /**
   * Program and arguments. For `command` it is the whole invocation, with `{prompt_file}`,
   * `{worktree}` and `{task_id}` placeholders; for the others it overrides the executable path.
   */
  command: z.array(z.string().min(1)).min(1).optional(),
  /** Wall-clock limit in seconds for one agent run. */
  timeoutSec: z.number().positive().default(3600),
  /** Kill the agent after this many seconds without output while its process lives. */
  idleTimeoutSec: z.number().positive().optional(),
});
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

/** `budget_exceeded`: the CLI stopped at its own budget (`--max-budget-usd`), or Gadugi stopped it at the task's or the run's. */
export const AgentOutcome = z.enum(["ok", "failed", "max_turns", "timeout", "cancelled", "budget_exceeded"]);
export type AgentOutcome = z.infer<typeof AgentOutcome>;

export const TokenUsage = z.strictObject({
  inputTokens: z.number().nonnegative().default(0),
  outputTokens: z.number().nonnegative().default(0),
  cacheReadTokens: z.number().nonnegative().default(0),
  cacheWriteTokens: z.number().nonnegative().default(0),
  /**
   * The cost in USD: as the CLI states it, else (`costSource: "pricing"`) priced by Gadugi from the
   * config's `pricing` when the usage was journaled, so every reader of the journal sees one figure.
   * Absent: unknown.
   */
  costUsd: z.number().nonnegative().optional(),
  costSource: z.enum(["cli", "pricing"]).optional(),
  /** The model the tokens were spent on, when the CLI names it. */
  model: z.string().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

/** Normalized event from any agent adapter; `at` is an ISO timestamp. */
export const AgentEvent = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("started"),
    at: z.string(),
    sessionId: z.string().optional(),
    pid: z.number().optional(),
  }),
  z.object({ type: z.literal("text"), at: z.string(), text: z.string() }),
  z.object({
    type: z.literal("tool_call"),
    at: z.string(),
    id: z.string().optional(),
    tool: z.string(),
    input: z.unknown().optional(),
  }),
  z.object({
    type: z.literal("tool_result"),
    at: z.string(),
    id: z.string().optional(),
    ok: z.boolean(),
    output: z.string().optional(),
  }),
  z.object({
    type: z.literal("permission_denied"),
    at: z.string(),
    tool: z.string(),
    detail: z.string().optional(),
  }),
  z.object({ type: z.literal("usage"), at: z.string(), usage: TokenUsage }),
  z.object({ type: z.literal("warning"), at: z.string(), message: z.string() }),
  z.object({
    type: z.literal("finished"),
    at: z.string(),
    outcome: AgentOutcome,
    exitCode: z.number().int().nullable(),
    reason: z.string().optional(),
    usage: TokenUsage.optional(),
  }),
]);
export type AgentEvent = z.infer<typeof AgentEvent>;
