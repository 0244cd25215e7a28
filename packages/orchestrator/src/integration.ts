import { GadugiError } from "@gadugi/error-handling";
import type { GitClient } from "@gadugi/git";
import type { MergeRuleApplication, MergeStatus } from "@gadugi/interfaces";
import { mergeByRules, type RuleMerger } from "./merge-by-rules.js";

export interface MergeOutcome {
  status: MergeStatus;
  /** The integration branch's new tip when merged. */
  commit?: string;
  conflictFiles: string[];
  reason?: string;
  /** The merge rules tried on the conflicting files, and what each made of its file. */
  rules?: MergeRuleApplication[];
}

export interface MergeOptions {
  /** Where the task started; see `merge`. */
  taskBase?: string;
  /** Merge rules for hotspot files, tried when git reports conflicts. */
  rules?: RuleMerger;
}

export interface PredictedConflict {
  a: string;
  b: string;
  files: string[];
}

/**
 * The run's integration branch (`gadugi/integration-<run>`), built without a working tree:
 * every merge is `git merge-tree --write-tree` + `commit-tree` + a compare-and-swap `update-ref`,
 * so the user's checked-out branch, index and uncommitted changes are never touched.
 */
export class IntegrationBranch {
  readonly ref: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly git: GitClient,
    readonly branch: string,
  ) {
    this.ref = `refs/heads/${branch}`;
  }

  /** Creates the branch at `baseCommit` unless it exists (a resumed run keeps its merges). */
  async ensure(baseCommit: string): Promise<string> {
    const tip = await this.git.resolveCommit(this.ref);
    if (tip !== undefined) return tip;
    await this.git.updateRef(this.ref, baseCommit, { message: "gadugi: start integration branch" });
    return baseCommit;
  }

  async tip(): Promise<string> {
    return this.#tipOrThrow(await this.git.resolveCommit(this.ref));
  }

  #tipOrThrow(tip: string | undefined): string {
    if (tip === undefined) {
      throw new GadugiError(
        "GADUGI_GIT_FAILED",
        {
          command: `git rev-parse --verify ${this.ref}`,
          exitCode: 128,
          stderr: "the integration branch is missing",
        },
        {
          hint: "It was deleted or renamed while the run was live; resuming the run recreates it from its base.",
        },
      );
    }
    return tip;
  }

  /** Whether `branch` would merge cleanly onto the current tip, and which files would conflict. */
  async predict(branch: string): Promise<MergeOutcome> {
    const result = await this.git.mergeTree(this.ref, branch);
    return result.clean
      ? { status: "merged", conflictFiles: [] }
      : { status: "conflict", conflictFiles: result.conflictFiles, reason: "predicted by git merge-tree" };
  }

  /**
   * Merges `branch` onto the integration branch. Merges are serialized, so concurrent callers
   * land one after the other; a conflict leaves the branch out and names the files. A branch
   * already contained is `skipped`, unless it has commits beyond `taskBase` (where the task
   * started): then an earlier, unjournaled merge brought them, and it counts as merged. With
   * `rules`, a conflict whose every file a merge rule resolves is merged with the rules' content.
   */
  merge(branch: string, message: string, options: MergeOptions = {}): Promise<MergeOutcome> {
    const next = this.#queue.then(() => this.#merge(branch, message, options));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #merge(branch: string, message: string, options: MergeOptions): Promise<MergeOutcome> {
    const { taskBase } = options;
    // The tip and the task branch's head in one git call (two when either is missing).
    const [tipNow, head] = await this.git.resolveCommits([this.ref, branch]);
    const tip = this.#tipOrThrow(tipNow);
    if (head === undefined)
      return { status: "failed", conflictFiles: [], reason: `branch ${branch} does not exist` };
    if (await this.git.isAncestor(head, tip)) {
      // The task's own commits are already there: merged by a run that died before journaling it.
      if (taskBase !== undefined && head !== taskBase) {
        return {
          status: "merged",
          commit: tip,
          conflictFiles: [],
          reason: "already on the integration branch (merged before the run was interrupted)",
        };
      }
      return {
        status: "skipped",
        commit: tip,
        conflictFiles: [],
        reason: "already contained in the integration branch",
      };
    }
    const result = await this.git.mergeTree(tip, head);
    let tree = result.tree;
    let rules: MergeRuleApplication[] = [];
    if (!result.clean) {
      const byRules = options.rules
        ? await mergeByRules(this.git, options.rules, { tip, head, result })
        : undefined;
      rules = byRules?.applications ?? [];
      if (byRules?.tree === undefined) {
        if (rules.length === 0)
          return { status: "conflict", conflictFiles: result.conflictFiles, reason: "merge conflict" };
        const why = rules
          .filter((r) => r.result !== "applied")
          .map((r) => `${r.file}: ${r.rule} ${r.result}, ${r.reason}`);
        return {
          status: "conflict",
          conflictFiles: result.conflictFiles,
          reason: `merge conflict the merge rules did not resolve (${why.join("; ")})`,
          rules,
        };
      }
      tree = byRules.tree;
    }
    const commit = await this.git.commitTree(tree, [tip, head], message);
    await this.git.updateRef(this.ref, commit, { oldValue: tip, message: `gadugi: ${message}` });
    if (rules.length === 0) return { status: "merged", commit, conflictFiles: [] };
    const files = rules.map((r) => `${r.file} (${r.rule})`).join(", ");
    return { status: "merged", commit, conflictFiles: [], reason: `merged by rule: ${files}`, rules };
  }

  /**
   * Pairwise conflict prediction between finished branches that are not merged yet, so a
   * conflict is reported while other tasks still run instead of at the end.
   */
  async predictPairwise(branches: readonly string[]): Promise<PredictedConflict[]> {
    const conflicts: PredictedConflict[] = [];
    for (let i = 0; i < branches.length; i++) {
      for (let j = i + 1; j < branches.length; j++) {
        const a = branches[i] as string;
        const b = branches[j] as string;
        const result = await this.git.mergeTree(a, b);
        if (!result.clean) conflicts.push({ a, b, files: result.conflictFiles });
      }
    }
    return conflicts;
  }
}
