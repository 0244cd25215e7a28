import { randomBytes } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { GadugiError, parseWith } from "@gadugi/error-handling";
import { GitClient } from "@gadugi/git";
import {
  type Complexity,
  ExecutionPlan,
  type GadugiConfig,
  type PlanEdge,
  type PlanWarning,
  type TaskData,
} from "@gadugi/interfaces";
import { classifyType, complexitySignals, estimateComplexity } from "./classify.js";
import { importEdges, sameFileEdges, schedulingOrder, writtenFiles } from "./conflicts.js";
import { type DependencyMention, explicitEdges, findCycle, findTextDependencies } from "./dependencies.js";
import { createTaskIdGenerator, slugForPrompt } from "./ids.js";
import {
  ImportGraphSession,
  type ImportGraphStats,
  importNeighborhood,
  sourceLanguage,
  workingTreeBlobIds,
} from "./import-graph.js";
import { planShape } from "./plan.js";
import { type ParsedPrompt, parsePromptFile } from "./prompt.js";
import { extractTargetFiles, repoFiles } from "./targets.js";

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
 * Where a prompt argument points: as given (relative to cwd), else, for a bare name, in the prompts
 * directory with or without `.md`. Unchanged when found nowhere, so errors show what was typed.
 */
function locatePrompt(arg: string, cwd: string, root: string, promptsDir: string): string {
  if (existsSync(resolve(cwd, arg))) return arg;
  if (!arg.includes("/") && !arg.includes("\\")) {
    for (const candidate of [join(root, promptsDir, arg), join(root, promptsDir, `${arg}.md`)]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return arg;
}

interface Draft {
  prompt: ParsedPrompt;
  id: string;
  slug: string;
}

/** Slugs from frontmatter ids (duplicates are an error) and file names (duplicates get -2, -3…). */
function assignSlugs(prompts: readonly ParsedPrompt[], warnings: PlanWarning[]): string[] {
  const explicit = new Map<string, string[]>();
  for (const p of prompts) {
    if (p.frontmatter.id === undefined) continue;
    const slug = slugForPrompt(p.file, p.frontmatter.id);
    explicit.set(slug, [...(explicit.get(slug) ?? []), p.file]);
  }
  for (const [slug, files] of explicit) {
    if (files.length > 1) {
      const ids = prompts.filter((p) => files.includes(p.file)).map((p) => p.frontmatter.id);
      throw new GadugiError("GADUGI_DUPLICATE_TASK_ID", { id: ids[0] ?? slug, files });
    }
  }
  const used = new Set(explicit.keys());
  return prompts.map((p) => {
    if (p.frontmatter.id !== undefined) return slugForPrompt(p.file, p.frontmatter.id);
    const base = slugForPrompt(p.file);
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
    if (slug !== base) {
      warnings.push({
        message: `slug "${base}" is already taken by another prompt; this task uses "${slug}" (set \`id\` in the frontmatter to choose one)`,
        file: p.file,
      });
    }
    used.add(slug);
    return slug;
  });
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
  const cwd = options.cwd ?? root;
  const promptsDir = options.promptsDir ?? "prompts";
  const now = options.now ?? new Date();
  const warnings: PlanWarning[] = [];

  // Ask git for the tracked files while the prompts are read; a bad prompt still fails first.
  const blobsPromise = workingTreeBlobIds(root, git);
  blobsPromise.catch(() => undefined);

  // 1. Prompts: read, parse, drop repeats, set aside the ones already done.
  const prompts: ParsedPrompt[] = [];
  const seen = new Set<string>();
  for (const arg of options.promptFiles) {
    const prompt = parsePromptFile(locatePrompt(arg, cwd, root, promptsDir), { repoRoot: root, cwd });
    if (seen.has(prompt.file)) {
      warnings.push({ message: "listed more than once; analyzed once", file: prompt.file });
      continue;
    }
    seen.add(prompt.file);
    prompts.push(prompt);
  }
  const skipped = prompts.filter((p) => p.skipReason !== undefined);
  for (const p of prompts) warnings.push(...p.warnings);

  // 2. Ids and slugs.
  const slugs = assignSlugs(prompts, warnings);
  const nextId = createTaskIdGenerator(now, options.idSalt ?? randomBytes(8).toString("hex"));
  const drafts: Draft[] = [];
  const skippedRefs = [];
  for (const [i, prompt] of prompts.entries()) {
    const slug = slugs[i] as string;
    if (prompt.skipReason === undefined) drafts.push({ prompt, slug, id: nextId(slug) });
    else {
      skippedRefs.push({
        id: slug,
        slug,
        file: prompt.file,
        ...(prompt.frontmatter.id ? { declaredId: prompt.frontmatter.id } : {}),
      });
    }
  }

  // 3. Target files, type, complexity.
  const blobs = await blobsPromise;
  const repo = repoFiles(root, [...blobs.keys()]);
  const promptPaths = new Set(prompts.map((p) => p.file));
  const tasks: TaskData[] = drafts.map(({ prompt, id, slug }) => {
    const { targets, warnings: targetWarnings } = extractTargetFiles(
      {
        file: prompt.file,
        body: prompt.body,
        bodyLine: prompt.bodyLine,
        ...(prompt.frontmatter.targets ? { explicit: prompt.frontmatter.targets } : {}),
        exclude: promptPaths,
      },
      repo,
    );
    warnings.push(...targetWarnings.map((w) => ({ ...w, taskId: id })));
    if (targets.every((t) => t.access === "reads")) {
      warnings.push({
        message: `${slug}: no files it writes were found in the prompt, so conflicts with other tasks cannot be detected; list them under \`files:\` in the frontmatter`,
        file: prompt.file,
        taskId: id,
      });
    }
    const sections: Record<string, string> = {};
    for (const [k, v] of Object.entries(prompt.sections)) if (v !== undefined) sections[k] = v;
    const fm = prompt.frontmatter;
    return {
      id,
      slug,
      name: prompt.title,
      promptFile: prompt.file,
      description: prompt.description,
      sections,
      targetFiles: targets,
      dependencies: [],
      type:
        fm.type ??
        classifyType({ title: prompt.title, file: prompt.file, description: prompt.description, targets }),
      complexity: fm.complexity ?? estimateComplexity(complexitySignals(prompt.body, sections, targets)),
      priority: fm.priority ?? "medium",
      ...(fm.agent !== undefined ? { agent: fm.agent } : {}),
      ...(fm.run !== undefined ? { run: fm.run } : {}),
      ...(fm.timeoutSec !== undefined ? { timeoutSec: fm.timeoutSec } : {}),
      ...(fm.issueNumber !== undefined ? { issueNumber: fm.issueNumber } : {}),
      status: "pending",
    };
  });

  // 4. Explicit dependencies; a cycle among them is an error.
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

  // 5. Same-file conflicts (hard), then import coupling (soft).
  const order0 = schedulingOrder(tasks, explicit.edges);
  const sameFile = sameFileEdges(tasks, order0, explicit.edges, repo);
  const hard = [...explicit.edges, ...sameFile];
  let soft: PlanEdge[] = [];
  let graphStats: ImportGraphStats | undefined;
  // Only the import neighbourhood of written files matters: chains start at a written file.
  const writtenSources = new Map(
    tasks.map((t) => [
      t.id,
      [...writtenFiles(t, repo)].filter((f) => blobs.has(f) && sourceLanguage(f) !== undefined),
    ]),
  );
  if ([...writtenSources.values()].filter((files) => files.length > 0).length >= 2) {
    const session = await ImportGraphSession.open(root, {
      blobIds: blobs,
      cache: options.cache !== false,
      git,
    });
    const imports = await importNeighborhood(
      session,
      [...writtenSources.values()].flat(),
      config.importDepth,
    );
    await session.save(false);
    graphStats = session.stats();
    soft = importEdges(tasks, order0, hard, { imports }, repo, config.importDepth);
  }
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
  const order = schedulingOrder(tasks, ordering);
  const position = new Map(order.map((id, i) => [id, i]));
  for (const task of tasks) {
    const froms = new Set(ordering.filter((e) => e.to === task.id).map((e) => e.from));
    task.dependencies = [...froms].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
  }
  const complexity = new Map<string, Complexity>(tasks.map((t) => [t.id, t.complexity]));
  const shape = planShape(order, ordering, complexity);

  const plan = parseWith(
    ExecutionPlan,
    {
      createdAt: now.toISOString(),
      repoRoot: root,
      tasks,
      edges: [...hard, ...soft],
      levels: shape.levels,
      criticalPath: shape.criticalPath,
      recommendedParallelism: shape.recommendedParallelism,
      skipped: skipped.map((p) => ({ file: p.file, reason: p.skipReason as string })),
      warnings,
    },
    "the execution plan",
  );
  return graphStats ? { plan, graph: graphStats } : { plan };
}

/** `analyze` returning only the plan. */
export async function analyzeTasks(options: AnalyzeOptions): Promise<ExecutionPlan> {
  return (await analyze(options)).plan;
}
