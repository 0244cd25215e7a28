// Public API of @gadugi/agents.

export { AiderParser, aiderAdapter } from "./adapters/aider.js";
export { ClaudeParser, claudeAdapter } from "./adapters/claude.js";
export { CodexParser, codexAdapter } from "./adapters/codex.js";
export { COMMAND_PLACEHOLDERS, commandAdapter, substitutePlaceholders } from "./adapters/command.js";
export { GeminiParser, geminiAdapter, httpStatusFromGeminiExit } from "./adapters/gemini.js";
export { ADAPTERS, getAdapter } from "./adapters/index.js";
export { OpencodeParser, opencodeAdapter } from "./adapters/opencode.js";
export { TextParser } from "./adapters/text.js";
export {
  type AgentInstallation,
  type DetectAgentsOptions,
  detectAgents,
  findExecutable,
  parseVersion,
  type VersionOutput,
  type VersionRunner,
} from "./detect.js";
export { displayCommand, MAX_PROMPT_ARG_BYTES } from "./invocation.js";
export { type RunAgentOptions, runAgent } from "./run-agent.js";
export { type AgentStream, streamAgent } from "./stream.js";
export { isTransientFailure, isTransientReason } from "./transient.js";
export type {
  AgentAdapter,
  AgentInvocation,
  AgentStdin,
  AgentStreamParser,
  FinishedEvent,
  FinishInfo,
  InvocationContext,
  OutputStream,
  ParserOptions,
  ParserSummary,
} from "./types.js";
