import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { GadugiError, parseWith } from "@gadugi/error-handling";
import { GitClient } from "@gadugi/git";
import {
  type Complexity,
  ExecutionPlan,
  type GadugiConfig,
  type MergeRulesSetting,
  type PlanEdge,
  type PlanWarning,
  type TaskData,
} from "@gadugi/interfaces";
import { mergeRuleTable } from "@gadugi/merge-rules";
import { workingTreeBlobIds } from "./blob-ids.js";
import { importEdges, sameFileEdges, schedulingOrder, writtenFiles } from "./conflicts.js";
import {
  type DependencyMention,
  explicitEdges,
  findCycle,
  findTextDependencies,
  type TaskRef,
} from "./dependencies.js";
import { importNeighborhood } from "./import-graph.js";
import { ImportGraphSession, type ImportGraphStats } from "./import-graph-session.js";
import { planShape } from "./plan.js";
import { type RepoFiles, repoFiles } from "./repo-files.js";
import { ruleHints } from "./rule-hints.js";
import { sourceLanguage } from "./source-files.js";
import { type Draft, draftTasks, readPrompts, taskFromDraft } from "./task-drafts.js";

export type AnalysisConfig = GadugiConfig["analysis"];

export interface AnalyzeOptions {
  /** A directory inside the repository; its git top-level is used. */
  repoRoot: string;
  /** Prompt files, relative to `cwd` (bare names are also looked up in `promptsDir`). */
  promptFiles: readonly string[];
  /** Base of relative prompt paths. Default: repoRoot. */
  cwd?: string;
  /** `analysis` of gadugi.config: soft-edge policy and import depth. */
  config?: Partial<AnalysisConfig>;
  /**
   * `integration.mergeRules` of gadugi.config (default: the built-in rules): tasks whose only
   * shared files merge by rule get a soft `hotspot` edge instead of a same-file edge. `false`:
   * no rules, every shared file serializes.
   */
  mergeRules?: MergeRulesSetting;
  /** Where bare prompt names are looked up too, relative to the repository root. Default "prompts". */
  promptsDir?: string;
  /** Time used in task ids and `createdAt`. Default: now. */
  now?: Date;
  /** Salt of the ids' random part; fix it for reproducible ids. Default: random per run. */
  idSalt?: string;
  /** Use the import-graph cache in `.gadugi/cache`. Default true. */
  cache?: boolean;
  git?: GitClient;
}

export interface AnalysisResult {
  plan: ExecutionPlan;
  /**
   * Statistics of the import graph, when one was needed (two or more tasks writing source files).
   * Only the import neighbourhood of written files is read: `files` counts those files.
   */
  graph?: ImportGraphStats;
}

function checkedConfig(config: Partial<AnalysisConfig> = {}): AnalysisConfig {
  const softEdges = config.softEdges ?? "serialize";
  if (softEdges !== "serialize" && softEdges !== "warn") {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "analysis.softEdges",
      value: String(softEdges),
      expected: "serialize or warn",
    });
  }
  const importDepth = config.importDepth ?? 1;
  if (!Number.isInteger(importDepth) || importDepth < 1 || importDepth > 10) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "analysis.importDepth",
      value: String(importDepth),
      expected: "a whole number from 1 to 10",
    });
  }
  return { softEdges, importDepth };
}

/**
 * The repository's top level (realpath). A directory holding `.git` is its own top level, which
 * saves a git call; otherwise git is asked (GADUGI_NOT_A_GIT_REPO outside a repository).
 */
async function repositoryRoot(dir: string): Promise<string> {
  const absolute = resolve(dir);
  if (
    process.env.GIT_DIR === undefined &&
    process.env.GIT_WORK_TREE === undefined &&
    existsSync(join(absolute, ".git"))
  ) {
    return realpathSync(absolute);
  }
  return realpathSync(await GitClient.findRoot(absolute));
}

