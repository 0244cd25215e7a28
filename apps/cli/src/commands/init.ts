import { Command } from "commander";
import type { CliIo } from "../main.js";
import { CWD_OPTION, repoRootOf } from "./shared.js";

/** `gadugi init`: writes a starter gadugi.config.json at the repository root. */
export function initCommand(io: CliIo): Command {
  return new Command("init")
    .description("write a starter gadugi.config.json at the repository root")
    .option(...CWD_OPTION)
    .option("--force", "overwrite an existing config file")
    .action(async (options: { cwd?: string; force?: boolean }) => {
      const repoRoot = await repoRootOf(options.cwd);
      const { writeDefaultConfig } = await import("@gadugi/orchestrator");
      const written = await writeDefaultConfig(repoRoot, { force: options.force === true });
      io.stdout(`wrote ${written.path}\n`);
      if (written.agent !== undefined) {
        io.stdout(`agent: ${written.agent} (found on PATH; change "agent" to use another)\n`);
        io.stdout(
          `reviewer: ${written.reviewer} (workflow.reviewer), run read-only: it reviews each task's diff and ends with a VERDICT line; request-changes gets one fix round, then keeps the task from merging\n`,
        );
        return;
      }
      io.stdout(
        [
          "No agent CLI (claude, codex, gemini, opencode, aider) was found on PATH, so no agent is set yet.",
          'Install one and set "agent" to it, or define your own program as a command agent:',
          '  "agent": "mine",',
          '  "agents": { "mine": { "kind": "command", "command": "my-agent --prompt-file {prompt_file}" } }',
          "A command agent runs without a shell in the task's worktree; {prompt_file}, {worktree} and {task_id} are filled in.",
          "No reviewer is set either: a command agent is your own program, not one that can be asked to review a diff, so the review phase is skipped.",
          'To review, set "workflow": { "reviewer": "<an agent CLI>" } (run read-only), or "reviewCommand": a program that reads the diff on stdin and prints "VERDICT: approve | request-changes | comment".',
          "",
        ].join("\n"),
      );
    });
}
