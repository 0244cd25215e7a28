import { z } from "zod";

export const AgentKind = z.enum(["claude", "codex", "gemini", "opencode", "aider", "command"]);
export type AgentKind = z.infer<typeof AgentKind>;

/** read-only: may not edit; edit: may edit files in the worktree; full: may run anything. */
export const Autonomy = z.enum(["read-only", "edit", "full"]);
export type Autonomy = z.infer<typeof Autonomy>;

export const AgentConfig = z.strictObject({
  kind: AgentKind,
  /**
   * Program and arguments. For `command` it is the whole invocation, with `{prompt_file}`,
   * `{worktree}` and `{task_id}` placeholders; for the others it overrides the executable path.
   */
  command: z.array(z.string().min(1)).min(1).optional(),
  model: z.string().optional(),
  autonomy: Autonomy.default("edit"),
  maxTurns: z.number().int().positive().optional(),
  appendSystemPrompt: z.string().optional(),
  /** Wall-clock limit in seconds for one agent run. */
  timeoutSec: z.number().positive().default(3600),
  /** Kill the agent after this many seconds without output while its process lives. */
  idleTimeoutSec: z.number().positive().optional(),
  maxBudgetUsd: z.number().positive().optional(),
  env: z.record(z.string(), z.string()).default({}),
});
export type AgentConfig = z.infer<typeof AgentConfig>;
export type AgentConfigInput = z.input<typeof AgentConfig>;

export const AgentOutcome = z.enum(["ok", "failed", "max_turns", "timeout", "cancelled"]);
export type AgentOutcome = z.infer<typeof AgentOutcome>;

export const TokenUsage = z.strictObject({
  inputTokens: z.number().nonnegative().default(0),
  outputTokens: z.number().nonnegative().default(0),
  cacheReadTokens: z.number().nonnegative().default(0),
  cacheWriteTokens: z.number().nonnegative().default(0),
  costUsd: z.number().nonnegative().optional(),
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
