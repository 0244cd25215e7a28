import { basename } from "node:path";
import { type LockfileCommand, type MergeInput, type RuleResult, refuse } from "./result.js";

const COMMANDS: Readonly<Record<string, LockfileCommand>> = {
  "package-lock.json": {
    manager: "npm",
    program: "npm",
    args: ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
  },
  "pnpm-lock.yaml": {
    manager: "pnpm",
    program: "pnpm",
    args: ["install", "--lockfile-only", "--ignore-scripts"],
  },
  "uv.lock": { manager: "uv", program: "uv", args: ["lock"] },
  "poetry.lock": { manager: "poetry", program: "poetry", args: ["lock", "--no-update"] },
};

/** The package manager's lockfile-only command for a lockfile, by its name; undefined for another file. */
export function lockfileCommand(path: string): LockfileCommand | undefined {
  const command = COMMANDS[basename(path)];
  return command === undefined ? undefined : { ...command, args: [...command.args] };
}

/**
 * Lockfiles: ours (the integration side) is taken as it is, and regenerated afterwards on the
 * merged tree with the package manager's own command, which brings theirs' dependencies back in
 * from the merged manifests. The caller runs the command (it needs a checkout).
 */
export function mergeLockfile(path: string, input: MergeInput): RuleResult {
  const command = lockfileCommand(path);
  if (command === undefined)
    return refuse("not a lockfile this rule knows (package-lock.json, pnpm-lock.yaml, uv.lock, poetry.lock)");
  return {
    ok: true,
    content: input.ours,
    reason: `took ours, to be regenerated with \`${command.program} ${command.args.join(" ")}\``,
    regenerate: command,
  };
}
