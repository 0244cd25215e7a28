import { appendFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { abortedError, GadugiError } from "@gadugi/error-handling";
import { formatCommand } from "@gadugi/git";
import { artifactsBetween, saveSetupArtifacts, snapshotDirty } from "@gadugi/worktree-manager";
import { testFixPrompt } from "../prompts.js";
import { detectTestCommand } from "../test-command.js";
import type { Phase, PhaseContext } from "../types.js";
import { describeError, tailText } from "../util.js";
import { agentFailure, commitLeftovers, workspaceOf } from "./shared.js";

interface TestRun {
  run: number;
  exitCode: number | null;
  timedOut: boolean;
  passed: boolean;
  durationMs: number;
  outputFile: string;
  output: string;
}

async function runTests(ctx: PhaseContext, argv: string[], run: number): Promise<TestRun> {
  const worktree = ctx.facts.worktreePath ?? "";
  const outputFile = ctx.paths.testOutput(run);
  const shown = formatCommand(argv);
  await mkdir(path.dirname(outputFile), { recursive: true });
  await appendFile(ctx.paths.log, `[gadugi] $ ${shown} (testing, run ${run})\n`);
  const chunks: string[] = [];
  // What the test run itself writes (caches, coverage, snapshots) is the pipeline's, not the task's work.
  const before = await snapshotDirty(ctx.git());
  const result = await ctx.runner.run(argv[0]!, argv.slice(1), {
    cwd: worktree,
    env: ctx.env,
    reject: false,
    timeoutMs: ctx.commandTimeoutMs,
    signal: ctx.signal,
    operation: `tests (${shown})`,
    label: { taskId: ctx.task.id, purpose: "test", logFile: outputFile },
    onOutput: (_stream, chunk) => chunks.push(chunk),
  });
  await saveSetupArtifacts(worktree, artifactsBetween(before, await snapshotDirty(ctx.git()), []));
  if (result.aborted) throw abortedError(ctx.signal, `tests (${shown})`);
  const output = chunks.join("");
  const passed = !result.timedOut && result.exitCode === 0;
  const end = result.timedOut
    ? `timed out after ${Math.round(ctx.commandTimeoutMs / 1000)}s; its process tree was killed`
    : `exited with ${result.exitCode ?? result.signal ?? "a signal"}`;
  const footer = `[gadugi] tests ${passed ? "passed" : "failed"}: ${end} in ${result.durationMs} ms\n`;
  const body = output === "" || output.endsWith("\n") ? output : `${output}\n`;
  await writeFile(outputFile, `$ ${shown}\n${body}${footer}`);
  await appendFile(ctx.paths.log, `${body}${footer}`);
  return {
    run,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    passed,
    durationMs: result.durationMs,
    outputFile,
    output,
  };
}

function summary(run: TestRun): Record<string, unknown> {
  return {
    run: run.run,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    passed: run.passed,
    durationMs: run.durationMs,
    outputFile: run.outputFile,
  };
}

/** Phase 5: the project's tests pass in the worktree, with a configurable number of fix attempts. */
export const testingPhase: Phase = {
  name: "testing",
  contract:
    "The project's test command (workflow.testCommand, `uv run pytest`, or the package manager's test script) passes in the worktree; on failure the agent gets workflow.testRetries attempts with the failing output. No test command → skipped.",
  async run(ctx) {
    const { facts, config } = ctx;
    let found: Awaited<ReturnType<typeof detectTestCommand>>;
    try {
      found = await detectTestCommand(
        facts.worktreePath ?? "",
        config.workflow.testCommand,
        facts.commandPrefix,
      );
    } catch (error) {
      return {
        status: "failed",
        reason: `workflow.testCommand: ${describeError(error)}`,
      };
    }
    if (found.argv === undefined) return { status: "skipped", code: "no-test-command", reason: found.reason };
    const argv = found.argv;
    const command = formatCommand(argv);
    const retries = config.workflow.testRetries;
    const runs: TestRun[] = [];
    const data = (): Record<string, unknown> => ({
      command,
      source: found.source,
      runs: runs.map(summary),
      fixAttempts: Math.max(0, runs.length - 1),
      outputFile: runs.at(-1)?.outputFile,
    });

    for (let fix = 0; ; fix++) {
      let run: TestRun;
      try {
        run = await runTests(ctx, argv, runs.length + 1);
      } catch (error) {
        if (GadugiError.is(error, "GADUGI_COMMAND_NOT_FOUND") && found.source !== "config") {
          return {
            status: "skipped",
            code: "test-runner-missing",
            reason: `cannot run the tests: ${describeError(error)}`,
            data: data(),
          };
        }
        throw error;
      }
      runs.push(run);
      if (run.passed) return { status: "completed", data: data() };
      const how = run.timedOut ? "timed out" : `exit code ${run.exitCode ?? "none"}`;
      if (fix >= retries) {
        return {
          status: "failed",
          reason: `tests still fail (${command}: ${how}) after ${fix} fix attempt(s); output: ${run.outputFile}`,
          data: data(),
        };
      }
      await ctx.log(`tests failed (${how}); fix attempt ${fix + 1} of ${retries}`);
      const prompt = testFixPrompt(ctx.task, workspaceOf(ctx, command), {
        command,
        exitCode: run.exitCode,
        timedOut: run.timedOut,
        output: tailText(run.output),
        outputFile: run.outputFile,
      });
      const result = await ctx.runAgent({ purpose: "testing-fix", label: `testing-fix-${fix + 1}`, prompt });
      if (result.outcome !== "ok") return agentFailure(ctx, "the test-fixing agent", result, data());
      const pending = await commitLeftovers(ctx, `test fix ${fix + 1}`);
      if (pending)
        await ctx.log(`committed the test fix the agent left uncommitted: ${pending.commit.slice(0, 12)}`);
    }
  },
};
