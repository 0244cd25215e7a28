import type { MergeRuleApplication, RunReport } from "@gadugi/interfaces";

// The merge-rules section of the report: every hotspot file a merge rule merged, refused or
// skipped in a task's merges, with the rule's reason. The result of an earlier merge, whose
// conflict sent the task back for a re-run, says so.

type Shown = Omit<MergeRuleApplication, "result"> & { result: string };

function applications(report: RunReport): { slug: string; rule: Shown }[] {
  return report.tasks.flatMap((t) => [
    ...(t.merge?.earlierRules ?? []).map((rule) => ({
      slug: t.slug,
      rule: { ...rule, result: `${rule.result}, re-run` },
    })),
    ...(t.merge?.rules ?? []).map((rule) => ({ slug: t.slug, rule })),
  ]);
}

/** The merge rules applied in the run as Markdown lines (none when no rule was tried). */
export function mergeRulesMarkdown(report: RunReport, esc: (text: string) => string): string[] {
  const all = applications(report);
  if (all.length === 0) return [];
  return [
    "## Merge rules",
    "",
    "| Task | File | Rule | Result | Why |",
    "| --- | --- | --- | --- | --- |",
    ...all.map(
      ({ slug, rule: r }) => `| ${slug} | ${esc(r.file)} | ${r.rule} | ${r.result} | ${esc(r.reason)} |`,
    ),
    "",
  ];
}

/** The merge rules applied in the run as an HTML section (empty when no rule was tried). */
export function mergeRulesHtml(report: RunReport, esc: (text: string) => string): string {
  const all = applications(report);
  if (all.length === 0) return "";
  const rows = all
    .map(
      ({ slug, rule: r }) =>
        `<tr>${[slug, r.file, r.rule, r.result, r.reason].map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`,
    )
    .join("\n");
  return `<h2>Merge rules</h2>
<table><thead><tr><th>Task</th><th>File</th><th>Rule</th><th>Result</th><th>Why</th></tr></thead>
<tbody>
${rows}
</tbody></table>
`;
}
