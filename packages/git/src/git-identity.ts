import { splitZ } from "./parse.js";
import type { Env } from "./process-runner.js";

/** The identity of commits Gadugi makes on a machine where git has none configured. */
export const GADUGI_GIT_IDENTITY = { name: "Gadugi", email: "gadugi@localhost" } as const;

/** Subcommands that may create commits, and so need an identity. */
const IDENTITY_COMMANDS = new Set([
  "commit",
  "commit-tree",
  "merge",
  "cherry-pick",
  "rebase",
  "revert",
  "am",
  "stash",
  "pull",
  "tag",
  "notes",
]);

/** The `git config` call whose output `fallbackIdentity` reads. */
export const IDENTITY_CONFIG_ARGS = [
  "config",
  "-z",
  "--get-regexp",
  "^(user|author|committer)\\.(name|email)$",
] as const;

function subcommandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/** Whether a git call with `args` may create a commit. */
export function needsIdentity(args: readonly string[]): boolean {
  const sub = subcommandOf(args);
  return sub !== undefined && IDENTITY_COMMANDS.has(sub);
}

/**
 * GIT_AUTHOR_* / GIT_COMMITTER_* = GADUGI_GIT_IDENTITY for the parts of the identity git has
 * nowhere: not in `config` (the output of `IDENTITY_CONFIG_ARGS`) and not in `env` (the client's
 * environment laid over process.env). Empty when git has a whole identity.
 */
export function fallbackIdentity(config: string, env: Env): Env {
  const configured = new Set<string>();
  for (const entry of splitZ(config)) {
    const newline = entry.indexOf("\n");
    const key = (newline === -1 ? entry : entry.slice(0, newline)).toLowerCase();
    const value = newline === -1 ? "" : entry.slice(newline + 1);
    if (value.trim() !== "") configured.add(key);
  }
  const has = (name: string | undefined): boolean => name !== undefined && name.trim() !== "";
  const out: Env = {};
  for (const role of ["author", "committer"] as const) {
    const upper = role.toUpperCase();
    if (!has(env[`GIT_${upper}_NAME`]) && !configured.has(`${role}.name`) && !configured.has("user.name")) {
      out[`GIT_${upper}_NAME`] = GADUGI_GIT_IDENTITY.name;
    }
    if (
      !has(env[`GIT_${upper}_EMAIL`]) &&
      !configured.has(`${role}.email`) &&
      !configured.has("user.email") &&
      !has(env.EMAIL)
    ) {
      out[`GIT_${upper}_EMAIL`] = GADUGI_GIT_IDENTITY.email;
    }
  }
  return out;
}
