import type { PlanEdge, Priority, TargetFile } from "@gadugi/interfaces";
import type { MergeRuleTable } from "@gadugi/merge-rules";
import { expandTarget, isGlob, targetsOverlap } from "./paths.js";
import type { RepoFiles } from "./repo-files.js";

/** What conflict detection needs to know of a task. */
export interface ConflictTask {
  id: string;
  slug: string;
  priority: Priority;
  targetFiles: readonly TargetFile[];
}

const PRIORITY_RANK: Readonly<Record<Priority, number>> = { critical: 3, high: 2, medium: 1, low: 0 };

/**
 * A total order of the tasks that respects `edges` (a DAG): among tasks free to go, higher
 * priority first, then the order the prompts were given. Edges added between two tasks always
 * point from the earlier to the later one in this order, so they can never close a cycle.
 */
export function schedulingOrder(tasks: readonly ConflictTask[], edges: readonly PlanEdge[]): string[] {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const indegree = new Map(tasks.map((t) => [t.id, 0]));
  const next = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const e of edges) {
    next.get(e.from)?.push(e.to);
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
  }
  const rank = (id: string): [number, number] => {
    const i = index.get(id) ?? 0;
    return [-PRIORITY_RANK[tasks[i]?.priority ?? "medium"], i];
  };
  const ready = tasks.filter((t) => indegree.get(t.id) === 0).map((t) => t.id);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => {
      const [pa, ia] = rank(a);
      const [pb, ib] = rank(b);
      return pa - pb || ia - ib;
    });
    const id = ready.shift() as string;
    order.push(id);
    for (const n of next.get(id) ?? []) {
      const d = (indegree.get(n) ?? 0) - 1;
      indegree.set(n, d);
      if (d === 0) ready.push(n);
    }
  }
  return order;
}

/** Whether `to` is reachable from `from` over `edges`. */
export function reaches(from: string, to: string, edges: readonly PlanEdge[]): boolean {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.from);
    if (list) list.push(e.to);
    else next.set(e.from, [e.to]);
  }
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === to) return true;
    for (const n of next.get(id) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return false;
}

/** Files a task writes: each non-read target, and the tracked files it covers (directories, globs). */
export function writtenFiles(task: ConflictTask, repo: RepoFiles): Set<string> {
  const out = new Set<string>();
  for (const t of task.targetFiles) {
    if (t.access === "reads") continue;
    out.add(t.path);
    for (const f of expandTarget(t.path, repo.set, repo.list)) out.add(f);
  }
  return out;
}

