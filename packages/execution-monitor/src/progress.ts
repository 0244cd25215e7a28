import type { RunEventInput } from "@gadugi/interfaces";

export type ProgressMode = "tty" | "plain" | "json";

/** A journal event, stamped (`RunEvent`) or not yet (`RunEventInput`). */
export type ProgressEvent = RunEventInput & { at?: string; seq?: number; runId?: string };

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressRendererOptions {
  mode: ProgressMode;
  stream: ProgressStream;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /** TTY redraws at most this often. Default 100 ms (10 fps). */
  minIntervalMs?: number;
}

export interface ProgressRenderer {
  readonly mode: ProgressMode;
  /** Takes one event of the run. */
  handle(event: ProgressEvent): void;
  /** Draws the final state (TTY) and stops the timers. */
  close(): void;
}

/**
 * `json` when asked for (`--json`); `plain` in CI (the CI variable set), on a dumb terminal or
 * when the stream is not a terminal; `tty` otherwise.
 */
export function chooseProgressMode(
  options: { json?: boolean; isTTY?: boolean; env?: Readonly<Record<string, string | undefined>> } = {},
): ProgressMode {
  if (options.json) return "json";
  const env = options.env ?? process.env;
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI.toLowerCase() !== "false";
  if (ci || env.TERM === "dumb" || !(options.isTTY ?? process.stdout.isTTY)) return "plain";
  return "tty";
}

interface TaskView {
  id: string;
  status: string;
  phase?: string;
  startedAt?: number;
  endedAt?: number;
  activity?: string;
  activityAt?: number;
  tokens: number;
  costUsd?: number;
  reason?: string;
}

const ICONS: Record<string, string> = {
  pending: "·",
  queued: "·",
  running: "▶",
  completed: "✓",
  failed: "✗",
  cancelled: "■",
  skipped: "-",
};

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
 * Shows a run's events as they come. `tty`: one live line per task (status, phase, elapsed, last
 * activity, tokens and cost) and a summary line, redrawn in place with ANSI cursor movement at
 * most 10 times a second. `plain`: one line per state change, nothing redrawn (CI logs). `json`:
 * each event as one JSON line.
 */
