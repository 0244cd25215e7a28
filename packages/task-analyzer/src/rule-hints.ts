import type { PlanEdge, PlanWarning } from "@gadugi/interfaces";
import type { MergeRuleTable } from "@gadugi/merge-rules";
import { listShort } from "./conflicts.js";

/** The rule a shared file of this kind could take, if the tasks only add to it; none for code. */
function suggestedRule(file: string): "append-only" | "keyed-map" | undefined {
  if (/\.(md|markdown|mdx|rst|txt|adoc)$/i.test(file)) return "append-only";
  if (/\.(json|ya?ml)$/i.test(file)) return "keyed-map";
  return undefined;
}

/**
 * Warnings (of the plan, not of a prompt: no `file`) naming each documentation or data file that
 * alone makes tasks wait for each other: the only shared file without a merge rule in two or more
 * same-file edges (the README many prompts ask to update). A rule for it would let those tasks run at once; whether the tasks only
 * add to it is the project's to judge, so this suggests and never applies. Files the config
 * turned `"off"` are the project's choice and get no warning.
 */
export function ruleHints(
  edges: readonly PlanEdge[],
  rules: MergeRuleTable | undefined,
  slugOf: ReadonlyMap<string, string>,
): PlanWarning[] {
  if (rules === undefined) return [];
  const byFile = new Map<string, PlanEdge[]>();
  for (const edge of edges) {
    if (edge.kind !== "same-file") continue;
    const uncovered = (edge.files ?? []).filter((f) => rules.ruleFor(f) === undefined);
    const only = uncovered.length === 1 ? (uncovered[0] as string) : undefined;
    if (only === undefined || suggestedRule(only) === undefined || rules.turnedOff(only)) continue;
    const serialized = byFile.get(only);
    if (serialized === undefined) byFile.set(only, [edge]);
    else serialized.push(edge);
  }
  const hints: PlanWarning[] = [];
  for (const [file, serialized] of byFile) {
    if (serialized.length < 2) continue;
    const tasks = [...new Set(serialized.flatMap((e) => [e.from, e.to]))].map((id) => slugOf.get(id) ?? id);
    hints.push({
      message:
        `${file} alone makes ${tasks.length} tasks wait for each other (${serialized.length} same-file edges: ${listShort(tasks, 4)}); ` +
        `no merge rule covers it. If they only add to it, "${file}": "${suggestedRule(file)}" in ` +
        "integration.mergeRules lets them run at once.",
    });
  }
  return hints;
}