/** The first `max` names, comma-separated, and how many more there are. */
export function listShort(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/**
 * The merge rule of each shared file, when every one has a rule (then a merge of the two merges
 * them by rule and they need not wait for each other); undefined otherwise.
 */
function hotspotRules(
  files: readonly string[],
  rules: MergeRuleTable | undefined,
): Record<string, string> | undefined {
  if (rules === undefined) return undefined;
  const found: Record<string, string> = {};
  for (const file of files) {
    const rule = isGlob(file) || file.endsWith("/") ? undefined : rules.ruleFor(file);
    if (rule === undefined) return undefined;
    found[file] = rule.name;
  }
  return found;
}

/**
 * Hard edges between tasks that write the same file (or a file inside a directory/glob the other
 * writes). Tasks that only read a file never conflict. The earlier task in `order` goes first;
 * the reason says why: already ordered by dependencies, higher priority, or listed first. Two
 * tasks whose shared files all have a merge rule (`rules`) get a soft `hotspot` edge instead,
 * which does not serialize them.
 */
export function sameFileEdges(
  tasks: readonly ConflictTask[],
  order: readonly string[],
  explicit: readonly PlanEdge[],
  repo: RepoFiles,
  rules?: MergeRuleTable,
): PlanEdge[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const inputIndex = new Map(tasks.map((t, i) => [t.id, i]));
  const writes = new Map(tasks.map((t) => [t.id, writtenFiles(t, repo)]));
  const edges: PlanEdge[] = [];
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      const a = byId.get(order[i] as string) as ConflictTask;
      const b = byId.get(order[j] as string) as ConflictTask;
      const wa = writes.get(a.id) as Set<string>;
      const wb = writes.get(b.id) as Set<string>;
      const shared = new Set([...wa].filter((f) => wb.has(f) && !f.endsWith("/")));
      for (const x of wa) {
        for (const y of wb) {
          if (x === y || !targetsOverlap(x, y)) continue;
          // A new file inside the other's directory or glob (tracked files are already in both sets).
          const concrete = [x, y].find((p) => !isGlob(p) && !p.endsWith("/"));
          if (concrete && !(wa.has(concrete) && wb.has(concrete))) shared.add(concrete);
          else if (!concrete && ![...shared].some((f) => targetsOverlap(x, f)))
            shared.add(x.length <= y.length ? x : y);
        }
      }
      if (shared.size === 0) continue;
      const files = [...shared].sort();
      const hotspot = hotspotRules(files, rules);
      if (hotspot !== undefined) {
        edges.push(hotspotEdge(a, b, files, hotspot));
        continue;
      }
      const why = reaches(a.id, b.id, explicit)
        ? `${b.slug} already depends on ${a.slug}`
        : a.priority !== b.priority
          ? `${a.slug} has higher priority (${a.priority} > ${b.priority})`
          : (inputIndex.get(a.id) ?? 0) < (inputIndex.get(b.id) ?? 0)
            ? `${a.slug} was listed first`
            : `${b.slug} waits for its dependencies`;
      edges.push({
        from: a.id,
        to: b.id,
        kind: "same-file",
        hard: true,
        reason: `both write ${listShort(files)}; they must not run at once, so ${b.slug} waits for ${a.slug} (${why})`,
        files,
      });
    }
  }
  return edges;
}

/** The soft edge of two tasks whose shared files all merge by rule: shown, never waited on. */
function hotspotEdge(
  a: ConflictTask,
  b: ConflictTask,
  files: string[],
  rules: Record<string, string>,
): PlanEdge {
  const byRule = files.map((f) => `${f} (${rules[f]})`);
  return {
    from: a.id,
    to: b.id,
    kind: "hotspot",
    hard: false,
    reason: `both write ${listShort(byRule)}, which merge rules merge; ${a.slug} and ${b.slug} may run at once`,
    files,
    rules,
  };
}

/** Minimal view of an import graph: direct imports of a file. */
export interface ImportLookup {
  imports: ReadonlyMap<string, readonly string[]>;
}

/**
 * Soft edges from import coupling: task B writes file F, and F imports (directly, or through at
 * most `depth` import hops) a module M that task A writes, so B's code depends on A's. The edge
 * is A → B (B waits) with the shortest chain [F, …, M]; when each imports the other's files, or
 * when hard edges already order B before A, the direction follows the existing order instead.
 * Pairs already joined by a hard edge get no soft edge.
 */
export function importEdges(
  tasks: readonly ConflictTask[],
  order: readonly string[],
  hard: readonly PlanEdge[],
  graph: ImportLookup,
  repo: RepoFiles,
  depth: number,
): PlanEdge[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const position = new Map(order.map((id, i) => [id, i]));
  const at = (id: string): number => position.get(id) ?? 0;
  const couplings = importCouplings(tasks, order, hard, graph, repo, depth);
  const edges: PlanEdge[] = [];
  const ordering = [...hard];
  const done = new Set<string>();
  const pairs = [...couplings.keys()].sort((x, y) => {
    const [xa = "", xb = ""] = x.split("|");
    const [ya = "", yb = ""] = y.split("|");
    return at(xa) - at(ya) || at(xb) - at(yb);
  });
  for (const key of pairs) {
    const [aId = "", bId = ""] = key.split("|");
    const pairKey = [aId, bId].sort().join("|");
    if (done.has(pairKey)) continue;
    done.add(pairKey);
    const a = byId.get(aId) as ConflictTask;
    const b = byId.get(bId) as ConflictTask;
    const chain = couplings.get(key) as string[];
    // Each imports the other's files: the scheduling order decides.
    const mutual = couplings.has(`${bId}|${aId}`);
    const [from, to, note] = mutual
      ? mutualDirection(a, b, at(bId) < at(aId), ordering)
      : reaches(b.id, a.id, ordering)
        ? [b, a, `; ${a.slug} already waits for ${b.slug}, so that order is kept`]
        : [a, b, ""];
    const edge = importEdge(from, to, a, b, chain, note);
    edges.push(edge);
    ordering.push(edge);
  }
  return edges;
}

