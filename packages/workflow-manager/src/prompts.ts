import type { TaskData } from "@gadugi/interfaces";
import { fenced } from "./util.js";

/** Facts about the worktree that every prompt states. */
export interface PromptWorkspace {
  runId: string;
  worktree: string;
  branch?: string;
  baseRef?: string;
  baseCommit?: string;
  uvProject: boolean;
  issueNumber?: number;
  /** The test command the testing phase will run, when known. */
  testCommand?: string;
}

/** The seed's rule for uv projects, stated to every agent working in one. */
export const UV_RULE = [
  "**UV PROJECT**: this is a uv Python project and its environment is already set up.",
  "- Prefix every Python command with `uv run`: `uv run pytest tests/`, `uv run python script.py`.",
  "- Never run `python`, `pip` or `pytest` directly: they do not see the project's environment.",
].join("\n");

const PIPELINE = "setup → issue → branch → implementation → testing → documentation → pull request → review";

function where(ws: PromptWorkspace): string {
  const lines = [
    "## Where to work",
    "",
    `- Worktree: \`${ws.worktree}\`${ws.branch ? ` on branch \`${ws.branch}\`` : ""}${
      ws.baseRef
        ? `, started from \`${ws.baseRef}\`${ws.baseCommit ? ` (${ws.baseCommit.slice(0, 12)})` : ""}`
        : ""
    }.`,
    "- Work only inside this worktree. Do not touch other directories, branches or worktrees.",
    '- Commit your work on this branch when you are done (`git add -A && git commit -m "..."`). Work left uncommitted is committed by the workflow.',
    "- Do not push, open pull requests or create issues: the workflow does that after you.",
  ];
  if (ws.uvProject) lines.push("", UV_RULE);
  return lines.join("\n");
}

function taskSection(task: TaskData): string {
  const lines = ["## The task", ""];
  if (task.description.trim() !== "") lines.push(task.description.trim(), "");
  for (const [title, body] of Object.entries(task.sections)) {
    if (body.trim() === "") continue;
    lines.push(`### ${title}`, "", body.trim(), "");
  }
  if (task.targetFiles.length > 0) {
    lines.push("### Target files", "");
    for (const file of task.targetFiles) lines.push(`- \`${file.path}\` (${file.access})`);
    lines.push("");
  }
  return lines.join("\n").trimEnd();
}

/** The implementation phase's prompt: the task, its target files, the worktree, the rules. */
export function implementationPrompt(task: TaskData, ws: PromptWorkspace): string {
  const lines = [
    `# Task: ${task.name}`,
    "",
    `You implement one task of a Gadugi run (run \`${ws.runId}\`, task \`${task.id}\`, prompt \`${task.promptFile}\`)${
      ws.issueNumber ? `, tracked in issue #${ws.issueNumber}` : ""
    }.`,
    "",
    where(ws),
    "",
    taskSection(task),
    "",
    "## Phase contract",
    "",
    `This is the implementation phase of the task's workflow: ${PIPELINE}.`,
    "- Done means: the task is implemented in this worktree and committed on its branch.",
    `- Next, the testing phase runs ${ws.testCommand ? `\`${ws.testCommand}\`` : "the project's tests"} in this worktree; make them pass, and add tests for what you build.`,
    "- Then the documentation phase checks whether README, docs or CHANGELOG need changes for public API you changed; you may update them now.",
  ];
  return `${lines.join("\n")}\n`;
}

/** The testing phase's retry prompt: the failing command and its output. */
export function testFixPrompt(
  task: TaskData,
  ws: PromptWorkspace,
  failure: {
    command: string;
    exitCode: number | null;
    timedOut: boolean;
    output: string;
    outputFile: string;
  },
): string {
  const how = failure.timedOut ? "timed out" : `exited with ${failure.exitCode ?? "a signal"}`;
  const lines = [
    `# Fix the failing tests of task: ${task.name}`,
    "",
    `The testing phase ran \`${failure.command}\` in the task's worktree and it ${how}. Full output: \`${failure.outputFile}\`. The end of it:`,
    "",
    fenced(failure.output, "text"),
    "",
    "Fix the code (or a test, when the test is wrong about the task's intended behaviour) so that the command passes. The tests are run again after you finish.",
    "",
    where(ws),
    "",
    taskSection(task),
  ];
  return `${lines.join("\n")}\n`;
}

/** The review phase's fix round: the reviewer requested changes; its comments are what to do. */
export function reviewFixPrompt(
  task: TaskData,
  ws: PromptWorkspace,
  review: { reviewer: string; comments: string; reviewFile: string },
): string {
  const comments = review.comments.trim() === "" ? "(the reviewer gave no comments)" : review.comments.trim();
  // A review command is named by what it is, not its whole command line.
  const who = review.reviewer.startsWith("command: ") ? "the review command" : review.reviewer;
  const lines = [
    `# Address the review of task: ${task.name}`,
    "",
    `The reviewer (${who}) requested changes to this branch. Its review (also in \`${review.reviewFile}\`):`,
    "",
    fenced(comments, "markdown"),
    "",
    "Change the code (and its tests) so that the review's points are addressed, and commit. The reviewer looks at the branch again after you finish; if it still requests changes, the task is not merged.",
    "",
    where(ws),
    "",
    taskSection(task),
  ];
  return `${lines.join("\n")}\n`;
}

/** The documentation phase's prompt: which changes call for documentation. */
export function documentationPrompt(
  task: TaskData,
  ws: PromptWorkspace,
  need: { reason: string; apiFiles: string[]; newModules: string[] },
): string {
  const lines = [
    `# Document the changes of task: ${task.name}`,
    "",
    `The task's branch changes public API without documentation: ${need.reason}.`,
    "",
  ];
  if (need.apiFiles.length > 0) {
    lines.push("Public API files changed:", "", ...need.apiFiles.map((f) => `- \`${f}\``), "");
  }
  if (need.newModules.length > 0) {
    lines.push("New top-level modules:", "", ...need.newModules.map((f) => `- \`${f}\``), "");
  }
  lines.push(
    "Update the README, the docs and the CHANGELOG (where the project has them) so that a user learns what changed: new or changed commands, options, configuration keys, exports. Change documentation only; do not change code.",
    "",
    where(ws),
    "",
    taskSection(task),
  );
  return `${lines.join("\n")}\n`;
}

/** The review phase's prompt for a read-only agent: the diff and the verdict convention. */
export function reviewPrompt(
  task: TaskData,
  ws: PromptWorkspace,
  diff: { text: string; truncated: boolean },
): string {
  const lines = [
    `# Review the changes of task: ${task.name}`,
    "",
    `You review, read-only, the changes on branch \`${ws.branch ?? "?"}\` in \`${ws.worktree}\` against \`${ws.baseRef ?? "its base"}\`. Do not edit files, commit or run anything that changes the worktree.`,
    "",
    taskSection(task),
    "",
    `## The diff${diff.truncated ? " (cut; read the rest with `git diff` in the worktree)" : ""}`,
    "",
    fenced(diff.text, "diff"),
    "",
    "## Your answer",
    "",
    "Write your review comments (correctness, tests, readability, anything the task asked for and the diff misses); a comment on one line of the diff is a line of its own, `path:line: comment` (the line in the new version), and is posted on that line of the pull request. Then end with exactly one line, the last of your answer:",
    "",
    "VERDICT: approve | request-changes | comment",
    "",
    "`request-changes` sends your comments to the task's agent for one round of fixes and you review again; if you still request changes, the branch is not merged. `approve` and `comment` let it merge.",
  ];
  return `${lines.join("\n")}\n`;
}
