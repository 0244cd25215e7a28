import { GadugiError, redactSecrets } from "@gadugi/error-handling";
import type { GitClient } from "@gadugi/git";
import type { ChangedFile } from "./docs-check.js";

/** `GADUGI_X: message` for a GadugiError, the message for other errors; secrets redacted. */
export function describeError(error: unknown): string {
  if (GadugiError.is(error)) return redactSecrets(`${error.code}: ${error.message}`);
  return redactSecrets(error instanceof Error ? error.message : String(error));
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

/** Whether `file` is one of `artifacts` or inside one; any `node_modules` always counts. */
export function isSetupArtifact(file: string, artifacts: readonly string[]): boolean {
  const clean = file.replace(/\/+$/, "");
  if (clean.split("/").includes("node_modules")) return true;
  return artifacts.some((a) => clean === a || clean.startsWith(`${a.replace(/\/+$/, "")}/`));
}

/**
 * Commits whatever is modified, staged or untracked in the worktree — except what environment
 * setup put there (`artifacts`, `.venv`, any `node_modules`) — with `message`. Returns the commit,
 * or undefined when there was nothing to commit.
 */
export async function commitPending(
  git: GitClient,
  message: string,
  artifacts: readonly string[],
): Promise<{ commit: string; files: string[] } | undefined> {
  const entries = await git.status({ untracked: "all" });
  const files = entries.map((e) => e.path).filter((p) => !isSetupArtifact(p, artifacts));
  if (files.length === 0) return undefined;
  const excludes = [...new Set([".venv", ...artifacts])].map((a) => `:(exclude)${a}`);
  await git.raw([
    "add",
    "-A",
    "--",
    ".",
    ...excludes,
    ":(exclude,glob)**/node_modules",
    ":(exclude,glob)**/node_modules/**",
  ]);
  const staged = (await git.raw(["diff", "--cached", "--name-only", "-z"]))
    .split("\0")
    .filter((p) => p !== "");
  if (staged.length === 0) return undefined;
  const commit = await git.commit(message);
  return { commit, files: staged };
}

/** Files that differ between `from` and HEAD, with whether each is new. */
export async function changedFiles(git: GitClient, from: string): Promise<ChangedFile[]> {
  const out = await git.raw(["diff", "--name-status", "-z", "--no-renames", from, "HEAD", "--"]);
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
