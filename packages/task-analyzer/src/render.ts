import type { ExecutionPlan, TaskData } from "@gadugi/interfaces";

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => pad(c, i === cells.length - 1 ? 0 : (widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

function filesOf(task: TaskData): string {
  if (task.targetFiles.length === 0) return "(none found)";
  const shown = task.targetFiles
    .slice(0, 3)
    .map((t) => (t.access === "modifies" ? t.path : `${t.path} (${t.access})`));
  return task.targetFiles.length > 3
    ? `${shown.join(", ")} +${task.targetFiles.length - 3}`
    : shown.join(", ");
}

/**
 * The plan as plain text: one row per task by level (what waits for what, type, complexity,
 * priority, files), then every edge with its reason, then skipped prompts and warnings.
 */
export function renderPlanTable(plan: ExecutionPlan): string {
  const byId = new Map(plan.tasks.map((t) => [t.id, t]));
  const slug = (id: string): string => byId.get(id)?.slug ?? id;
  const out: string[] = [];
  const edgeCount = plan.edges.length;
  out.push(
    `${plan.tasks.length} task${plan.tasks.length === 1 ? "" : "s"} in ${plan.levels.length} level${plan.levels.length === 1 ? "" : "s"}; ` +
      `${edgeCount} edge${edgeCount === 1 ? "" : "s"}; recommended parallelism ${plan.recommendedParallelism}`,
  );
  if (plan.tasks.length > 0) {
    out.push("");
    const rows: string[][] = [];
    plan.levels.forEach((level, i) => {
      for (const id of level) {
        const t = byId.get(id);
        if (!t) continue;
        rows.push([
          String(i + 1),
          t.slug,
          t.id,
          t.type,
          t.complexity,
          t.priority,
          t.dependencies.length > 0 ? t.dependencies.map(slug).join(", ") : "-",
          filesOf(t),
        ]);
      }
    });
    out.push(...table(["Level", "Task", "Id", "Type", "Complexity", "Priority", "Waits for", "Files"], rows));
  }
  if (plan.criticalPath.length > 0) {
    out.push("", `Critical path: ${plan.criticalPath.map(slug).join(" → ")}`);
  }
  const waiting = plan.edges.filter((e) => e.kind !== "hotspot");
  const hotspots = plan.edges.filter((e) => e.kind === "hotspot");
  if (waiting.length > 0) {
    out.push("", "Edges (the second task waits for the first):");
    for (const e of waiting) {
      const soft = e.hard ? "" : " (soft)";
      out.push(`  ${slug(e.from)} → ${slug(e.to)}  [${e.kind}${soft}] ${e.reason}`);
    }
  }
  if (hotspots.length > 0) {
    out.push("", "Shared files merged by rule (the tasks run at once):");
    for (const e of hotspots) out.push(`  ${slug(e.from)} ~ ${slug(e.to)}  [hotspot] ${e.reason}`);
  }
  if (plan.skipped.length > 0) {
    out.push("", "Skipped:");
    for (const s of plan.skipped) out.push(`  ${s.file}: ${s.reason}`);
  }
  if (plan.warnings.length > 0) {
    out.push("", "Warnings:");
    for (const w of plan.warnings) {
      const where = w.file ? `${w.file}${w.line ? `:${w.line}` : ""}: ` : "";
      out.push(`  ${where}${w.message}`);
    }
  }
  return `${out.join("\n")}\n`;
}

function mermaidText(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

/**
 * The plan as a Mermaid flowchart: a node per task (slug, type, complexity), solid arrows for hard
 * edges, dotted arrows for soft (import, hotspot) edges, each labelled with its kind.
 */
export function renderPlanMermaid(plan: ExecutionPlan): string {
  const node = new Map(plan.tasks.map((t, i) => [t.id, `t${i}`]));
  const out = ["flowchart TD"];
  for (const t of plan.tasks) {
    out.push(`  ${node.get(t.id)}["${mermaidText(t.slug)}<br/>${t.type} · ${t.complexity}"]`);
  }
  for (const e of plan.edges) {
    const from = node.get(e.from);
    const to = node.get(e.to);
    if (!from || !to) continue;
    const label =
      e.kind === "import"
        ? "imports"
        : e.kind === "same-file"
          ? "same file"
          : e.kind === "hotspot"
            ? "merged by rule"
            : "depends on";
    out.push(e.hard ? `  ${from} -->|${label}| ${to}` : `  ${from} -.->|${label}| ${to}`);
  }
  return `${out.join("\n")}\n`;
}
