import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type CaptureName, captureFiles } from "./fixtures.js";

/** Environment variables a fake agent records by default (a trailing `*` matches a prefix). */
export const DEFAULT_RECORDED_ENV = [
  "GADUGI_*",
  "ANTHROPIC_*",
  "CLAUDE_*",
  "OPENAI_*",
  "CODEX_*",
  "GEMINI_*",
  "GOOGLE_*",
  "OPENCODE_*",
  "AMP_*",
  "IS_SANDBOX",
  "HOME",
  "GIT_*",
];

export interface FakeAgentOptions {
  /** Executable name, e.g. "claude"; the file is `<dir>/<name>`. */
  name: string;
  /** Capture to replay from fixtures/agent-cli/runs. Optional when `stdout` is given. */
  capture?: CaptureName;
  /** Replaces the capture's stdout. */
  stdout?: string;
  /** Replaces the capture's stderr. */
  stderr?: string;
  /** Replaces the capture's real exit code (0 without a capture). */
  exitCode?: number;
  /** Sleep before each line of output (stderr first, then stdout). */
  delayMs?: number;
  /** Files written relative to the agent's cwd before it prints anything, to simulate edits. */
  writeFiles?: Record<string, string>;
  /** Append one JSON line per invocation to this file: argv, cwd, env subset, stdin. */
  recordArgsTo?: string;
  /** Env names recorded (`PREFIX_*` allowed). Default DEFAULT_RECORDED_ENV. */
  recordEnv?: readonly string[];
  /**
   * Read stdin to EOF before doing anything, as codex does (default true). The caller must close
   * stdin (or pass /dev/null), like with the real CLI.
   */
  readStdin?: boolean;
}

export interface FakeAgentCall {
  name: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
  pid: number;
}

export interface FakeAgent {
  /** Absolute path of the executable. */
  path: string;
  dir: string;
  name: string;
  exitCode: number;
  /** Invocations recorded so far (empty without `recordArgsTo`). */
  calls(): FakeAgentCall[];
}

/** The invocations a fake agent recorded in `file` (JSON lines), oldest first. */
export function readFakeAgentCalls(file: string): FakeAgentCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as FakeAgentCall);
}

function shebang(): string {
  const node = process.execPath;
  return /^[\w./+-]+$/.test(node) && node.length < 120 ? `#!${node}` : "#!/usr/bin/env node";
}

// Dynamic import works whether node loads the extensionless file as CommonJS or as ESM.
const SCRIPT_BODY = `
(async () => {
  const fs = await import("node:fs");
  const path = await import("node:path");
  const config = JSON.parse(CONFIG);
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
  let stdin = "";
  if (config.readStdin && !process.stdin.isTTY) {
    stdin = await new Promise((done) => {
      const chunks = [];
      const finish = () => done(Buffer.concat(chunks).toString("utf8"));
      process.stdin.on("data", (chunk) => chunks.push(chunk));
      process.stdin.on("end", finish);
      process.stdin.on("error", finish);
    });
  }
  if (config.recordArgsTo) {
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
      const match = config.recordEnv.some((p) => (p.endsWith("*") ? key.startsWith(p.slice(0, -1)) : key === p));
      if (match && value !== undefined) env[key] = value;
    }
    const call = { name: config.name, argv: process.argv.slice(2), cwd: process.cwd(), env, stdin, pid: process.pid };
    fs.appendFileSync(config.recordArgsTo, JSON.stringify(call) + "\\n");
  }
  for (const [file, content] of Object.entries(config.writeFiles)) {
    const target = path.resolve(process.cwd(), file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const write = (stream, chunk) => new Promise((done) => stream.write(chunk, () => done()));
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const load = (text, file) =>
    text !== null ? Buffer.from(text, "utf8") : file ? fs.readFileSync(file) : Buffer.alloc(0);
  const replay = async (stream, data) => {
    if (!config.delayMs) {
      if (data.length > 0) await write(stream, data);
      return;
    }
    for (let start = 0; start < data.length; ) {
      const newline = data.indexOf(10, start);
      const end = newline === -1 ? data.length : newline + 1;
      await sleep(config.delayMs);
      await write(stream, data.subarray(start, end));
      start = end;
    }
  };
  await replay(process.stderr, load(config.stderr, config.stderrFile));
  await replay(process.stdout, load(config.stdout, config.stdoutFile));
  process.exitCode = config.exitCode;
})().catch((error) => {
  process.stderr.write("fake agent failed: " + (error && error.stack ? error.stack : error) + "\\n");
  process.exitCode = 70;
});
`;

/**
 * Writes an executable `<dir>/<name>` (a node script) that behaves like a real agent CLI run:
 * it replays a capture's stdout and stderr byte for byte and exits with the run's real exit code
 * (CAPTURE_EXIT_CODES), optionally after writing files and recording how it was called.
 */
export function createFakeAgent(dir: string, options: FakeAgentOptions): FakeAgent {
  if (!/^[\w.-]+$/.test(options.name)) throw new Error(`Invalid fake agent name: ${options.name}`);
  const files = options.capture ? captureFiles(options.capture) : undefined;
  if (!files && options.stdout === undefined && options.stderr === undefined) {
    throw new Error("createFakeAgent needs a capture, or stdout/stderr text");
  }
  const exitCode = options.exitCode ?? files?.exitCode ?? 0;
  const config = {
    name: options.name,
    stdoutFile: files?.stdout ?? null,
    stderrFile: files?.stderr ?? null,
    stdout: options.stdout ?? null,
    stderr: options.stderr ?? null,
    exitCode,
    delayMs: options.delayMs ?? 0,
    writeFiles: options.writeFiles ?? {},
    recordArgsTo: options.recordArgsTo ? resolve(options.recordArgsTo) : null,
    recordEnv: options.recordEnv ?? DEFAULT_RECORDED_ENV,
    readStdin: options.readStdin ?? true,
  };
  mkdirSync(dir, { recursive: true });
  const path = resolve(join(dir, options.name));
  const script = `${shebang()}\n"use strict";\nconst CONFIG = ${JSON.stringify(JSON.stringify(config))};\n${SCRIPT_BODY}`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const recordFile = config.recordArgsTo;
  return {
    path,
    dir: resolve(dir),
    name: options.name,
    exitCode,
    calls: () => (recordFile ? readFakeAgentCalls(recordFile) : []),
  };
}
