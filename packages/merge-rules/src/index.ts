// Public API of @gadugi/merge-rules: rules that merge hotspot files a git merge left conflicting.
export { mergeAppendOnly } from "./append-only.js";
export { type MapFormat, mapFormat, mergeKeyedMap } from "./keyed-map.js";
export { lockfileCommand, mergeLockfile } from "./lockfile.js";
export { DEFAULT_MERGE_RULES, MergeRuleTable, mergeRuleTable } from "./match.js";
export { mergeFile } from "./merge-file.js";
export type { LockfileCommand, MatchedRule, MergeInput, RuleResult } from "./result.js";
export { mergeStructure, showPath } from "./structure.js";
export { mergeText, splitLines, type TextMerge } from "./text-merge.js";
export { defaultVersionFields, higherVersion, mergeVersion } from "./version.js";
