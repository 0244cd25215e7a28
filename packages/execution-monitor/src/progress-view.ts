import { CostLedger, formatUsd, totalsTokens } from "@gadugi/cost";
import {
  FINISHED_TASK_STATUSES,
  type RunBudget,
  type TaskStatus,
  UNLANDED_TASK_STATUSES,
  type UsageTotals,
} from "@gadugi/interfaces";
import type { ProgressEvent, ProgressStream } from "./progress.js";

interface TaskView {
  id: string;
  status: string;
  phase?: string;
  startedAt?: number;
  endedAt?: number;
  activity?: string;
  activityAt?: number;
  reason?: string;
}

const ICONS: Record<string, string> = {
  pending: "·",
  queued: "·",
  running: "▶",
  completed: "✓",
  failed: "✗",
  "merge-failed": "✗",
  "changes-requested": "✎",
  cancelled: "■",
  skipped: "-",
  "budget-exceeded": "$",
};

const usd = formatUsd;

/**
 * `$0.42`, `≥ $0.42` when some cost is unknown, `$?` when none is known; empty when nothing ran.
 * Compact for the live line; the report and `gadugi status` say the same with `costText` of @gadugi/cost.
 */
function costText(totals: UsageTotals): string {
  if (totals.runs === 0) return "";
  if (totals.unknownCostRuns === 0) return usd(totals.costUsd);
  return totals.costUsd > 0 ? `≥ ${usd(totals.costUsd)}` : "$?";
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function formatTokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M tok`;
  if (n >= 1000) return `${(n / 1000).toFixed(1)}k tok`;
  return `${n} tok`;
}

function oneLine(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * What the progress view knows of a run, folded from its events: one view per task (status,
 * phase, times, last activity, tokens and cost), the concurrency and the run's end. `apply`
 * answers the plain-mode line of an event that changes state; `frame` draws the TTY lines.
 */
export class RunView {
  readonly tasks = new Map<string, TaskView>();
  /** Tasks are shown by slug (from task.added) rather than their long run-unique ids. */
  readonly #labels = new Map<string, string>();
  #concurrency: number | undefined;
  #finished: string | undefined;
  /**
   * Spend per task and phase, as the report adds it up. No pricing table here: the orchestrator
   * prices usage before it journals it, so every event seen carries its cost (or none: unknown).
   */
  readonly #ledger = new CostLedger();
  #budget: RunBudget | undefined;

  get size(): number {
    return this.tasks.size;
  }

  label(taskId: string): string {
    return this.#labels.get(taskId) ?? taskId;
  }

  #task(id: string): TaskView {
    let view = this.tasks.get(id);
    if (!view) {
      view = { id, status: "pending" };
      this.tasks.set(id, view);
    }
    return view;
  }

  /** Folds the event into the views; returns the plain-mode line, if the event is a state change. */
  apply(event: ProgressEvent, at: number): string | undefined {
    switch (event.type) {
      case "run.started":
        return "run started";
      case "run.settings":
        this.#budget = event.settings.budget;
        return undefined;
      case "budget.threshold":
        return `budget: ${event.percent} % reached (${this.spendLine()})${event.percent >= 100 ? ": no task starts any more and running agents are stopped" : ""}`;
      case "agent.run":
        this.#ledger.apply(event);
        return undefined;
      case "run.status":
        return `run ${event.status}${event.reason ? `: ${event.reason}` : ""}`;
      case "run.finished":
        this.#finished = event.status;
        return `run finished: ${event.status} (${this.summaryCounts()})`;
      case "task.added":
        this.#task(event.task.id);
        this.#labels.set(event.task.id, event.task.slug);
        return undefined;
      case "task.status":
        return this.#status(event, at);
      case "phase.started":
        this.#task(event.taskId).phase = event.phase;
        return `${this.label(event.taskId)} ${event.phase} started`;
      case "phase.finished": {
        const took = event.durationMs !== undefined ? ` in ${formatDuration(event.durationMs)}` : "";
        return `${this.label(event.taskId)} ${event.phase} ${event.status}${took}${event.reason ? `: ${event.reason}` : ""}`;
      }
      case "process.started": {
        const view = this.#task(event.taskId);
        view.activity = `started pid ${event.pid}`;
        view.activityAt = at;
        return `${this.label(event.taskId)} process ${event.pid} started: ${oneLine(event.command.join(" "), 80)}`;
      }
      case "process.exited":
        return `${this.label(event.taskId)} process ${event.pid} exited ${
          event.signal ? `on ${event.signal}` : `with code ${event.exitCode}`
        }`;
      case "agent.event":
        this.#ledger.apply(event);
        this.#agentEvent(event, at);
        return undefined;
      case "concurrency.changed":
        this.#concurrency = event.to;
        return `concurrency ${event.from} → ${event.to}: ${event.reason}`;
      case "breaker.state":
        return `circuit breaker "${event.name}" ${event.state}${event.reason ? `: ${event.reason}` : ""}`;
      case "merge.result":
        return `${this.label(event.taskId)} merge ${event.status}${event.reason ? `: ${event.reason}` : ""}`;
      case "warning":
        return `warning${event.taskId ? ` ${this.label(event.taskId)}` : ""}: ${event.message}`;
      case "error":
        return `error ${event.context.code}: ${event.context.message}`;
      default:
        return undefined;
    }
  }

  #status(event: Extract<ProgressEvent, { type: "task.status" }>, at: number): string {
    const view = this.#task(event.taskId);
    view.status = event.status;
    view.reason = event.reason;
    if (event.status === "running" && view.startedAt === undefined) view.startedAt = at;
    if (FINISHED_TASK_STATUSES.has(event.status)) view.endedAt = at;
    const took =
      view.endedAt !== undefined && view.startedAt !== undefined && event.status !== "skipped"
        ? ` after ${formatDuration(view.endedAt - view.startedAt)}`
        : "";
    return `${this.label(event.taskId)} ${event.status}${took}${event.reason ? `: ${event.reason}` : ""}`;
  }

  #agentEvent(event: Extract<ProgressEvent, { type: "agent.event" }>, at: number): void {
    const view = this.#task(event.taskId);
    const e = event.event;
    if (e.type === "text") view.activity = oneLine(e.text);
    else if (e.type === "tool_call") view.activity = `tool: ${e.tool}`;
    else if (e.type === "permission_denied") view.activity = `denied: ${e.tool}`;
    else if (e.type === "warning") view.activity = `warning: ${oneLine(e.message)}`;
    if (e.type !== "usage") view.activityAt = at;
  }

  counts(): {
    done: number;
    running: number;
    queued: number;
    failed: number;
    stopped: number;
    other: number;
  } {
    const c = { done: 0, running: 0, queued: 0, failed: 0, stopped: 0, other: 0 };
    for (const t of this.tasks.values()) {
      if (t.status === "completed") c.done++;
      else if (t.status === "budget-exceeded") c.stopped++;
      else if (t.status === "running") c.running++;
      else if (t.status === "queued" || t.status === "pending") c.queued++;
      else if (UNLANDED_TASK_STATUSES.has(t.status as TaskStatus)) c.failed++;
      else c.other++;
    }
    return c;
  }

  /** `spent $0.42 of $2.00` (tokens too when the budget caps them). */
  spendLine(): string {
    const totals = this.#ledger.totals();
    const spent = costText(totals) || usd(0);
    const tokens = totalsTokens(totals);
    const parts = [
      `spent ${spent}${this.#budget?.maxUsd === undefined ? "" : ` of ${usd(this.#budget.maxUsd)}`}`,
    ];
    if (this.#budget?.maxTokens !== undefined)
      parts.push(`${formatTokens(tokens)} of ${formatTokens(this.#budget.maxTokens)}`);
    return parts.join(", ");
  }

  summaryCounts(): string {
    const c = this.counts();
    const stopped = c.stopped > 0 ? `, ${c.stopped} stopped at the budget` : "";
    return `${c.done} done, ${c.failed} failed${stopped}, ${c.other} skipped or cancelled`;
  }

  /** The TTY lines at time `t`: one per task, then the summary line. */
  frame(t: number, origin: number | undefined, stream: ProgressStream): string[] {
    const width = Math.max(40, stream.columns ?? 100);
    const idWidth = Math.min(32, Math.max(4, ...[...this.tasks.keys()].map((id) => this.label(id).length)));
    const lines = [...this.tasks.values()].map((v) => {
      const line = this.#taskLine(v, t, idWidth);
      return line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line.trimEnd();
    });
    const c = this.counts();
    const parts = [
      `${c.done}/${this.tasks.size} done`,
      `${c.running} running`,
      `${c.queued} queued`,
      `${c.failed} failed`,
      ...(c.stopped > 0 ? [`${c.stopped} stopped at the budget`] : []),
      `${formatDuration(t - (origin ?? t))} elapsed`,
    ];
    if (this.#concurrency !== undefined) parts.push(`concurrency ${this.#concurrency}`);
    if (this.#ledger.totals().runs > 0 || this.#budget !== undefined) parts.push(this.spendLine());
    if (this.#finished) parts.push(`run ${this.#finished}`);
    lines.push(parts.join(" · "));
    return lines;
  }

  #taskLine(v: TaskView, t: number, idWidth: number): string {
    const elapsed = v.startedAt !== undefined ? formatDuration((v.endedAt ?? t) - v.startedAt) : "";
    const activity =
      v.status === "running"
        ? v.activity
          ? `${v.activity}${v.activityAt !== undefined ? ` (${formatDuration(t - v.activityAt)} ago)` : ""}`
          : ""
        : (v.reason ?? "");
    const used = this.#ledger.task(v.id);
    const tokens = totalsTokens(used);
    const cost = [tokens > 0 ? formatTokens(tokens) : "", costText(used)].filter(Boolean).join(" ");
    return [
      `${ICONS[v.status] ?? "?"} ${this.label(v.id).padEnd(idWidth)}`,
      v.status.padEnd(9),
      (v.phase ?? "").padEnd(14),
      elapsed.padStart(7),
      cost.padEnd(16),
      oneLine(activity, 60),
    ].join("  ");
  }
}
