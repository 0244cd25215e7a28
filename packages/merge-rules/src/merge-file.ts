import { mergeAppendOnly } from "./append-only.js";
import { mergeKeyedMap } from "./keyed-map.js";
import { mergeLockfile } from "./lockfile.js";
import type { MatchedRule, MergeInput, RuleResult } from "./result.js";
import { refuse } from "./result.js";
import { mergeVersion } from "./version.js";

/**
 * Merges one conflicting file by its rule. Pure: contents in, content (or the refusal's reason)
 * out. A binary file is refused by every rule.
 */
export function mergeFile(path: string, rule: MatchedRule, input: MergeInput): RuleResult {
  if ([input.base ?? "", input.ours, input.theirs].some((text) => text.includes("\0"))) {
    return refuse("a binary file");
  }
  switch (rule.name) {
    case "append-only":
      return mergeAppendOnly(input);
    case "version":
      return mergeVersion(path, input, rule.fields);
    case "keyed-map":
      return mergeKeyedMap(path, input);
    case "lockfile":
      return mergeLockfile(path, input);
  }
}
