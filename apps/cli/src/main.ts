import { Command, CommanderError } from "commander";
import { agentsCommand } from "./commands/agents.js";
import { analyzeCommand } from "./commands/analyze.js";
import { cancelCommand } from "./commands/cancel.js";
import { cleanupCommand } from "./commands/cleanup.js";
import { demoCommand } from "./commands/demo.js";
import { errorsCommand } from "./commands/errors.js";
import { executeCommand } from "./commands/execute.js";
import { initCommand } from "./commands/init.js";
import { logsCommand } from "./commands/logs.js";
import { reportCommand } from "./commands/report.js";
import { resumeCommand } from "./commands/resume.js";
import { runCommand } from "./commands/run.js";
import { runsCommand } from "./commands/runs.js";
import { stateCommand } from "./commands/state.js";
import { statusCommand } from "./commands/status.js";
import { worktreesCommand } from "./commands/worktrees.js";
import { formatError } from "./handle-error.js";
import { cliVersion } from "./version.js";

export type ProgramName = "gadugi" | "orchestrator-agent";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A command that finished but must not exit 0 (a run with failed tasks) sets its code here. */
  setExitCode?: (code: number) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Builds the commander program. Each subcommand lives in `commands/<name>.ts` and loads its heavy
 * dependencies inside its action, so `--help` and `--version` stay fast.
 */
export function createProgram(name: ProgramName = "gadugi", io: CliIo = defaultIo): Command {
  const program = new Command(name)
    .description(
      name === "gadugi"
        ? "Run many coding agents in parallel, each in its own git worktree, and merge the results in dependency order."
        : "The orchestrator-agent interface of Gadugi: execute prompt files in parallel through the full workflow.",
    )
    .version(cliVersion(), "-v, --version", "print the version")
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  if (name === "gadugi") {
    program.addCommand(runCommand(io));
    program.addCommand(demoCommand(io));
    program.addCommand(statusCommand(io));
    program.addCommand(resumeCommand(io));
    program.addCommand(cancelCommand(io));
    program.addCommand(reportCommand(io));
    program.addCommand(runsCommand(io));
    program.addCommand(cleanupCommand(io));
    program.addCommand(stateCommand(io));
    program.addCommand(agentsCommand(io));
    program.addCommand(analyzeCommand(io));
    program.addCommand(errorsCommand(io));
    program.addCommand(initCommand(io));
    program.addCommand(logsCommand(io));
    program.addCommand(worktreesCommand(io));
  } else {
    program.addCommand(executeCommand(io));
  }
  return program;
}

/** Runs the CLI and returns the exit code; the bin scripts are the only callers of process.exit. */
export async function main(
  argv: string[],
  name: ProgramName = "gadugi",
  io: CliIo = defaultIo,
): Promise<number> {
  let exitCode = 0;
  const program = createProgram(name, {
    ...io,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.code === "commander.helpDisplayed" || error.code === "commander.version")
    ) {
      return 0;
    }
    const { text, exitCode } = formatError(error, { json: argv.includes("--json") });
    if (text) io.stderr(`${text}\n`);
    return exitCode;
  }
}
