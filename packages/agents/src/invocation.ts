import { redactSecrets } from "@gadugi/error-handling";
import type { AgentRunRequest } from "@gadugi/interfaces";
import type { InvocationContext } from "./types.js";

/**
 * Prompts longer than this (bytes) are not passed as one argument: Linux refuses a single argument
 * over 128 KiB (E2BIG). Each adapter then hands the prompt over stdin or as a file instead.
 */
export const MAX_PROMPT_ARG_BYTES = 100_000;

export function promptTooLongForArgv(prompt: string): boolean {
  return Buffer.byteLength(prompt, "utf8") > MAX_PROMPT_ARG_BYTES;
}

/**
 * Whether the prompt can be one plain argument: not too long, and not starting with "-" (a
 * markdown list item would otherwise be read as an option by the CLI's argument parser).
 */
export function promptFitsArgv(prompt: string): boolean {
  return !prompt.startsWith("-") && !promptTooLongForArgv(prompt);
}

/**
 * The program and the arguments before the adapter's own: `agent.command` overrides the
 * executable (`["npx", "@openai/codex"]` → file npx, args start with @openai/codex).
 */
export function programOf(
  request: AgentRunRequest,
  defaultProgram: string,
): { file: string; prefix: string[] } {
  const [file, ...prefix] = request.agent.command ?? [defaultProgram];
  return { file: file ?? defaultProgram, prefix };
}

/** Variables every agent gets, then the config's `env` (which wins on a clash). */
export function agentEnv(request: AgentRunRequest): Record<string, string> {
  return {
    GADUGI_RUN_ID: request.runId,
    GADUGI_TASK_ID: request.taskId,
    GADUGI_WORKTREE: request.worktree,
    GADUGI_PROMPT_FILE: request.promptFile,
    GADUGI_AUTONOMY: request.agent.autonomy,
    ...request.agent.env,
  };
}

/** The prompt with the extra system prompt appended, for CLIs that have no flag for it. */
export function promptWithSystem(request: AgentRunRequest): string {
  const extra = request.agent.appendSystemPrompt;
  return extra ? `${request.prompt}\n\n${extra}` : request.prompt;
}

export function isRoot(context: InvocationContext | undefined): boolean {
  if (context?.isRoot !== undefined) return context.isRoot;
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Warnings for request settings a CLI has no flag for. */
export function unsupported(
  request: AgentRunRequest,
  program: string,
  settings: ReadonlyArray<"maxTurns" | "maxBudgetUsd" | "model" | "appendSystemPrompt">,
): string[] {
  const warnings: string[] = [];
  for (const setting of settings) {
    if (request.agent[setting] !== undefined) {
      warnings.push(`${program} has no option for ${setting}; the setting is ignored`);
    }
  }
  return warnings;
}

const MAX_SHOWN_ARG = 200;

/**
 * A command line safe to show or store (the process registry, logs): secrets masked (token-like
 * text and the values of secret-named variables of `env`) and long arguments, such as the
 * prompt, shortened. As one line of text: `formatCommand` of @gadugi/git.
 */
export function displayCommand(
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  return [file, ...args].map((arg) => {
    const safe = redactSecrets(arg, { env });
    return safe.length > MAX_SHOWN_ARG ? `${safe.slice(0, MAX_SHOWN_ARG)}…(${safe.length} chars)` : safe;
  });
}