/**
 * Turns prompt files into an ExecutionPlan: tasks with target files, type and complexity; edges
 * (explicit dependencies, same-file conflicts, import coupling) each with its reason; parallel
 * levels, critical path and recommended parallelism. Nothing is written except the import-graph
 * cache; any bad input throws a GadugiError before a plan exists.
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalysisResult> {
  if (options.promptFiles.length === 0) {
    throw new GadugiError("GADUGI_NO_TASKS", { reason: "no prompt files were given" });
  }
  const config = checkedConfig(options.config);
  const root = await repositoryRoot(options.repoRoot);
  const git = options.git ?? new GitClient(root);
  const now = options.now ?? new Date();
  const warnings: PlanWarning[] = [];

  // Ask git for the tracked files while the prompts are read; a bad prompt still fails first.
  const blobsPromise = workingTreeBlobIds(root, git);
  blobsPromise.catch(() => undefined);

  const prompts = readPrompts(options, root, warnings);
  const { drafts, skippedRefs } = draftTasks(prompts, now, options.idSalt, warnings);

  // 3. Target files, type, complexity.
  const blobs = await blobsPromise;
  const repo = repoFiles(root, [...blobs.keys()]);
  const promptPaths = new Set(prompts.map((p) => p.file));
  const tasks = drafts.map((draft) => taskFromDraft(draft, repo, promptPaths, warnings));

  const explicit = explicitDependencies(drafts, tasks, skippedRefs, warnings);
  const slugOf = new Map(tasks.map((t) => [t.id, t.slug]));

  // 5. Same-file conflicts (hard), then import coupling (soft).
  const order0 = schedulingOrder(tasks, explicit);
  const rules = mergeRuleTable(options.mergeRules);
  const shared = sameFileEdges(tasks, order0, explicit, repo, rules);
  warnings.push(...ruleHints(shared, rules, slugOf));
  // Hotspot edges only explain why two tasks sharing files may run at once: nothing waits on them.
  const hotspots = shared.filter((e) => e.kind === "hotspot");
  const hard = [...explicit, ...shared.filter((e) => e.kind !== "hotspot")];
  const coupling = await importCoupling({ root, git, blobs, repo, tasks, order0, hard, options, config });
  const soft = coupling?.soft ?? [];
  if (config.softEdges === "warn") {
    for (const e of soft) {
      warnings.push({
        message: `${slugOf.get(e.from)} and ${slugOf.get(e.to)} may run in parallel although they are coupled (soft-edge policy "warn"): ${e.reason}`,
        taskId: e.to,
      });
    }
  }

  // 6. Order, levels, critical path.
  const ordering = config.softEdges === "serialize" ? [...hard, ...soft] : hard;
  const shape = orderTasks(tasks, ordering);
  const plan = parseWith(
    ExecutionPlan,
    {
      createdAt: now.toISOString(),
      repoRoot: root,
      tasks,
      edges: [...hard, ...soft, ...hotspots],
      levels: shape.levels,
      criticalPath: shape.criticalPath,
      recommendedParallelism: shape.recommendedParallelism,
      skipped: prompts
        .filter((p) => p.skipReason !== undefined)
        .map((p) => ({ file: p.file, reason: p.skipReason as string })),
      warnings,
    },
    "the execution plan",
  );
  return coupling ? { plan, graph: coupling.stats } : { plan };
}

/** 4. Explicit dependencies (frontmatter and prose mentions); a cycle among them is an error. */
function explicitDependencies(
  drafts: readonly Draft[],
  tasks: readonly TaskData[],
  skippedRefs: TaskRef[],
  warnings: PlanWarning[],
): PlanEdge[] {
  const mentions = new Map<string, DependencyMention[]>();
  for (const d of drafts) {
    mentions.set(d.id, [
      ...d.prompt.frontmatter.dependsOn.map((ref): DependencyMention => ({ ref, source: "frontmatter" })),
      ...findTextDependencies(d.prompt.body, d.prompt.bodyLine),
    ]);
  }
  const refs = drafts.map((d) => ({
    id: d.id,
    slug: d.slug,
    file: d.prompt.file,
    ...(d.prompt.frontmatter.id ? { declaredId: d.prompt.frontmatter.id } : {}),
  }));
  const explicit = explicitEdges({ tasks: refs, mentions, skipped: skippedRefs });
  warnings.push(...explicit.warnings);
  const ids = tasks.map((t) => t.id);
  const slugOf = new Map(tasks.map((t) => [t.id, t.slug]));
  const cycle = findCycle(ids, explicit.edges);
  if (cycle) {
    // Edges point at the waiting task; the message reads in depends-on order: a → b means a depends on b.
    throw new GadugiError("GADUGI_DEPENDENCY_CYCLE", {
      cycle: cycle.reverse().map((id) => slugOf.get(id) ?? id),
    });
  }
  return explicit.edges;
}

interface CouplingInput {
  root: string;
  git: GitClient;
  /** Tracked path → blob id. */
  blobs: Map<string, string>;
  repo: RepoFiles;
  tasks: TaskData[];
  /** Scheduling order by the explicit edges alone. */
  order0: string[];
  hard: PlanEdge[];
  options: AnalyzeOptions;
  config: AnalysisConfig;
}

/**
 * 5b. Import coupling (soft edges), read only when two or more tasks write source files: only the
 * import neighbourhood of written files matters, since chains start at a written file.
 */
async function importCoupling(
  input: CouplingInput,
): Promise<{ soft: PlanEdge[]; stats: ImportGraphStats } | undefined> {
  const { root, blobs, repo, tasks, config } = input;
  const writtenSources = new Map(
    tasks.map((t) => [
      t.id,
      [...writtenFiles(t, repo)].filter((f) => blobs.has(f) && sourceLanguage(f) !== undefined),
    ]),
  );
  if ([...writtenSources.values()].filter((files) => files.length > 0).length < 2) return undefined;
  const session = await ImportGraphSession.open(root, {
    blobIds: blobs,
    cache: input.options.cache !== false,
    git: input.git,
  });
  const imports = await importNeighborhood(session, [...writtenSources.values()].flat(), config.importDepth);
  await session.save(false);
  const stats = session.stats();
  const soft = importEdges(tasks, input.order0, input.hard, { imports }, repo, config.importDepth);
  return { soft, stats };
}

/** 6. Sets each task's dependencies (in scheduling order) and computes levels and critical path. */
function orderTasks(tasks: TaskData[], ordering: PlanEdge[]): ReturnType<typeof planShape> {
  const order = schedulingOrder(tasks, ordering);
  const position = new Map(order.map((id, i) => [id, i]));
  for (const task of tasks) {
    const froms = new Set(ordering.filter((e) => e.to === task.id).map((e) => e.from));
    task.dependencies = [...froms].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  }
  const complexity = new Map<string, Complexity>(tasks.map((t) => [t.id, t.complexity]));
  return planShape(order, ordering, complexity);
}

/** `analyze` returning only the plan. */
export async function analyzeTasks(options: AnalyzeOptions): Promise<ExecutionPlan> {
  return (await analyze(options)).plan;
}
