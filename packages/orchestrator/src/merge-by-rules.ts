import type { GitClient, MergeTreeResult, TreeFile } from "@gadugi/git";
import type { MergeRuleApplication } from "@gadugi/interfaces";
import {
  type LockfileCommand,
  type MatchedRule,
  type MergeRuleTable,
  mergeFile,
  type RuleResult,
} from "@gadugi/merge-rules";

/** A lockfile to regenerate on the merged tree, and what came of it. */
export interface LockfileJob {
  path: string;
  command: LockfileCommand;
}
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
  const rules = result.conflictFiles.map((path) => ({ path, rule: merger.table.ruleFor(path) }));
  if (rules.length === 0 || rules.some((r) => r.rule === undefined)) return { applications: [] };
  const base = await git.mergeBase(tip, head);
  const resolved: Resolved[] = [];
  for (const { path, rule } of rules as { path: string; rule: MatchedRule }[]) {
    resolved.push({ path, rule, result: await mergeOne(git, result, { base, tip, head, path, rule }) });
  }
  const applications = resolved.map(application);
  if (resolved.some((r) => !r.result.ok)) return { applications };
  const files: TreeFile[] = [];
  for (const r of resolved) {
    const entry = (await git.treeEntry(tip, r.path)) ?? (await git.treeEntry(head, r.path));
    const content = r.result.ok ? r.result.content : "";
    files.push({ mode: entry?.mode ?? "100644", blob: await git.hashObject(content), path: r.path });
  }
  let tree = await git.replaceInTree(result.tree, files);
  const jobs = resolved.flatMap((r) =>
    r.result.ok && r.result.regenerate ? [{ path: r.path, command: r.result.regenerate }] : [],
  );
  if (jobs.length > 0) {
    const regenerated = await regenerateLockfiles(git, merger, { tree, tip, head, jobs });
    for (const outcome of regenerated.outcomes) {
      const app = applications.find((a) => a.file === outcome.path) as MergeRuleApplication;
      const command = jobs.find((j) => j.path === outcome.path)?.command;
      if ("skipped" in outcome) Object.assign(app, { result: "skipped", reason: outcome.skipped });
      else if (command)
        app.reason = `took ours and regenerated it with \`${[command.program, ...command.args].join(" ")}\``;
    }
    if (regenerated.tree === undefined) return { applications };
    tree = regenerated.tree;
  }
  return { tree, applications };
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

/** Lockfiles regenerated on a commit of the merged tree; no tree when any could not be. */
async function regenerateLockfiles(
  git: GitClient,
  merger: RuleMerger,
  at: { tree: string; tip: string; head: string; jobs: LockfileJob[] },
): Promise<{ tree?: string; outcomes: RegeneratedLockfile[] }> {
  // The checkout needs a commit; this one is never referenced by a ref and is collected by git gc.
  const commit = await git.commitTree(at.tree, [at.tip, at.head], "gadugi: merge to regenerate lockfiles on");
  const outcomes = await merger.regenerate(commit, at.jobs);
  if (outcomes.some((o) => "skipped" in o)) return { outcomes };
  const files: TreeFile[] = [];
  for (const outcome of outcomes) {
    if ("skipped" in outcome) continue;
    const entry = await git.treeEntry(at.tree, outcome.path);
    files.push({
      mode: entry?.mode ?? "100644",
      blob: await git.hashObject(outcome.content),
      path: outcome.path,
    });
  }
  return { tree: await git.replaceInTree(at.tree, files), outcomes };
}
