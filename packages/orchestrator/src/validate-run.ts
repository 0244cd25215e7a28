import { findExecutable, getAdapter } from "@gadugi/agents";
import { GadugiError } from "@gadugi/error-handling";
import { type Env, type GitClient, toArgv } from "@gadugi/git";
import { type ExecutionPlan, type GadugiConfig, MAX_PARALLEL } from "@gadugi/interfaces";
import { type AgentChoice, chooseAgent } from "./agents.js";
import { commandSettings } from "./config.js";

/** What a run was asked for, as far as it can be checked before anything starts. */
export interface RunSettings {
  maxParallel?: number;
  agent?: string;
  baseRef?: string;
  timeoutSec?: number;
}

export interface ValidatedRun {
  baseRef: string;
  baseCommit: string;
  maxParallel: number;
  /** The agent of each task, by task id. */
  agents: Record<string, AgentChoice>;
}

export interface ValidateRunInput {
  plan: ExecutionPlan;
  config: GadugiConfig;
  settings: RunSettings;
  git: GitClient;
  /** Laid over process.env for agents: its PATH is where agent programs are looked up. */
  env: Env;
}

/**
 * Everything a run checks before it changes anything, so `gadugi run` and `--dry-run` fail alike
 * (same GADUGI_* codes and exit codes): `maxParallel` and `timeoutSec`, every command setting of
 * the config, at least one task, each task's agent (chooseAgent) and that its program is on PATH,
 * and the base ref.
 */
export async function validateRun(input: ValidateRunInput): Promise<ValidatedRun> {
  const { plan, config, settings, git } = input;
  const maxParallel = settings.maxParallel ?? config.maxParallel;
  checkMaxParallel(maxParallel);
  const timeout = settings.timeoutSec;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "--timeout",
      value: String(timeout),
      expected: "a positive duration",
    });
  }
  for (const { key, command } of commandSettings(config)) {
    try {
      toArgv(command);
    } catch (error) {
      if (!GadugiError.is(error, "GADUGI_COMMAND_SYNTAX")) throw error;
      throw new GadugiError("GADUGI_COMMAND_SYNTAX", { ...error.args, where: `config: ${key}` });
    }
  }
  if (plan.tasks.length === 0) {
    throw new GadugiError("GADUGI_NO_TASKS", {
      reason:
        plan.skipped.length > 0
          ? `every prompt is marked done (${plan.skipped.map((s) => s.file).join(", ")})`
          : "no prompt files were given",
    });
  }
  const agents: Record<string, AgentChoice> = {};
  for (const task of plan.tasks) {
    const choice = chooseAgent(task, config, settings);
    checkProgram(choice, `task ${task.slug} (${task.promptFile})`, input.env);
    agents[task.id] = choice;
  }
  const baseRef =
    settings.baseRef ?? config.baseRef ?? (await git.currentBranch()) ?? (await git.headCommit());
  const baseCommit = await git.resolveCommit(baseRef);
  if (baseCommit === undefined) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "--base",
      value: baseRef,
      expected: "a branch, tag or commit of this repository",
    });
  }
  return { baseRef, baseCommit, maxParallel, agents };
}

/** `maxParallel` / `--max-parallel`: a whole number from 1 to MAX_PARALLEL, as the config schema says. */
export function checkMaxParallel(value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PARALLEL) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "--max-parallel",
      value: String(value),
      expected: `a whole number from 1 to ${MAX_PARALLEL}`,
    });
  }
}

/**
 * The agent's program must be on PATH (the agent's `env` over the run's over process.env). A
 * program given as a path (`./tools/agent.sh`) or with a placeholder is left to the run: it may be
 * relative to the worktree.
 */
function checkProgram(choice: AgentChoice, task: string, env: Env): void {
  const program = choice.config.command?.[0] ?? getAdapter(choice.config.kind).program;
  if (program === undefined || program.includes("/") || program.includes("{")) return;
  const path = choice.config.env.PATH ?? env.PATH ?? process.env.PATH;
  if (findExecutable(program, { PATH: path }) !== undefined) return;
  const which = choice.config.kind === "command" ? "the command agent" : `the ${choice.config.kind} agent`;
  throw new GadugiError(
    "GADUGI_COMMAND_NOT_FOUND",
    { command: program },
    {
      hint: `${task} uses ${which} "${choice.name}", whose program ${program} is not on PATH: install it, ${choice.name === "run" ? "fix the prompt's `run:` line" : `give its full path in agents.${choice.name}.command`}, or choose another agent (\`gadugi agents\` lists the installed ones).`,
    },
  );
}
