import { Command, CommanderError } from "commander";
import { errorsCommand } from "./commands/errors.js";
import { formatError } from "./handle-error.js";
import { cliVersion } from "./version.js";

export type ProgramName = "gadugi" | "orchestrator-agent";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
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
    program.addCommand(errorsCommand(io));
  }
  return program;
}

/** Runs the CLI and returns the exit code; the bin scripts are the only callers of process.exit. */
export async function main(argv: string[], name: ProgramName = "gadugi", io: CliIo = defaultIo): Promise<number> {
  const program = createProgram(name, io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError && (error.code === "commander.helpDisplayed" || error.code === "commander.version")) {
      return 0;
    }
    const { text, exitCode } = formatError(error, { json: argv.includes("--json") });
    if (text) io.stderr(`${text}\n`);
    return exitCode;
  }
}