/** Who waits when A's and B's files import each other: the scheduling order, unless `ordering` already says otherwise. */
function mutualDirection(
  a: ConflictTask,
  b: ConflictTask,
  bFirst: boolean,
  ordering: readonly PlanEdge[],
): [ConflictTask, ConflictTask, string] {
  let [from, to] = bFirst ? [b, a] : [a, b];
  if (reaches(to.id, from.id, ordering)) [from, to] = [to, from];
  return [
    from,
    to,
    `; ${b.slug}'s and ${a.slug}'s files import each other, so ${to.slug} waits for ${from.slug}`,
  ];
}

/** The soft edge `from → to` for B's importer reaching A's module over `chain`. */
function importEdge(
  from: ConflictTask,
  to: ConflictTask,
  a: ConflictTask,
  b: ConflictTask,
  chain: string[],
  note: string,
): PlanEdge {
  const importer = chain[0] as string;
  const module = chain[chain.length - 1] as string;
  const via = chain.length > 2 ? ` via ${chain.slice(1, -1).join(" → ")}` : "";
  return {
    from: from.id,
    to: to.id,
    kind: "import",
    hard: false,
    reason: `${b.slug} writes ${importer}, which imports ${module}${via}, written by ${a.slug}${note}`,
    chain,
    files: [importer, module],
  };
}

/**
 * Pair "a|b" (task a writes the imported module, task b the importer) → the shortest import
 * chain [F, …, M] from a file F that b writes to a module M that a writes, within `depth` hops,
 * found breadth-first from each of b's files in order. Pairs joined by a hard edge are left out.
 */
function importCouplings(
  tasks: readonly ConflictTask[],
  order: readonly string[],
  hard: readonly PlanEdge[],
  graph: ImportLookup,
  repo: RepoFiles,
  depth: number,
): Map<string, string[]> {
  const writers = new Map<string, string[]>();
  const writes = new Map<string, Set<string>>();
  for (const t of tasks) {
    const files = new Set([...writtenFiles(t, repo)].filter((f) => graph.imports.has(f)));
    writes.set(t.id, files);
    for (const f of files) {
      const list = writers.get(f);
      if (list) list.push(t.id);
      else writers.set(f, [t.id]);
    }
  }
  const joined = new Set(hard.flatMap((e) => [`${e.from}|${e.to}`, `${e.to}|${e.from}`]));
  const couplings = new Map<string, string[]>();
  for (const b of order) {
    for (const start of [...(writes.get(b) ?? [])].sort()) {
      // Breadth-first over imports from `start`, keeping the path.
      const parent = new Map<string, string>([[start, ""]]);
      let frontier = [start];
      for (let hop = 1; hop <= depth && frontier.length > 0; hop++) {
        const nextFrontier: string[] = [];
        for (const file of frontier) {
          for (const imported of graph.imports.get(file) ?? []) {
            if (parent.has(imported)) continue;
            parent.set(imported, file);
            nextFrontier.push(imported);
            for (const a of writers.get(imported) ?? []) {
              if (a === b || joined.has(`${a}|${b}`)) continue;
              const chain = chainTo(imported, parent);
              const key = `${a}|${b}`;
              const known = couplings.get(key);
              if (!known || chain.length < known.length) couplings.set(key, chain);
            }
          }
        }
        frontier = nextFrontier;
      }
    }
  }
  return couplings;
}

/** The import chain from the search's start to `file`, following `parent` links ("" ends it). */
function chainTo(file: string, parent: ReadonlyMap<string, string>): string[] {
  const chain = [file];
  let at = parent.get(file) ?? "";
  while (at !== "") {
    chain.unshift(at);
    at = parent.get(at) ?? "";
  }
  return chain;
}
