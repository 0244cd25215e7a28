import { join } from "node:path";

/** Where the workflow writes a task's files inside the run directory. */
export interface TaskPaths {
  /** `<runDir>/prompts/<taskId>.md`: the implementation prompt. */
  prompt: string;
  /** Setup output, agent output and test output, appended in that order. */
  log: string;
  /** Normalized agent events, one JSON per line. */
  events: string;
  /** `<runDir>/tasks/<taskId>/`: the task's todo.md and todo.json. */
  taskDir: string;
  /** The review's verdict and comments. */
  review: string;
  /** Prompt file of another agent run: `<runDir>/prompts/<taskId>.<label>.md`. */
  promptFor(label: string): string;
  /** Output of one test run: `<runDir>/logs/<taskId>.test-<n>.log`. */
  testOutput(run: number): string;
}

export function taskPaths(runDir: string, taskId: string): TaskPaths {
  return {
    prompt: join(runDir, "prompts", `${taskId}.md`),
    log: join(runDir, "logs", `${taskId}.log`),
    events: join(runDir, "logs", `${taskId}.events.jsonl`),
    taskDir: join(runDir, "tasks", taskId),
    review: join(runDir, "logs", `${taskId}.review.md`),
    promptFor: (label) =>
      label === "implementation"
        ? join(runDir, "prompts", `${taskId}.md`)
        : join(runDir, "prompts", `${taskId}.${label}.md`),
    testOutput: (run) => join(runDir, "logs", `${taskId}.test-${run}.log`),
  };
}
