import type { AgentKind } from "@gadugi/interfaces";
import type { AgentAdapter } from "../types.js";
import { aiderAdapter } from "./aider.js";
import { claudeAdapter } from "./claude.js";
import { codexAdapter } from "./codex.js";
import { commandAdapter } from "./command.js";
import { geminiAdapter } from "./gemini.js";
import { opencodeAdapter } from "./opencode.js";

/** One adapter per agent kind. */
export const ADAPTERS: Readonly<Record<AgentKind, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  opencode: opencodeAdapter,
  aider: aiderAdapter,
  command: commandAdapter,
};

export function getAdapter(kind: AgentKind): AgentAdapter {
  return ADAPTERS[kind];
}