export function createProgressRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const { mode, stream } = options;
  const now = options.now ?? Date.now;
  const minInterval = options.minIntervalMs ?? 100;
  const tasks = new Map<string, TaskView>();
  let origin: number | undefined;
  let concurrency: number | undefined;
  let finished: string | undefined;
  let drawnLines = 0;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let closed = false;

  const timeOf = (event: ProgressEvent): number => {
    const parsed = event.at ? Date.parse(event.at) : Number.NaN;
    return Number.isNaN(parsed) ? now() : parsed;
  };

  const task = (id: string): TaskView => {
    let view = tasks.get(id);
    if (!view) {
      view = { id, status: "pending", tokens: 0 };
      tasks.set(id, view);
    }
    return view;
  };

  // Tasks are shown by slug (from task.added) rather than their long run-unique ids.
  const labels = new Map<string, string>();
  const label = (taskId: string) => labels.get(taskId) ?? taskId;

  /** Folds the event into the views; returns the plain-mode line, if the event is a state change. */
  const apply = (event: ProgressEvent, at: number): string | undefined => {
    switch (event.type) {
      case "run.started":
        return "run started";
      case "run.status":
        return `run ${event.status}${event.reason ? `: ${event.reason}` : ""}`;
      case "run.finished":
        finished = event.status;
        return `run finished: ${event.status} (${summaryCounts()})`;
      case "task.added":
        task(event.task.id);
        labels.set(event.task.id, event.task.slug);
        return undefined;
      case "task.status": {
        const view = task(event.taskId);
        view.status = event.status;
        view.reason = event.reason;
        if (event.status === "running" && view.startedAt === undefined) view.startedAt = at;
        if (["completed", "failed", "merge-failed", "cancelled", "skipped"].includes(event.status)) {
          view.endedAt = at;
        }
        const took =
          view.endedAt !== undefined && view.startedAt !== undefined && event.status !== "skipped"
            ? ` after ${formatDuration(view.endedAt - view.startedAt)}`
            : "";
        return `${label(event.taskId)} ${event.status}${took}${event.reason ? `: ${event.reason}` : ""}`;
      }
      case "phase.started":
        task(event.taskId).phase = event.phase;
        return `${label(event.taskId)} ${event.phase} started`;
      case "phase.finished": {
        const took = event.durationMs !== undefined ? ` in ${formatDuration(event.durationMs)}` : "";
        return `${label(event.taskId)} ${event.phase} ${event.status}${took}${event.reason ? `: ${event.reason}` : ""}`;
      }
      case "process.started": {
        const view = task(event.taskId);
        view.activity = `started pid ${event.pid}`;
        view.activityAt = at;
        return `${label(event.taskId)} process ${event.pid} started: ${oneLine(event.command.join(" "), 80)}`;
      }
      case "process.exited":
        return `${label(event.taskId)} process ${event.pid} exited ${
          event.signal ? `on ${event.signal}` : `with code ${event.exitCode}`
        }`;
      case "agent.event": {
        const view = task(event.taskId);
        const e = event.event;
        if (e.type === "text") view.activity = oneLine(e.text);
        else if (e.type === "tool_call") view.activity = `tool: ${e.tool}`;
        else if (e.type === "permission_denied") view.activity = `denied: ${e.tool}`;
        else if (e.type === "warning") view.activity = `warning: ${oneLine(e.message)}`;
        const usage = e.type === "usage" || e.type === "finished" ? e.usage : undefined;
        if (usage) {
          view.tokens = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
          if (usage.costUsd !== undefined) view.costUsd = usage.costUsd;
        }
        if (e.type !== "usage") view.activityAt = at;
        return undefined;
      }
      case "concurrency.changed":
        concurrency = event.to;
        return `concurrency ${event.from} → ${event.to}: ${event.reason}`;
      case "breaker.state":
        return `circuit breaker "${event.name}" ${event.state}${event.reason ? `: ${event.reason}` : ""}`;
      case "merge.result":
        return `${label(event.taskId)} merge ${event.status}${event.reason ? `: ${event.reason}` : ""}`;
      case "warning":
        return `warning${event.taskId ? ` ${label(event.taskId)}` : ""}: ${event.message}`;
      case "error":
        return `error ${event.context.code}: ${event.context.message}`;
      default:
        return undefined;
    }
  };

  const counts = () => {
    const c = { done: 0, running: 0, queued: 0, failed: 0, other: 0 };
    for (const t of tasks.values()) {
      if (t.status === "completed") c.done++;
      else if (t.status === "running") c.running++;
      else if (t.status === "queued" || t.status === "pending") c.queued++;
      else if (t.status === "failed" || t.status === "merge-failed") c.failed++;
      else c.other++;
    }
    return c;
  };

  function summaryCounts(): string {
    const c = counts();
    return `${c.done} done, ${c.failed} failed, ${c.other} skipped or cancelled`;
  }

  const frame = (): string[] => {
    const t = now();
    const width = Math.max(40, stream.columns ?? 100);
    const idWidth = Math.min(32, Math.max(4, ...[...tasks.keys()].map((id) => label(id).length)));
    const lines = [...tasks.values()].map((v) => {
      const elapsed = v.startedAt !== undefined ? formatDuration((v.endedAt ?? t) - v.startedAt) : "";
      const activity =
        v.status === "running"
          ? v.activity
            ? `${v.activity}${v.activityAt !== undefined ? ` (${formatDuration(t - v.activityAt)} ago)` : ""}`
            : ""
          : (v.reason ?? "");
      const cost = [
        v.tokens > 0 ? formatTokens(v.tokens) : "",
        v.costUsd !== undefined ? `$${v.costUsd.toFixed(2)}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      const line = [
        `${ICONS[v.status] ?? "?"} ${label(v.id).padEnd(idWidth)}`,
        v.status.padEnd(9),
        (v.phase ?? "").padEnd(14),
        elapsed.padStart(7),
        cost.padEnd(16),
        oneLine(activity, 60),
      ].join("  ");
      return line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line.trimEnd();
    });
    const c = counts();
    const parts = [
      `${c.done}/${tasks.size} done`,
      `${c.running} running`,
      `${c.queued} queued`,
      `${c.failed} failed`,
      `${formatDuration(t - (origin ?? t))} elapsed`,
    ];
    if (concurrency !== undefined) parts.push(`concurrency ${concurrency}`);
    if (finished) parts.push(`run ${finished}`);
    lines.push(parts.join(" · "));
    return lines;
  };

  const draw = () => {
    pending = undefined;
    lastDraw = now();
    const lines = frame();
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A` : "";
    for (const line of lines) out += `\x1b[2K${line}\n`;
    if (lines.length < drawnLines) out += "\x1b[J";
    drawnLines = lines.length;
    stream.write(out);
  };

  const requestDraw = () => {
    if (closed || pending) return;
    const wait = Math.max(0, lastDraw + minInterval - now());
    if (wait === 0) {
      draw();
      return;
    }
    pending = setTimeout(draw, wait);
    pending.unref?.();
  };

  return {
    mode,
    handle(event) {
      if (closed) return;
      const at = timeOf(event);
      origin ??= at;
      if (mode === "json") {
        apply(event, at);
        stream.write(`${JSON.stringify(event.at ? event : { ...event, at: new Date(at).toISOString() })}\n`);
        return;
      }
      const line = apply(event, at);
      if (mode === "plain") {
        if (line !== undefined) stream.write(`[${formatDuration(at - origin)}] ${line}\n`);
        return;
      }
      if (!ticker) {
        ticker = setInterval(requestDraw, 1000);
        ticker.unref?.();
      }
      requestDraw();
    },
    close() {
      if (closed) return;
      if (pending) clearTimeout(pending);
      if (ticker) clearInterval(ticker);
      if (mode === "tty" && tasks.size > 0) draw();
      closed = true;
    },
  };
}
