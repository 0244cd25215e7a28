import type { MergeRuleName } from "@gadugi/interfaces";

/** What a rule made of one file: its merged content, or why it would not merge it. */
export type RuleResult =
  | {
      ok: true;
      content: string;
      reason: string;
      /** Lockfiles: the content is one side's, to be regenerated with this command. */
      regenerate?: LockfileCommand;
    }
  | { ok: false; reason: string };

/** A package manager's own lockfile-only command, run in the lockfile's directory. */
export interface LockfileCommand {
  manager: "npm" | "pnpm" | "uv" | "poetry";
  program: string;
  args: string[];
}

/** The three versions of a file in a merge; `base` is absent when both sides added the file. */
export interface MergeInput {
  base?: string;
  ours: string;
  theirs: string;
}

/** One rule as the table matched it for a path. */
export interface MatchedRule {
  name: MergeRuleName;
  /** The glob that chose it. */
  glob: string;
  /** Version rule: the fields to compare (JSON paths `a.b`, TOML `table.key`). */
  fields?: string[];
}

export function refuse(reason: string): RuleResult {
  return { ok: false, reason };
}
