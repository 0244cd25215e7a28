import { basename, extname } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import type { PlanEdge, PlanWarning } from "@gadugi/interfaces";
import { slugify } from "./ids.js";
import { splitMarkdown } from "./markdown.js";

/** What dependency resolution needs to know of a task. */
export interface TaskRef {
  id: string;
  slug: string;
  /** Repository-relative prompt path. */
  file: string;
  /** The frontmatter `id`, when given. */
  declaredId?: string;
}

/** A dependency as written: frontmatter `depends_on`, or a "depends on X" phrase in the text. */
export interface DependencyMention {
  ref: string;
  source: "frontmatter" | "text";
  line?: number;
  /** The phrase, for text mentions. */
  phrase?: string;
}

/** Keys a task can be named by in `depends_on`: id, frontmatter id, slug, path, file name with and without extension. */
function namesOf(task: TaskRef): string[] {
  const base = basename(task.file);
  return [task.id, task.declaredId ?? "", task.slug, task.file, base, basename(base, extname(base))]
    .filter((n) => n !== "")
    .map((n) => n.toLowerCase());
}

/** Index from every name of every task to the task. */
export function taskIndex<T extends TaskRef>(tasks: readonly T[]): (ref: string) => T | undefined {
  const byName = new Map<string, T>();
  for (const task of tasks) {
    for (const name of namesOf(task)) if (!byName.has(name)) byName.set(name, task);
  }
  return (ref) => {
    const key = ref.trim().replace(/^\.\//, "").toLowerCase();
    return byName.get(key) ?? byName.get(basename(key)) ?? byName.get(slugify(basename(key, extname(key))));
  };
}

const PHRASE =
  /\b(depends on|depend on|dependent on|blocked by|builds on|requires the completion of|must (?:run|come|start) after|after (?:completing|finishing)|prerequisites?:)\s+((?:[^.\n;]|\.(?=\w)){1,120})/gi;

/**
 * "depends on X" phrases outside code blocks, with each word that could name a task (the caller
 * keeps only words naming another task of the run, so "the" or "each" never becomes an edge).
 */
export function findTextDependencies(body: string, bodyLine = 1): DependencyMention[] {
  const out: DependencyMention[] = [];
  for (const l of splitMarkdown(body)) {
    if (l.code || l.heading) continue;
    for (const m of l.text.matchAll(PHRASE)) {
      const tail = (m[2] as string).replace(/\[([^\]]*)\]\(([^)\s]+)\)/g, "$2");
      for (const word of tail.split(/[\s,]+/)) {
        const ref = word.replace(/^[`'"*_(]+|[`'"*_),:!?]+$/g, "");
        if (ref.length < 2) continue;
        out.push({ ref, source: "text", line: l.line + bodyLine - 1, phrase: `${m[1]} ${tail.trim()}` });
      }
    }
  }
  return out;
}

export interface ExplicitEdgesInput<T extends TaskRef> {
  tasks: readonly T[];
  mentions: ReadonlyMap<string, readonly DependencyMention[]>;
  /** Prompts skipped as done: depending on one is satisfied, with a warning. */
  skipped: readonly TaskRef[];
}

/**
 * Explicit edges: frontmatter `depends_on` (by id, slug or file name; unknown names are a
 * GADUGI_UNKNOWN_DEPENDENCY error) and text phrases that name another task of the run.
 */
export function explicitEdges<T extends TaskRef>(
  input: ExplicitEdgesInput<T>,
): { edges: PlanEdge[]; warnings: PlanWarning[] } {
  const find = taskIndex(input.tasks);
  const findSkipped = taskIndex(input.skipped);
  const edges = new Map<string, PlanEdge>();
  const warnings: PlanWarning[] = [];
  for (const task of input.tasks) {
    for (const mention of input.mentions.get(task.id) ?? []) {
      const target = find(mention.ref);
      if (mention.source === "frontmatter") {
        if (!target) {
          const done = findSkipped(mention.ref);
          if (done) {
            warnings.push({
              message: `${task.slug} depends on ${done.slug}, which is skipped as already done; the dependency counts as met`,
              file: task.file,
              taskId: task.id,
            });
            continue;
          }
          throw new GadugiError("GADUGI_UNKNOWN_DEPENDENCY", { file: task.file, dependency: mention.ref });
        }
        if (target === task)
          throw new GadugiError("GADUGI_DEPENDENCY_CYCLE", { cycle: [task.slug, task.slug] });
      }
      if (!target || target === task) continue;
      const key = `${target.id}>${task.id}`;
      if (edges.has(key)) continue;
      const reason =
        mention.source === "frontmatter"
          ? `${task.slug} declares depends_on: ${mention.ref}`
          : `${task.slug} says "${mention.phrase}" (${task.file}:${mention.line})`;
      edges.set(key, { from: target.id, to: task.id, kind: "explicit", hard: true, reason });
    }
  }
  return { edges: [...edges.values()], warnings };
}

/** A cycle in `edges` as task ids (first repeated at the end), or undefined. */
export function findCycle(ids: readonly string[], edges: readonly PlanEdge[]): string[] | undefined {
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) next.get(e.from)?.push(e.to);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const n of next.get(id) ?? []) {
      if (state.get(n) === 1) return [...stack.slice(stack.indexOf(n)), n];
      if (!state.has(n)) {
        const found = visit(n);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const id of ids) {
    if (!state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}
