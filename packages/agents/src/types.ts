import type { AgentEvent, AgentKind, AgentRunRequest, TokenUsage } from "@gadugi/interfaces";

/** The `finished` member of AgentEvent. */
export type FinishedEvent = Extract<AgentEvent, { type: "finished" }>;

/** Which output stream a line came from. */
export type OutputStream = "stdout" | "stderr";

/**
 * What the agent's stdin gets: `"ignore"` is /dev/null, `"closed"` a pipe closed at once (both
 * give EOF immediately), `{ text }` the text, then EOF. (An object, so a prompt that happens to
 * read "ignore" is never mistaken for the mode.)
 */
export type AgentStdin = "ignore" | "closed" | { text: string };

/** How to start one agent run: a program and an argument array, never a shell string. */
export interface AgentInvocation {
  file: string;
  args: string[];
  /** Variables laid over the parent's environment. */
  env: Record<string, string>;
  stdin: AgentStdin;
  cwd: string;
  /** Settings of the request this CLI has no flag for, said once as `warning` events. */
  warnings: string[];
}

/** Facts about the machine that change the invocation; read from the process when omitted. */
export interface InvocationContext {
  /** Running as root (claude then needs IS_SANDBOX=1 to bypass permissions). */
  isRoot?: boolean;
}

/** How the run ended, as seen from outside the agent's output. */
export interface FinishInfo {
  /** null when the process was ended by a signal or never started. */
  exitCode: number | null;
  signal?: string | null;
  /** Gadugi killed it for running too long (wall) or saying nothing too long (idle). */
  timedOut?: boolean;
  cancelled?: boolean;
  /** Gadugi stopped it at the task's budget, or at the run's (the outcome is `budget_exceeded`). */
  budgetExceeded?: boolean;
  /** Why Gadugi stopped it ("no output for 30s", "ran longer than 3600s", an abort reason). */
  stopReason?: string;
  /** Whether the worktree has changes after the run (asked only for adapters with `judgesByChanges`). */
  hasChanges?: boolean;
}

/** Why Gadugi stopped the agent, when it did (its flags become the FinishInfo's). */
export interface AgentStop {
  timedOut: boolean;
  cancelled: boolean;
  budgetExceeded: boolean;
  reason: string;
}

/** What a parser learned besides the events themselves. */
export interface ParserSummary {
  sessionId?: string;
  usage?: TokenUsage;
  /** Tool calls the CLI refused for lack of permission (each counted once). */
  permissionDenials: number;
  /** The CLI reported its final status (claude `result`, codex `turn.completed`/`turn.failed`...). */
  terminal: boolean;
}

/**
 * A stateful parser of one run's output. `push` takes one line (without its newline) and returns
 * the normalized events it yields; it never throws, whatever the line holds. `finish` returns the
 * run's final `finished` event from what was seen and how the process ended.
 */
export interface AgentStreamParser {
  push(line: string, stream?: OutputStream): AgentEvent[];
  finish(info: FinishInfo): FinishedEvent;
  summary(): ParserSummary;
}

export interface ParserOptions {
  /** Clock for the events' `at`; `new Date()` by default. */
  now?: () => Date;
  /**
   * The model the request asked for (`agent.model`): the usage's model for CLIs whose output names
   * none (codex, opencode), so their tokens can be priced.
   */
  model?: string | undefined;
  /** `agent.maxBudgetUsd`, named in the reason of a CLI that stopped at it. */
  maxBudgetUsd?: number | undefined;
}

/** One coding-agent CLI: how to start it headless, and how to read what it prints. */
export interface AgentAdapter {
  readonly kind: AgentKind;
  /** The executable looked up on PATH; undefined for `command`, whose config names the program. */
  readonly program: string | undefined;
  /** The run is judged by the worktree's changes as well as by the exit code (aider). */
  readonly judgesByChanges: boolean;
  /**
   * The CLI stops itself at `agent.maxBudgetUsd` (claude's `--max-budget-usd`). For the others
   * runAgent enforces the cap from their usage events.
   */
  readonly enforcesBudget?: boolean;
  buildInvocation(request: AgentRunRequest, context?: InvocationContext): AgentInvocation;
  createParser(options?: ParserOptions): AgentStreamParser;
}
