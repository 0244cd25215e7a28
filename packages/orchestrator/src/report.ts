import type { CostLedger } from "@gadugi/cost";
import type {
  GadugiConfig,
  IntegrationPullRequest,
  IntegrationTestReport,
  PhaseReport,
  PhaseStatus,
  RunReport,
  RunState,
  TaskReport,
} from "@gadugi/interfaces";
import { activeDurationMs } from "@gadugi/task-tracking";
import { taskGovernance } from "@gadugi/workflow-manager";
import { ledgerOfAgentRuns, taskCost } from "./report-cost.js";
import { costHtml, costMarkdown, taskCostCell, taskTokensCell } from "./report-cost-render.js";
import { governanceHtml, governanceMarkdown } from "./report-governance.js";
import { mergeRulesHtml, mergeRulesMarkdown } from "./report-merge-rules.js";
import { reviewHtml, reviewMarkdown, reviewOf } from "./report-review.js";
import { speedupText } from "./speedup.js";

// The report's shapes are schemas of @gadugi/interfaces, so a stored report is read back validated.
export type { IntegrationPullRequest, IntegrationTestReport, PhaseReport, RunReport, TaskReport };

/** Per-task facts the state does not hold (measured by the engine while the run went on). */
export interface TaskExtras {
  agent?: string;
  filesChanged?: string[];
}

/** The agent of each attempt's implementation, as journaled (a resume may change it). */
function attemptAgentsOf(state: RunState, id: string): Pick<TaskReport, "attemptAgents"> {
  const runs = state.agentRuns[id] ?? [];
  if (runs.length === 0) return {};
  const attemptAgents: { attempt: number; agent: string }[] = [];
  for (const run of runs) {
    if (run.purpose !== "implementation" && run.purpose !== "conflict-resolution") continue;
    const last = attemptAgents.at(-1);
    if (last?.attempt === run.attempt) last.agent = run.agent;
    else attemptAgents.push({ attempt: run.attempt, agent: run.agent });
  }
  return attemptAgents.length > 0 ? { attemptAgents } : {};
}

/**
 * Each task's report; with the run's `workflow` config, its governance section from its phase
 * records. Tokens and cost come from `ledger` (the run's journal, see run-report.ts), else from
 * the state's journaled agent runs priced with the default prices.
 */
export function buildTaskReports(
  state: RunState,
  extras: Record<string, TaskExtras> = {},
  workflow?: Pick<GadugiConfig["workflow"], "requiredPhases" | "allowSkip">,
  ledger: CostLedger = ledgerOfAgentRuns(state),
): TaskReport[] {
  return state.taskIds.map((id) => {
    const task = state.tasks[id];
    const def = state.definitions[id];
    const extra = extras[id] ?? {};
    const journaled = attemptAgentsOf(state, id);
    const startedAt = task?.startedAt;
    const endedAt = task?.endedAt;
    const report: TaskReport = {
      id,
      slug: def?.slug ?? id,
      name: def?.name ?? id,
      status: task?.status ?? "pending",
      agent: journaled.attemptAgents?.at(-1)?.agent ?? extra.agent ?? def?.agent ?? "default",
      ...(journaled.attemptAgents ? { attemptAgents: journaled.attemptAgents } : {}),
      attempts: task?.attempts ?? 0,
      phases: (task?.phases ?? []).map((p) => ({
        phase: p.phase,
        status: p.status,
        ...(p.startedAt === undefined ? {} : { startedAt: p.startedAt }),
        ...(p.endedAt === undefined ? {} : { endedAt: p.endedAt }),
        ...(p.durationMs === undefined ? {} : { durationMs: p.durationMs }),
        ...(p.reason === undefined ? {} : { reason: p.reason }),
        ...(typeof p.data.summary === "string" ? { note: p.data.summary } : {}),
      })),
      ...taskCost(ledger, id),
      filesChanged: extra.filesChanged ?? [],
    };
    if (task?.branch) report.branch = task.branch;
    if (startedAt) report.startedAt = startedAt;
    if (endedAt) report.endedAt = endedAt;
    // Time nobody ran the run (before a resume) is not the task's.
    if (startedAt && endedAt) {
      report.durationMs = activeDurationMs(Date.parse(startedAt), Date.parse(endedAt), state.pauses);
    }
    const merge = state.merges[id];
    if (merge) report.merge = merge;
    if (task?.error) report.error = task.error;
    if (workflow && task && task.phases.length > 0) report.governance = taskGovernance(workflow, task.phases);
    const review = reviewOf(task?.phases ?? []);
    if (review) report.review = review;
    return report;
  });
}

