import { budgetLimitsText, costText, emptyTotals, formatUsd, tokensText } from "@gadugi/cost";
import type { BudgetReport, PhaseUsage, RunReport, TaskReport, UsageTotals } from "@gadugi/interfaces";

/** The cost section of the Markdown and HTML reports: the run's total, the budget, each task's phases. */

const usd = formatUsd;
const count = (n: number) => n.toLocaleString("en-US");

/** A task's totals, summed over its phases (every run is in exactly one). */
export function taskTotals(task: TaskReport): UsageTotals {
  const total = emptyTotals();
  for (const phase of task.usage ?? []) {
    for (const key of Object.keys(total) as (keyof UsageTotals)[]) total[key] += phase[key];
  }
  return total;
}

/** The task table's cost cell. */
export function taskCostCell(task: TaskReport): string {
  return costText(taskTotals(task));
}

/** The task table's tokens cell. */
export function taskTokensCell(task: TaskReport): string {
  return tokensText(taskTotals(task));
}

function perMergedText(report: RunReport): string {
  const cost = report.cost;
  if (cost?.perMergedTaskUsd !== undefined) return usd(cost.perMergedTaskUsd);
  const merged = report.tasks.filter((t) => t.merge?.status === "merged").length;
  if (merged === 0) return "— (no task merged)";
  return "— (some cost unknown)";
}

/** The budget in one line: limits, spend (as known), reached, stopped and not started (by slug). */
export function budgetText(budget: BudgetReport, spent: UsageTotals, slugOf: (id: string) => string): string {
  const limits = budgetLimitsText(budget);
  const names = (ids: string[]) => (ids.length === 0 ? "none" : ids.map(slugOf).join(", "));
  return [
    `limit ${limits !== "" ? limits : "none (a task's own cap)"}`,
    `spent ${costText(spent)}, ${tokensText(spent)} tokens`,
    `reached: ${budget.reached ? "yes" : "no"}`,
    `stopped: ${names(budget.stopped)}`,
    `not started: ${names(budget.notStarted)}`,
  ].join(" · ");
}

function summaryRows(report: RunReport): [string, string][] {
  const cost = report.cost;
  if (!cost) return [];
  const t = cost.total;
  const slugOf = slugs(report);
  return [
    [
      "Total tokens",
      `${tokensText(t)}${t.unknownUsageRuns < t.runs ? ` (input ${count(t.inputTokens)}, output ${count(t.outputTokens)}, cache read ${count(t.cacheReadTokens)}, cache write ${count(t.cacheWriteTokens)})` : ""}`,
    ],
    ["Total cost", costText(t)],
    ["Cost per merged task", perMergedText(report)],
    ...(cost.budget ? [["Budget", budgetText(cost.budget, t, slugOf)] as [string, string]] : []),
  ];
}

function slugs(report: RunReport): (id: string) => string {
  const slugOf = new Map(report.tasks.map((t) => [t.id, t.slug]));
  return (id) => slugOf.get(id) ?? id;
}

/** One row per task and phase: task, attempt, phase, runs, tokens by kind, tokens, cost. */
function phaseCells(task: TaskReport, phase: PhaseUsage): string[] {
  return [
    task.slug,
    String(phase.attempt),
    phase.purpose,
    String(phase.runs),
    count(phase.inputTokens),
    count(phase.outputTokens),
    count(phase.cacheReadTokens),
    count(phase.cacheWriteTokens),
    tokensText(phase),
    costText(phase),
  ];
}

const PHASE_HEADER = [
  "Task",
  "Attempt",
  "Phase",
  "Runs",
  "Input",
  "Output",
  "Cache read",
  "Cache write",
  "Tokens",
  "Cost",
];

function phaseRows(report: RunReport): string[][] {
  const rows: string[][] = [];
  for (const task of report.tasks) {
    if (!task.usage || task.usage.length === 0) continue;
    for (const phase of task.usage) rows.push(phaseCells(task, phase));
    if (task.usage.length > 1) {
      const total = taskTotals(task);
      rows.push([
        task.slug,
        "",
        "all",
        String(total.runs),
        "",
        "",
        "",
        "",
        tokensText(total),
        costText(total),
      ]);
    }
  }
  return rows;
}

/** The Markdown cost section (empty without a cost). */
export function costMarkdown(report: RunReport, escapeCell: (text: string) => string): string[] {
  if (!report.cost) return [];
  const out = ["## Cost", "", "| Measure | Value |", "| --- | --- |"];
  for (const [name, value] of summaryRows(report)) out.push(`| ${name} | ${escapeCell(value)} |`);
  out.push("");
  const rows = phaseRows(report);
  if (rows.length > 0) {
    out.push("### Cost per task and phase", "");
    out.push(`| ${PHASE_HEADER.join(" | ")} |`, `| ${PHASE_HEADER.map(() => "---").join(" | ")} |`);
    for (const row of rows) out.push(`| ${row.map(escapeCell).join(" | ")} |`);
    out.push("");
  }
  return out;
}

/** The HTML cost section (empty without a cost). */
export function costHtml(report: RunReport, escapeHtml: (text: string) => string): string {
  if (!report.cost) return "";
  const summary = summaryRows(report)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join("");
  const rows = phaseRows(report)
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join("")}</tr>`)
    .join("\n");
  const phases = rows
    ? `<h3>Cost per task and phase</h3><table><thead><tr>${PHASE_HEADER.map((h) => `<th>${h}</th>`).join("")}</tr></thead>\n<tbody>\n${rows}\n</tbody></table>\n`
    : "";
  return `<h2>Cost</h2><table><tbody>${summary}</tbody></table>\n${phases}`;
}
