import { describeErrorWithHint, GadugiError, redactSecrets } from "@gadugi/error-handling";
import type { GitClient } from "@gadugi/git";
import type { ChangedFile } from "./docs-check.js";

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Why the task was stopped at a budget, or undefined: its signal aborted with GADUGI_BUDGET_EXCEEDED
 * (the run's budget), or its agent ended `budget_exceeded` (the task's own cap, or the CLI's).
 */
export function budgetStop(signal: AbortSignal, phaseData?: Record<string, unknown>): string | undefined {
  const raw: unknown = signal.reason;
  if (signal.aborted && GadugiError.is(raw, "GADUGI_BUDGET_EXCEEDED")) return raw.message;
  const agent = phaseData?.agent as { outcome?: unknown; reason?: unknown } | undefined;
  if (agent?.outcome !== "budget_exceeded") return undefined;
  return typeof agent.reason === "string" && agent.reason !== "" ? agent.reason : "stopped at its budget";
}

/** `cancelled`, with the signal's reason when it gave one. */
export function abortReason(signal: AbortSignal): string {
  const raw: unknown = signal.reason;
  if (typeof raw === "string" && raw !== "") return `cancelled: ${raw}`;
  if (raw instanceof Error && raw.name !== "AbortError" && raw.message) return `cancelled: ${raw.message}`;
  return "cancelled";
}

/** `GADUGI_X: message (hint: ...)` for a GadugiError, the message for other errors; secrets redacted. */
export function describeError(error: unknown): string {
  return redactSecrets(describeErrorWithHint(error));
}

/** The last `maxLines` lines of `text`, at most `maxChars` characters, marked when cut. */
export function tailText(text: string, maxLines = 200, maxChars = 20_000): string {
  let lines = text.replace(/\s+$/, "").split("\n");
  let cut = false;
  if (lines.length > maxLines) {
    lines = lines.slice(-maxLines);
    cut = true;
  }
  let out = lines.join("\n");
  if (out.length > maxChars) {
    out = out.slice(-maxChars);
    cut = true;
  }
  return cut ? `…\n${out}` : out;
}

/** Text for a markdown code fence that no backtick run inside can close. */
export function fenced(text: string, lang = ""): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(Math.max(3, longest + 1));
  return `${ticks}${lang}\n${text.replace(/\n+$/, "")}\n${ticks}`;
}

const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Diffs between two commit ids, per git client (one task's worktree, in this process). Commits
 * never change, so the answer for the same two ids is the same forever: nothing here can go
 * stale, whoever changes the worktree. Only ids are kept, never a ref such as HEAD.
 */
const diffsOfCommits = new WeakMap<GitClient, Map<string, ChangedFile[]>>();

/** Files that differ between `from` and `to` (default HEAD), with whether each is new. */
export async function changedFiles(git: GitClient, from: string, to = "HEAD"): Promise<ChangedFile[]> {
  const key = COMMIT_ID.test(from) && COMMIT_ID.test(to) ? `${from}..${to}` : undefined;
  const known = key === undefined ? undefined : diffsOfCommits.get(git)?.get(key);
  if (known !== undefined) return known.map((file) => ({ ...file }));
  const files = await diffNameStatus(git, from, to);
  if (key !== undefined) {
    const memo = diffsOfCommits.get(git) ?? new Map<string, ChangedFile[]>();
    memo.set(
      key,
      files.map((file) => ({ ...file })),
    );
    diffsOfCommits.set(git, memo);
  }
  return files;
}

async function diffNameStatus(git: GitClient, from: string, to: string): Promise<ChangedFile[]> {
  const out = await git.raw(["diff", "--name-status", "-z", "--no-renames", from, to, "--"]);
  const tokens = out.split("\0");
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < tokens.length; i += 2) {
    const status = tokens[i]!;
    const file = tokens[i + 1]!;
    if (status === "" || file === "") continue;
    files.push({ path: file, added: status.startsWith("A") });
  }
  return files;
}

/** At most `max` items, with a count of the rest. */
export function capList(items: readonly string[], max = 50): { items: string[]; more: number } {
  return { items: items.slice(0, max), more: Math.max(0, items.length - max) };
}
