import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describeErrorWithHint, redactSecrets, toGadugiError } from "@gadugi/error-handling";
import { type Env, labelledRunner, type ProcessRunner } from "@gadugi/git";
import { detectTestCommand } from "@gadugi/workflow-manager";
import { setupEnvironment, type WorktreeManager } from "@gadugi/worktree-manager";
import type { IntegrationTestReport } from "./report.js";
import { runFiles, type Session } from "./session.js";

/** Runs the test command on a throwaway checkout of the integration branch's tip. */
export async function testIntegration(
  session: Session,
  commit: string,
  options: { env: Env; runner: ProcessRunner; worktrees: WorktreeManager; now: () => number },
): Promise<IntegrationTestReport> {
  const { repoRoot, config } = session;
  const { env, now } = options;
  const files = runFiles(repoRoot, session.runId);
  const checkout = `integration-${session.runId}`;
  const started = now();
  await mkdir(join(files.dir, "logs"), { recursive: true });
  const log = (line: string) => appendFile(files.integrationLog, `[gadugi] ${line}\n`);
  const taskId = `integration-${session.runId}`;
  const runner = labelledRunner(options.runner, { taskId, logFile: files.integrationLog });
  try {
    const dir = await options.worktrees.checkoutDetached(checkout, commit);
    const setup = await setupEnvironment(
      { path: dir, taskId, runId: session.runId },
      {
        ...config.setup,
        repoRoot,
        logFile: files.integrationLog,
        env,
        runner: labelledRunner(runner, { purpose: "integration-setup" }),
      },
    );
    const configured = config.integration.testCommand ?? config.workflow.testCommand;
    const found = await detectTestCommand(dir, configured, [...setup.commandPrefix]);
    if (!found.argv) {
      await log(`no test command: ${found.reason ?? "none found"}`);
      return {
        command: [],
        ok: true,
        exitCode: null,
        durationMs: now() - started,
        logFile: files.integrationLog,
        reason: `not tested: ${found.reason ?? "no test command found"}`,
      };
    }
    const [file, ...args] = found.argv as [string, ...string[]];
    await log(`testing ${commit} with ${found.argv.join(" ")}`);
    const result = await runner.run(file, args, {
      cwd: dir,
      env,
      reject: false,
      timeoutMs: config.taskTimeoutSec * 1000,
      logFile: files.integrationLog,
      signal: session.signal,
      label: { purpose: "integration-test" },
    });
    await log(`exit ${result.exitCode ?? result.signal}`);
    return {
      command: found.argv,
      ok: result.exitCode === 0,
      exitCode: result.exitCode,
      durationMs: now() - started,
      logFile: files.integrationLog,
      ...(result.exitCode === 0 ? {} : { reason: redactSecrets(tail(result.stderr || result.stdout)) }),
    };
  } catch (error) {
    const e = toGadugiError(error);
    await log(`failed: ${describeErrorWithHint(e)}`);
    return {
      command: [],
      ok: false,
      exitCode: null,
      durationMs: now() - started,
      logFile: files.integrationLog,
      reason: describeErrorWithHint(e),
    };
  } finally {
    // A checkout that cannot be removed stays, said in the report; the tests' result stands.
    await options.worktrees.removeDetached(checkout).catch((error: unknown) => {
      session.warnings.push(
        `integration test checkout ${checkout} not removed: ${describeErrorWithHint(error)}`,
      );
    });
  }
}

function tail(text: string, lines = 20): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}