/** The agent, or each attempt's when they differ: "alpha (attempt 1), beta (attempt 2)". */
function agentCell(t: TaskReport): string {
  const agents = t.attemptAgents ?? [];
  if (new Set(agents.map((a) => a.agent)).size <= 1) return t.agent;
  return agents.map((a) => `${a.agent} (attempt ${a.attempt})`).join(", ");
}

const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(1)}s`);

/** A Mermaid Gantt chart of the run: one section per task, one bar per timed phase. */
export function renderGanttMermaid(report: RunReport): string {
  const lines = ["gantt", `  title Run ${report.runId}`, "  dateFormat x", "  axisFormat %M:%S"];
  for (const task of report.tasks) {
    const phases = task.phases.filter((p) => p.startedAt && p.endedAt);
    if (phases.length === 0) continue;
    lines.push(`  section ${task.slug}`);
    for (const p of phases) {
      const start = Date.parse(p.startedAt as string);
      const end = Math.max(Date.parse(p.endedAt as string), start + 1);
      const tag = p.status === "failed" ? "crit, " : p.status === "skipped" ? "done, " : "";
      lines.push(`  ${p.phase} :${tag}${start}, ${end}`);
    }
  }
  return lines.join("\n");
}

/** The report as Markdown: summary, tasks, merges, integration tests and the Gantt chart. */
export function renderReportMarkdown(report: RunReport): string {
  const m = report.metrics;
  const out: string[] = [];
  out.push(`# Gadugi run ${report.runId}`, "");
  out.push(
    `Status: **${report.status}** · base ${report.baseRef ?? "?"} (${report.baseCommit?.slice(0, 10) ?? "?"})`,
  );
  if (report.integrationBranch) {
    out.push(
      `Integration branch: \`${report.integrationBranch}\` at ${report.integrationCommit?.slice(0, 10) ?? "?"}`,
    );
  }
  out.push("");
  out.push("| Measure | Value |", "| --- | --- |");
  out.push(`| Wall time | ${seconds(m.wallTimeMs)} |`);
  out.push(`| Sum of task durations | ${seconds(m.sumTaskDurationsMs)} |`);
  const gain = speedupText(m);
  out.push(`| Measured speedup | ${"none" in gain ? gain.none : gain.speedup} |`);
  out.push(`| Parallel efficiency | ${"none" in gain ? "—" : `${gain.efficiency} slots`} |`);
  const slugOf = new Map(report.tasks.map((t) => [t.id, t.slug]));
  const path = m.criticalPath.map((id) => slugOf.get(id) ?? id).join(" → ");
  out.push(`| Critical path | ${path || "—"} (${seconds(m.criticalPathMs)}) |`);
  out.push(
    `| Tasks | ${m.tasksCompleted} completed, ${m.tasksFailed} failed, ${m.tasksSkipped} skipped, ${m.tasksCancelled} cancelled of ${m.tasksTotal} |`,
  );
  out.push("");
  out.push("Speedup is the sum of the tasks' own durations divided by the run's wall time, as measured.");
  out.push("");
  out.push("## Tasks", "");
  out.push("| Task | Status | Agent | Duration | Tokens | Cost | Files changed | Merge |");
  out.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const t of report.tasks) {
    const merge = t.merge
      ? `${t.merge.status}${t.merge.conflictFiles.length ? ` (${t.merge.conflictFiles.join(", ")})` : ""}`
      : "—";
    out.push(
      `| ${t.slug} | ${t.status}${t.error ? `: ${escapeCell(t.error)}` : ""} | ${agentCell(t)} | ${seconds(t.durationMs)} | ${taskTokensCell(t)} | ${escapeCell(taskCostCell(t))} | ${t.filesChanged.length} | ${merge} |`,
    );
  }
  out.push("", ...costMarkdown(report, escapeCell), "## Phases", "");
  for (const t of report.tasks) {
    out.push(`### ${t.slug}`, "");
    if (t.phases.length === 0) {
      out.push("(no phase ran)", "");
      continue;
    }
    out.push("| Phase | Status | Duration | Note |", "| --- | --- | --- | --- |");
    for (const p of t.phases) {
      out.push(
        `| ${p.phase} | ${p.status} | ${seconds(p.durationMs)} | ${escapeCell(p.reason ?? p.note ?? "")} |`,
      );
    }
    out.push("", ...governanceMarkdown(t, escapeCell));
    out.push(...reviewMarkdown(t, escapeCell));
  }
  out.push(...mergeRulesMarkdown(report, escapeCell));
  if (report.integrationTests) {
    const it = report.integrationTests;
    out.push("## Tests on the integration branch", "");
    out.push(
      `\`${it.command.join(" ")}\`: **${it.ok ? "passed" : "failed"}** (exit ${it.exitCode ?? "signal"}, ${seconds(it.durationMs)}). Log: ${it.logFile}`,
    );
    if (it.reason) out.push("", it.reason);
    out.push("");
  }
  if (report.integrationPullRequest) {
    const pr = report.integrationPullRequest;
    out.push("## Integration pull request", "", pr.url ? `#${pr.number} ${pr.note}: ${pr.url}` : pr.note, "");
  }
  if (report.warnings.length > 0) {
    out.push("## Warnings", "", ...report.warnings.map((w) => `- ${w}`), "");
  }
  out.push("## Timeline", "", "```mermaid", renderGanttMermaid(report), "```", "");
  return out.join("\n");
}

