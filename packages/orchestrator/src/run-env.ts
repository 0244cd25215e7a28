import { type Env, GADUGI_GIT_IDENTITY, GitClient } from "@gadugi/git";
import { createGitHubOperations } from "@gadugi/github-ops";
import type { GadugiConfig } from "@gadugi/interfaces";
import type { WorkflowGitHub } from "@gadugi/workflow-manager";
import type { Session } from "./session.js";

/**
 * The environment of every process of the run. On a machine without a git identity, agents
 * would fail late at their own `git commit`: they get the same fallback identity Gadugi commits
 * with (only the parts git has nowhere, so a user's own identity always wins), and the run says so.
 */
export async function runEnv(session: Session, env: Env): Promise<Env> {
  const fallback = await new GitClient(session.repoRoot, { env }).identityFallback();
  if (Object.keys(fallback).length === 0) return env;
  const message = `git has no user.name/user.email here: commits of this run (agents' too) are made as ${GADUGI_GIT_IDENTITY.name} <${GADUGI_GIT_IDENTITY.email}>; set yours with \`git config --global user.name ...\` and \`git config --global user.email ...\``;
  session.warnings.push(message);
  await session.state.record(session.runId, { type: "warning", message });
  return { ...fallback, ...env };
}

/** GitHub for the run: the caller's client, none when turned off, else discovered. */
export async function runGitHub(
  given: WorkflowGitHub | false | undefined,
  repoRoot: string,
  config: GadugiConfig,
  env: Env,
): Promise<WorkflowGitHub | undefined> {
  if (given === false) return undefined;
  if (given !== undefined) return given;
  return createGitHubOperations({ repoRoot, config, env: { ...process.env, ...env } });
}

/** The entries of `env` that are set. */
export function definedEnv(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
