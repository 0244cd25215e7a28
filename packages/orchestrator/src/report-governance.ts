import type { GovernanceSkip, RunReport, TaskReport } from "@gadugi/interfaces";

// The governance section of the report: per task, the required phases, those that ran, those
// skipped for an allowed reason, and those skipped against workflow.allowSkip (violations).

const skipText = (s: GovernanceSkip) => `${s.phase} (${s.code}: ${s.reason})`;
const list = (items: string[]) => (items.length === 0 ? "none" : items.join(", "));

/** The governance of `task` as Markdown lines (none when the report has no governance for it). */
export function governanceMarkdown(task: TaskReport, esc: (text: string) => string): string[] {
  const g = task.governance;
  if (g === undefined) return [];
  const lines = [
    `Governance: ${g.violated.length === 0 ? "every required phase ran or was skipped for an allowed reason" : `**violated** (${g.violated.length})`}`,
    "",
    "| Governance | Phases |",
    "| --- | --- |",
    `| Required | ${list(g.required)} |`,
    `| Ran | ${list(g.ran)} |`,
    `| Skipped, allowed | ${esc(list(g.skippedAllowed.map(skipText)))} |`,
    `| Violated | ${esc(list(g.violated.map(skipText)))} |`,
    "",
  ];
  return lines;
}

/** The governance of every task as an HTML section (empty when no task has it). */
export function governanceHtml(report: RunReport, esc: (text: string) => string): string {
  const tasks = report.tasks.filter((t) => t.governance !== undefined);
  if (tasks.length === 0) return "";
  const rows = tasks
    .map((t) => {
      const g = t.governance as NonNullable<TaskReport["governance"]>;
      const cells = [
        t.slug,
        list(g.required),
        list(g.ran),
        list(g.skippedAllowed.map(skipText)),
        list(g.violated.map(skipText)),
      ].map((c) => `<td>${esc(c)}</td>`);
      return `<tr${g.violated.length > 0 ? ' class="violated"' : ""}>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<h2>Governance</h2>
<table><thead><tr><th>Task</th><th>Required</th><th>Ran</th><th>Skipped, allowed</th><th>Violated</th></tr></thead>
<tbody>
${rows}
</tbody></table>
`;
}
