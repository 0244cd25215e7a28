import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AgentConfigInput, AgentRunRequest, type AgentRunRequestInput } from "@gadugi/interfaces";

/** A valid run request for a task in `dir` (worktree `dir/wt`, prompt file and logs beside it). */
export function makeRequest(
  dir: string,
  agent: AgentConfigInput,
  overrides: Partial<AgentRunRequestInput> = {},
): AgentRunRequest {
  mkdirSync(dir, { recursive: true });
  const worktree = overrides.worktree ?? join(dir, "wt");
  mkdirSync(worktree, { recursive: true });
  const prompt = overrides.prompt ?? "Say hi";
  const promptFile = overrides.promptFile ?? join(dir, "prompt.md");
  writeFileSync(promptFile, prompt);
  return AgentRunRequest.parse({
    runId: "run-1",
    taskId: "task-1",
    worktree,
    prompt,
    promptFile,
    agent,
    logFile: join(dir, "logs", "task-1.log"),
    eventsFile: join(dir, "logs", "task-1.events.jsonl"),
    ...overrides,
  });
}
