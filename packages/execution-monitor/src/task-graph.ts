import { GadugiError } from "@gadugi/error-handling";
import type { TaskStatus } from "@gadugi/interfaces";
import type { ScheduledTask, TaskResult } from "./scheduler.js";

/** One task of a scheduler run, linked to its dependents. */
export interface Node {
  task: ScheduledTask;
  index: number;
  dependents: Node[];
  waitingFor: number;
  rank: number;
  status: TaskStatus;
  result: TaskResult;
  /** Running, but its slot given back (ExecutionContext.slot). */
  slotReleased?: boolean;
}

export function invalid(name: string, value: string, expected: string): GadugiError {
  return new GadugiError("GADUGI_INVALID_ARGUMENT", { name, value, expected });
}

export function removeReady(ready: Node[], node: Node): void {
  const i = ready.indexOf(node);
  if (i >= 0) ready.splice(i, 1);
}

/** Removes and returns the ready task with the longest remaining critical path (input order on ties). */
export function takeBest(ready: Node[]): Node {
  return ready.splice(bestIndex(ready), 1)[0] as Node;
}

/** The ready task `takeBest` would launch next, left in the queue. */
export function peekBest(ready: readonly Node[]): Node | undefined {
  return ready[bestIndex(ready)];
}

function bestIndex(ready: readonly Node[]): number {
  let best = 0;
  for (let i = 1; i < ready.length; i++) {
    const a = ready[i] as Node;
    const b = ready[best] as Node;
    if (a.rank > b.rank || (a.rank === b.rank && a.index < b.index)) best = i;
  }
  return best;
}

function weightOf(task: ScheduledTask): number {
  const w = task.estimatedMs ?? task.weight ?? 1;
  return Number.isFinite(w) && w > 0 ? w : 1;
}

/** Validates the graph and computes each task's critical-path rank. */
export function buildGraph(tasks: readonly ScheduledTask[]): Node[] {
  const byId = new Map<string, Node>();
  const nodes = tasks.map((task, index) => {
    if (byId.has(task.id)) throw new GadugiError("GADUGI_DUPLICATE_TASK_ID", { id: task.id, files: [] });
    const node: Node = {
      task,
      index,
      dependents: [],
      waitingFor: 0,
      rank: 0,
      status: "pending",
      result: { taskId: task.id, status: "skipped", attempts: 0 },
    };
    byId.set(task.id, node);
    return node;
  });
  for (const node of nodes) {
    for (const dep of new Set(node.task.dependencies ?? [])) {
      const parent = byId.get(dep);
      if (!parent) {
        throw invalid(`dependencies of ${node.task.id}`, dep, "the id of another task in the same run");
      }
      parent.dependents.push(node);
      node.waitingFor++;
    }
  }
  // Kahn's order; whatever is left over sits on a cycle.
  const indegree = new Map(nodes.map((n) => [n, n.waitingFor]));
  const order: Node[] = nodes.filter((n) => n.waitingFor === 0);
  for (let i = 0; i < order.length; i++) {
    for (const d of (order[i] as Node).dependents) {
      const left = (indegree.get(d) as number) - 1;
      indegree.set(d, left);
      if (left === 0) order.push(d);
    }
  }
  if (order.length < nodes.length) {
    throw new GadugiError("GADUGI_DEPENDENCY_CYCLE", {
      cycle: findCycle(nodes.filter((n) => !order.includes(n))),
    });
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as Node;
    node.rank = weightOf(node.task) + Math.max(0, ...node.dependents.map((d) => d.rank));
  }
  return nodes;
}

function findCycle(stuck: Node[]): string[] {
  const set = new Set(stuck);
  const first = stuck[0] as Node;
  const path: Node[] = [];
  const seen = new Map<Node, number>();
  let node: Node | undefined = first;
  while (node && !seen.has(node)) {
    seen.set(node, path.length);
    path.push(node);
    node = node.dependents.find((d) => set.has(d));
  }
  if (!node) return stuck.map((n) => n.task.id);
  const cycle = path.slice(seen.get(node)).map((n) => n.task.id);
  return [...cycle, node.task.id];
}
