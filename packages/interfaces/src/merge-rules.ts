import { z } from "zod";

/**
 * The merge rules for hotspot files (`@gadugi/merge-rules`): a rule resolves a file that
 * `git merge-tree` reports as conflicting, or refuses and leaves the conflict as it was.
 */
export const MERGE_RULE_NAMES = ["append-only", "version", "keyed-map", "lockfile"] as const;
export const MergeRuleName = z.enum(MERGE_RULE_NAMES);
export type MergeRuleName = z.infer<typeof MergeRuleName>;

/**
 * What `integration.mergeRules` maps a glob to: a rule, `off` (no rule for those files, even a
 * built-in one), or the version rule with its own fields (JSON paths `a.b`, TOML `table.key`).
 */
export const MergeRuleSetting = z.union(
  [
    z.enum([...MERGE_RULE_NAMES, "off"]),
    z.strictObject({ rule: z.literal("version"), fields: z.array(z.string().min(1)).min(1) }),
  ],
  {
    error: () =>
      `expected ${[...MERGE_RULE_NAMES, "off"].join(", ")}, or { "rule": "version", "fields": [...] }`,
  },
);
export type MergeRuleSetting = z.infer<typeof MergeRuleSetting>;

/** `integration.mergeRules`: glob → rule, laid over the built-in defaults; `false` turns them off. */
export const MergeRulesSetting = z.union([z.literal(false), z.record(z.string().min(1), MergeRuleSetting)], {
  // A union's own message says only "Invalid input": name the glob and what its rule may be.
  error: (issue) => {
    const inner = issue.code === "invalid_union" ? issue.errors[1]?.[0] : undefined;
    if (inner === undefined || inner.path.length === 0) return "expected false, or an object of glob → rule";
    return `${inner.path.map(String).join(".")}: ${inner.message}`;
  },
});
export type MergeRulesSetting = z.infer<typeof MergeRulesSetting>;

/** applied: the file was merged by the rule; refused: the rule did not apply (the conflict stands); skipped: it could not run (a package manager is missing). */
export const MergeRuleOutcome = z.enum(["applied", "refused", "skipped"]);
export type MergeRuleOutcome = z.infer<typeof MergeRuleOutcome>;

/** One rule applied to one conflicting file of one merge, as the journal and the report hold it. */
export const MergeRuleApplication = z.strictObject({
  file: z.string(),
  rule: MergeRuleName,
  result: MergeRuleOutcome,
  reason: z.string(),
});
export type MergeRuleApplication = z.infer<typeof MergeRuleApplication>;
