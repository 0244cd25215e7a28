import type { GitClient, MergeTreeResult, TreeFile } from "@gadugi/git";
import type { MergeRuleApplication } from "@gadugi/interfaces";
import {
  type LockfileCommand,
  type MatchedRule,
  type MergeRuleTable,
  mergeFile,
  type RuleResult,
} from "@gadugi/merge-rules";

/** A lockfile to regenerate on the merged tree, with its package manager's command. */
export interface LockfileJob {
  path: string;
  command: LockfileCommand;
}
/** What came of one: the regenerated content, or why there is none. */
export type RegeneratedLockfile = { path: string; content: string } | { path: string; skipped: string };

/** Regenerates lockfiles on a checkout of `commit` (the merge with ours' lockfiles). */
export type LockfileRegenerator = (
  commit: string,
  jobs: readonly LockfileJob[],
) => Promise<RegeneratedLockfile[]>;

export interface RuleMerger {
  table: MergeRuleTable;
  regenerate: LockfileRegenerator;
}

/** The merged tree when every conflicting file was resolved; always what each rule made of its file. */
export interface RuleMergeOutcome {
  tree?: string;
  applications: MergeRuleApplication[];
}

/** Conflict types a rule can resolve: both sides hold the file, with different content. */
const CONTENT_CONFLICT = /^CONFLICT \((contents|content|add\/add)\)/;

interface Resolved {
  path: string;
  rule: MatchedRule;
  result: RuleResult;
}

/**
 * Resolves a conflicting merge of `head` onto `tip` by the merge rules: only when every
 * conflicting file has a rule, each is a plain content conflict, and each rule merges it. Then
 * returns merge-tree's tree with the merged files put in (lockfiles regenerated on a checkout of
 * it); otherwise no tree, and the conflict stands as git reported it.
 */
export async function mergeByRules(
  git: GitClient,
  merger: RuleMerger,
  merge: { tip: string; head: string; result: MergeTreeResult },
): Promise<RuleMergeOutcome> {
  const { tip, head, result } = merge;
  const matched: { path: string; rule: MatchedRule }[] = [];
  for (const path of result.conflictFiles) {
    const rule = merger.table.ruleFor(path);
    // One file no rule covers: the conflict is git's as it stands, nothing to try.
    if (rule === undefined) return { applications: [] };
    matched.push({ path, rule });
  }
  if (matched.length === 0) return { applications: [] };
  const base = await git.mergeBase(tip, head);
  const resolved: Resolved[] = [];
  for (const { path, rule } of matched) {
    resolved.push({ path, rule, result: await mergeOne(git, result, { base, tip, head, path, rule }) });
  }
  const applications = resolved.map(application);
  if (resolved.some((r) => !r.result.ok)) return { applications };
  const files: TreeFile[] = [];
  for (const r of resolved) {
    if (r.result.ok) files.push(await treeFile(git, [tip, head], r.path, r.result.content));
  }
  const tree = await git.replaceInTree(result.tree, files);
  const jobs = resolved.flatMap((r) =>
    r.result.ok && r.result.regenerate ? [{ path: r.path, command: r.result.regenerate }] : [],
  );
  if (jobs.length === 0) return { tree, applications };
  return regenerateLockfiles(git, merger, { tree, tip, head, jobs }, applications);
}

/** `content` as a blob at `path`, with the file's mode on the first side that has it. */
async function treeFile(
  git: GitClient,
  sides: readonly string[],
  path: string,
  content: string,
): Promise<TreeFile> {
  let mode = "100644";
  for (const side of sides) {
    const entry = await git.treeEntry(side, path);
    if (entry !== undefined) {
      mode = entry.mode;
      break;
    }
  }
  return { mode, blob: await git.hashObject(content), path };
}

/** What one rule made of one file, reading the three sides from git. */
async function mergeOne(
  git: GitClient,
  result: MergeTreeResult,
  at: { base: string | undefined; tip: string; head: string; path: string; rule: MatchedRule },
): Promise<RuleResult> {
  const kinds = result.messages
    .filter((m) => m.paths.includes(at.path) && m.type.startsWith("CONFLICT"))
    .map((m) => m.type);
  const other = kinds.find((k) => !CONTENT_CONFLICT.test(k));
  if (other !== undefined) return { ok: false, reason: `${other}: not a conflict of contents` };
  const ours = await git.readFileAt(at.tip, at.path);
  const theirs = await git.readFileAt(at.head, at.path);
  if (ours === undefined || theirs === undefined) return { ok: false, reason: "one side removed the file" };
  const base = at.base === undefined ? undefined : await git.readFileAt(at.base, at.path);
  return mergeFile(at.path, at.rule, { ...(base === undefined ? {} : { base }), ours, theirs });
}

function application(r: Resolved): MergeRuleApplication {
  return {
    file: r.path,
    rule: r.rule.name,
    result: r.result.ok ? "applied" : "refused",
    reason: r.result.reason,
  };
}

/**
 * Lockfiles regenerated on a commit of the merged tree, put into it; no tree when any could not
 * be (the application says why: skipped), so the conflict takes the normal path.
 */
async function regenerateLockfiles(
  git: GitClient,
  merger: RuleMerger,
  at: { tree: string; tip: string; head: string; jobs: LockfileJob[] },
  applications: MergeRuleApplication[],
): Promise<RuleMergeOutcome> {
  // The checkout needs a commit; this one is never referenced by a ref and is collected by git gc.
  const commit = await git.commitTree(at.tree, [at.tip, at.head], "gadugi: merge to regenerate lockfiles on");
  const outcomes = await merger.regenerate(commit, at.jobs);
  const files: TreeFile[] = [];
  const updated = applications.map((app) => {
    const outcome = outcomes.find((o) => o.path === app.file);
    const job = at.jobs.find((j) => j.path === app.file);
    if (outcome === undefined || job === undefined) return app;
    if ("skipped" in outcome) return { ...app, result: "skipped" as const, reason: outcome.skipped };
    const command = [job.command.program, ...job.command.args].join(" ");
    return { ...app, reason: `took ours and regenerated it with \`${command}\`` };
  });
  if (outcomes.some((o) => "skipped" in o)) return { applications: updated };
  for (const outcome of outcomes) {
    if (!("skipped" in outcome)) files.push(await treeFile(git, [at.tree], outcome.path, outcome.content));
  }
  return { tree: await git.replaceInTree(at.tree, files), applications: updated };
}
