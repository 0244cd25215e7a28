import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A codex-like fake CLI for the budget tests: it prints `thread.started`, then one
 * `turn.completed` every FAKE_PACE_MS whose usage is cumulative (FAKE_INPUT_STEP input and
 * FAKE_OUTPUT_STEP output tokens more each time), FAKE_TURNS times, then exits 0. Every signal it
 * gets is appended to FAKE_SIGNALS_FILE first; SIGINT makes it exit 130 (as the real CLIs do),
 * unless FAKE_IGNORE_SIGINT=1; SIGTERM makes it exit 143.
 */
const STREAMER = `
const fs = require("node:fs");
const env = process.env;
const record = (signal) =>
  fs.appendFileSync(env.FAKE_SIGNALS_FILE, JSON.stringify({ signal, at: Date.now() }) + "\\n");
process.on("SIGINT", () => {
  record("SIGINT");
  if (env.FAKE_IGNORE_SIGINT !== "1") process.exit(130);
});
process.on("SIGTERM", () => {
  record("SIGTERM");
  process.exit(143);
});
const turns = Number(env.FAKE_TURNS ?? "1000");
const pace = Number(env.FAKE_PACE_MS ?? "100");
const inputStep = Number(env.FAKE_INPUT_STEP ?? "100000");
const outputStep = Number(env.FAKE_OUTPUT_STEP ?? "10000");
console.log(JSON.stringify({ type: "thread.started", thread_id: "fake-thread" }));
let turn = 0;
const timer = setInterval(() => {
  turn++;
  const usage = { input_tokens: inputStep * turn, cached_input_tokens: 0, output_tokens: outputStep * turn };
  console.log(JSON.stringify({ type: "turn.completed", usage }));
  if (turn >= turns) {
    clearInterval(timer);
    setTimeout(() => process.exit(0), 20);
  }
}, pace);
`;

export interface UsageStreamer {
  /** `agent.command` for a codex agent: node and the script (codex's own arguments follow, unread). */
  command: string[];
  signalsFile: string;
  /** The signals it got so far, oldest first, with when (ms since the epoch). */
  signals(): Array<{ signal: string; at: number }>;
}

export function createUsageStreamer(dir: string): UsageStreamer {
  const script = join(dir, "usage-streamer.cjs");
  writeFileSync(script, STREAMER);
  const signalsFile = join(dir, "signals.jsonl");
  return {
    command: [process.execPath, script],
    signalsFile,
    signals: () =>
      existsSync(signalsFile)
        ? readFileSync(signalsFile, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { signal: string; at: number })
        : [],
  };
}
