import type { RunEventInput } from "@gadugi/interfaces";
import { formatDuration, RunView } from "./progress-view.js";

export { formatDuration } from "./progress-view.js";

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
  const view = new RunView();
  let origin: number | undefined;
  let drawnLines = 0;
  let lastDraw = 0;
  let pending: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let closed = false;

  const timeOf = (event: ProgressEvent): number => {
    const parsed = event.at ? Date.parse(event.at) : Number.NaN;
    return Number.isNaN(parsed) ? now() : parsed;
  };

  const draw = () => {
    pending = undefined;
    lastDraw = now();
    const lines = view.frame(lastDraw, origin, stream);
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
        view.apply(event, at);
        stream.write(`${JSON.stringify(event.at ? event : { ...event, at: new Date(at).toISOString() })}\n`);
        return;
      }
      const line = view.apply(event, at);
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
      if (mode === "tty" && view.size > 0) draw();
      closed = true;
    },
  };
}
