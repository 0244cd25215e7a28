import type { MergeRuleSetting, MergeRulesSetting } from "@gadugi/interfaces";
import picomatch from "picomatch";
import type { MatchedRule } from "./result.js";

/**
 * The built-in rules, by glob. Keyed maps have no default: which JSON or YAML files are registries
 * is the project's to say (`integration.mergeRules`); `package.json`'s other keys still merge key
 * by key under the version rule.
 */
export const DEFAULT_MERGE_RULES: Readonly<Record<string, MergeRuleSetting>> = {
  "**/{CHANGELOG,CHANGES,HISTORY,NOTES,MEMORY}{,.md,.markdown,.rst,.txt}": "append-only",
  "**/notes/**/*.md": "append-only",
  "**/package.json": "version",
  "**/pyproject.toml": "version",
  "**/{package-lock.json,pnpm-lock.yaml,uv.lock,poetry.lock}": "lockfile",
};

interface Entry {
  glob: string;
  setting: MergeRuleSetting;
  test: (path: string) => boolean;
}

/** Which rule, if any, merges a path: the config's globs first, in their order, then the defaults. */
export class MergeRuleTable {
  readonly #entries: Entry[];

  /** `configured`: `integration.mergeRules`. */
  constructor(configured: Readonly<Record<string, MergeRuleSetting>> = {}) {
    const entries = [...Object.entries(configured), ...Object.entries(DEFAULT_MERGE_RULES)];
    this.#entries = entries.map(([glob, setting]) => ({
      glob,
      setting,
      test: picomatch(glob, { dot: true }),
    }));
  }

  /** Whether the first glob matching `path` is the config's `"off"`: the project chose no rule. */
  turnedOff(path: string): boolean {
    return this.#entries.find((e) => e.test(path))?.setting === "off";
  }

  /** The rule for `path` (repository-relative, `/`-separated); undefined when none, or `off`. */
  ruleFor(path: string): MatchedRule | undefined {
    const entry = this.#entries.find((e) => e.test(path));
    if (entry === undefined || entry.setting === "off") return undefined;
    if (typeof entry.setting === "string") return { name: entry.setting, glob: entry.glob };
    return { name: entry.setting.rule, glob: entry.glob, fields: [...entry.setting.fields] };
  }
}

/** The table for a config's `integration.mergeRules`; undefined when they are turned off (`false`). */
export function mergeRuleTable(setting: MergeRulesSetting | undefined): MergeRuleTable | undefined {
  return setting === false ? undefined : new MergeRuleTable(setting ?? {});
}
