import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** `packages/test-utils/fixtures`, from both `src/` (tests) and `dist/` (built). */
export const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Absolute path of a fixture: `fixturePath("agent-cli/runs/claude-text.jsonl")`. */
export function fixturePath(relative: string): string {
  return join(FIXTURES_DIR, relative);
}

/**
 * Exit code of the real run behind each capture in `fixtures/agent-cli/runs/`. The captures hold
 * stdout and stderr only, so each code is read from what the CLI printed, per its documented rule
 * (fixtures/agent-cli/README.md). Assumptions where the output does not settle it are marked
 * "assumed".
 *
 * - claude: `-p` exits 1 when the final `result` line has `is_error: true` (error_max_turns, API
 *   failure, "Not logged in"), else 0; denied permissions still exit 0. Option errors printed
 *   before any output (noverbose, skip/bypass as root) exit 1 (assumed: commander's usage error).
 * - codex: `exec` exits 0 after `turn.completed`, 1 after `turn.failed` (assumed 1: the README
 *   says only "non-zero"). A config error at startup (untrusted-ww, "Error: ... Stack backtrace")
 *   is a Rust error returned from main: 1. `codex-noauth` never ends by itself (it retries
 *   "waiting for network" until the caller's timeout fires); replayed as 1 (assumed).
 *   `codex-last.txt` is the file `-o/--output-last-message` writes, not a run's stdout, so it is
 *   not a capture.
 * - gemini: 0 on `"status":"success"`; 41 auth (noauth), 53 turn limit (maxturns,
 *   FatalTurnLimitedError); an API error exits with its HTTP status mod 256: both apifail runs
 *   got HTTP 400, so 400 % 256 = 144.
 * - opencode: auto-rejected permissions still exit 0 (tool-ask). `apifail` ends in an `error`
 *   event (APIError 400) with no `step_finish`: assumed 1.
 * - amp: `key` ("Couldn't connect to the Amp server") and `noauth` (waits at a login prompt,
 *   ended by closing stdin) never reached a model: assumed 1.
 */
export const CAPTURE_EXIT_CODES = {
  "amp-key": 1,
  "amp-noauth": 1,
  "claude-api-fail": 1,
  "claude-json": 0,
  "claude-noauth": 1,
  "claude-noverbose": 1,
  "claude-partial": 0,
  "claude-resume": 0,
  "claude-text": 0,
  "claude-textfmt": 0,
  "claude-tool-allowed": 0,
  "claude-tool-default": 0,
  "claude-tool-dontask": 0,
  "claude-tool-maxturns1": 1,
  "claude-tool-skip": 1,
  "claude-write-acceptedits": 0,
  "claude-write-allowed": 0,
  "claude-write-bypass-root": 1,
  "claude-write-default": 0,
  "claude-write-disallowed": 0,
  "claude-write-dontask": 0,
  "claude-write-skip-issandbox": 0,
  "codex-apifail": 1,
  "codex-bypass-tool": 0,
  "codex-echo-readonly": 0,
  "codex-failcmd": 0,
  "codex-failcmd-ro": 0,
  "codex-instrfile": 0,
  "codex-noauth": 1,
  "codex-noauth-noretry": 1,
  "codex-noexec-tool": 0,
  "codex-onrequest-ro": 0,
  "codex-plain": 0,
  "codex-resume": 0,
  "codex-text": 0,
  "codex-tool-default": 0,
  "codex-untrusted-ww": 1,
  "codex-ww-tool": 0,
  "gemini-apifail": 144,
  "gemini-apifail-json": 144,
  "gemini-default-tool": 0,
  "gemini-json-tool": 0,
  "gemini-maxturns": 53,
  "gemini-noauth": 41,
  "gemini-resume": 0,
  "gemini-resume2": 0,
  "gemini-sid": 0,
  "gemini-text": 0,
  "gemini-yolo-tool": 0,
  "opencode-apifail": 1,
  "opencode-text": 0,
  "opencode-tool-ask": 0,
  "opencode-tool-ask-auto": 0,
  "opencode-tool-default": 0,
} as const satisfies Record<string, number>;

export type CaptureName = keyof typeof CAPTURE_EXIT_CODES;

export const CAPTURE_NAMES = Object.keys(CAPTURE_EXIT_CODES) as CaptureName[];

const STDOUT_EXTENSIONS = [".jsonl", ".json", ".out", ".txt"];

export interface CaptureFiles {
  /** The file with the run's stdout. */
  stdout: string;
  /** The file with its stderr; undefined when the capture has none. */
  stderr?: string;
  exitCode: number;
}

/** Files of a capture: `runs/<name>.{jsonl,json,out,txt}` for stdout, `runs/<name>.err` for stderr. */
export function captureFiles(name: CaptureName): CaptureFiles {
  const base = fixturePath(join("agent-cli", "runs", name));
  const stdout = STDOUT_EXTENSIONS.map((ext) => base + ext).find((file) => existsSync(file));
  if (!stdout)
    throw new Error(`No stdout file for capture ${name} (looked for ${base}.{jsonl,json,out,txt})`);
  const files: CaptureFiles = { stdout, exitCode: CAPTURE_EXIT_CODES[name] };
  if (existsSync(`${base}.err`)) files.stderr = `${base}.err`;
  return files;
}

/** A copy of `env` (process.env by default) with `dir` first on PATH. */
export function prependPath(
  dir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string | undefined> {
  const current = env.PATH;
  return { ...env, PATH: current ? `${dir}${delimiter}${current}` : dir };
}
