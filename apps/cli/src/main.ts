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
import { workerCommand } from "./commands/worker.js";
import { workersCommand } from "./commands/workers.js";
import { worktreesCommand } from "./commands/worktrees.js";
import { cliVersion } from "./version.js";

export type ProgramName = "gadugi" | "orchestrator-agent";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** A command that finished but must not exit 0 (a run with failed tasks) sets its code here. */
  setExitCode?: (code: number) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => {
    if (!process.stdout.destroyed) process.stdout.write(text);
  },
  stderr: (text) => {
    if (!process.stderr.destroyed) process.stderr.write(text);
  },
};

/** A reader that closed our stdout or stderr (`gadugi status | head -1`): the CLI ends quietly. */
interface OutputPipes {
  closed: Promise<void>;
  isClosed(): boolean;
}

let processPipes: OutputPipes | undefined;

/**
 * Watches the process's stdout and stderr for EPIPE, the one place the CLI handles it: a write to
 * a closed pipe fails asynchronously with an 'error' event that would otherwise crash with a stack
 * trace. Installed once per process and never removed, so a late write error cannot crash the
 * exit either; other stream errors are thrown as before.
 */
function watchOutputPipes(): OutputPipes {
  if (processPipes) return processPipes;
  let closed = false;
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  const onError = (error: NodeJS.ErrnoException): void => {
    // After the first EPIPE, a write to the destroyed stream fails too (ERR_STREAM_DESTROYED).
    if (error?.code !== "EPIPE" && !closed) throw error;
    closed = true;
    resolve();
  };
  process.stdout.on("error", onError);
  process.stderr.on("error", onError);
  processPipes = { closed: promise, isClosed: () => closed };
  return processPipes;
}

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
    program.addCommand(workerCommand(io));
    program.addCommand(workersCommand(io));
  } else {
    program.addCommand(executeCommand(io));
  }
  return program;
}

/** The exit code when the reader of stdout or stderr closed the pipe: a closed reader is no failure. */
export const PIPE_CLOSED_EXIT_CODE = 0;

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
  // Only the real process streams can be closed by a reader; an embedding's io handles its own.
  const pipes = io === defaultIo ? watchOutputPipes() : undefined;
  try {
    const parsed = program.parseAsync(argv, { from: "user" }).then(() => exitCode);
    if (pipes === undefined) return await parsed;
    // The reader is gone: nothing more can be said to it, so the command ends here, quietly.
    return await Promise.race([parsed, pipes.closed.then(() => PIPE_CLOSED_EXIT_CODE)]);
  } catch (error) {
    if (pipes?.isClosed()) return PIPE_CLOSED_EXIT_CODE;
    if (
      error instanceof CommanderError &&
      (error.code === "commander.helpDisplayed" || error.code === "commander.version")
    ) {
      return 0;
    }
    // Loaded only on failure: it needs @gadugi/error-handling and zod, which `--help` never pays for.
    const { formatError } = await import("./handle-error.js");
    const { text, exitCode } = formatError(error, { json: argv.includes("--json") });
    if (text) io.stderr(`${text}\n`);
    return exitCode;
  }
}