function speedupHtml(m: RunReport["metrics"]): string {
  const gain = speedupText(m);
  if ("none" in gain) return escapeHtml(gain.none);
  return `measured speedup <strong>${gain.speedup}</strong>, parallel efficiency ${gain.efficiency} slots`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PHASE_COLOURS: Record<PhaseStatus, string> = {
  completed: "#2f9e44",
  failed: "#e03131",
  skipped: "#adb5bd",
  running: "#1971c2",
  pending: "#dee2e6",
};

/**
 * A standalone HTML report with the Gantt chart drawn as inline SVG, so it renders offline
 * without Mermaid's JavaScript.
 */
export function renderReportHtml(report: RunReport): string {
  const timed = report.tasks.flatMap((t) => t.phases.filter((p) => p.startedAt && p.endedAt));
  const start = Math.min(
    ...timed.map((p) => Date.parse(p.startedAt as string)),
    Date.parse(report.startedAt),
  );
  const end = Math.max(...timed.map((p) => Date.parse(p.endedAt as string)), start + 1);
  const width = 900;
  const label = 180;
  const row = 26;
  const scale = (width - label - 20) / (end - start);
  const bars: string[] = [];
  report.tasks.forEach((t, i) => {
    const y = 30 + i * row;
    bars.push(`<text x="4" y="${y + 15}" font-size="12">${escapeHtml(t.slug)}</text>`);
    for (const p of t.phases) {
      if (!p.startedAt || !p.endedAt) continue;
      const x = label + (Date.parse(p.startedAt) - start) * scale;
      const w = Math.max(2, (Date.parse(p.endedAt) - Date.parse(p.startedAt)) * scale);
      bars.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${row - 8}" fill="${PHASE_COLOURS[p.status]}"><title>${escapeHtml(`${t.slug} · ${p.phase}: ${p.status} ${seconds(p.durationMs)}${(p.reason ?? p.note) ? ` — ${p.reason ?? p.note}` : ""}`)}</title></rect>`,
      );
    }
  });
  const total = end - start;
  const ticks: string[] = [];
  for (let k = 0; k <= 5; k++) {
    const x = label + (total * k * scale) / 5;
    ticks.push(
      `<line x1="${x}" y1="20" x2="${x}" y2="${30 + report.tasks.length * row}" stroke="#eee"/><text x="${x}" y="14" font-size="10" text-anchor="middle">${seconds((total * k) / 5)}</text>`,
    );
  }
  const height = 40 + report.tasks.length * row;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Gantt chart of the run">${ticks.join("")}${bars.join("")}</svg>`;
  const m = report.metrics;
  const rows = report.tasks
    .map(
      (t) =>
        `<tr><td>${escapeHtml(t.slug)}</td><td>${escapeHtml(t.status)}</td><td>${escapeHtml(agentCell(t))}</td><td>${seconds(t.durationMs)}</td><td>${escapeHtml(taskTokensCell(t))}</td><td>${escapeHtml(taskCostCell(t))}</td><td>${t.filesChanged.length}</td><td>${escapeHtml(t.merge?.status ?? "—")}</td><td>${escapeHtml(t.error ?? "")}</td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gadugi run ${escapeHtml(report.runId)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#f5f5f5}</style>
</head><body>
<h1>Gadugi run ${escapeHtml(report.runId)}</h1>
<p>Status: <strong>${escapeHtml(report.status)}</strong>. Wall time ${seconds(m.wallTimeMs)}, sum of task durations ${seconds(m.sumTaskDurationsMs)}, ${speedupHtml(m)}.</p>
<h2>Timeline</h2>
${svg}
<h2>Tasks</h2>
<table><thead><tr><th>Task</th><th>Status</th><th>Agent</th><th>Duration</th><th>Tokens</th><th>Cost</th><th>Files</th><th>Merge</th><th>Error</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${costHtml(report, escapeHtml)}${governanceHtml(report, escapeHtml)}${reviewHtml(report, escapeHtml)}${mergeRulesHtml(report, escapeHtml)}${report.integrationTests ? `<h2>Tests on the integration branch</h2><p><code>${escapeHtml(report.integrationTests.command.join(" "))}</code>: <strong>${report.integrationTests.ok ? "passed" : "failed"}</strong></p>` : ""}
</body></html>
`;
}
