import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { PlanWarning, TaskData } from "@gadugi/interfaces";
import type { AnalyzeOptions } from "./analyze.js";
import { classifyType, complexitySignals, estimateComplexity } from "./classify.js";
import type { TaskRef } from "./dependencies.js";
import { createTaskIdGenerator, slugForPrompt } from "./ids.js";
import { type ParsedPrompt, parsePromptFile } from "./prompt.js";
import type { RepoFiles } from "./repo-files.js";
import { extractTargetFiles } from "./targets.js";

// The first steps of `analyze`: prompt files → drafts (id and slug) → tasks (targets, type, complexity).

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

export interface Draft {
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

/** 1. Prompts: read and parse, repeats dropped with a warning, each prompt's own warnings kept. */
export function readPrompts(options: AnalyzeOptions, root: string, warnings: PlanWarning[]): ParsedPrompt[] {
  const cwd = options.cwd ?? root;
  const promptsDir = options.promptsDir ?? "prompts";
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
  for (const p of prompts) warnings.push(...p.warnings);
  return prompts;
}

/** 2. Ids and slugs: a draft per prompt to run, a reference per prompt set aside as already done. */
export function draftTasks(
  prompts: readonly ParsedPrompt[],
  now: Date,
  idSalt: string | undefined,
  warnings: PlanWarning[],
): { drafts: Draft[]; skippedRefs: TaskRef[] } {
  const slugs = assignSlugs(prompts, warnings);
  const nextId = createTaskIdGenerator(now, idSalt ?? randomBytes(8).toString("hex"));
  const drafts: Draft[] = [];
  const skippedRefs: TaskRef[] = [];
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
  return { drafts, skippedRefs };
}

/** 3. One task: its target files (warning when it writes none), type, complexity and frontmatter. */
export function taskFromDraft(
  { prompt, id, slug }: Draft,
  repo: RepoFiles,
  promptPaths: ReadonlySet<string>,
  warnings: PlanWarning[],
): TaskData {
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
    ...(fm.maxBudgetUsd !== undefined ? { maxBudgetUsd: fm.maxBudgetUsd } : {}),
    ...(fm.issueNumber !== undefined ? { issueNumber: fm.issueNumber } : {}),
    status: "pending",
  };
}
