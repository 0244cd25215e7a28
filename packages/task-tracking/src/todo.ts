import { join } from "node:path";
import { parseWith } from "@gadugi/error-handling";
import { TaskStatus, WorkflowPhase } from "@gadugi/interfaces";
import { writeFileAtomic } from "@gadugi/state";
import { z } from "zod";
import type { PhaseChange, WorkflowPhaseTracker } from "./phase-tracker.js";
import type { TaskStatusChange, TaskTracker } from "./task-tracker.js";
import { type Clock, callerError, iso, systemClock } from "./util.js";

export const TodoItem = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  status: TaskStatus.default("pending"),
  phase: WorkflowPhase.optional(),
  /** Why a task failed, was skipped or cancelled. */
  note: z.string().optional(),
});
export type TodoItem = z.infer<typeof TodoItem>;

/** Contents of `todo.json`. */
export const TodoList = z.strictObject({
  version: z.literal(1),
  title: z.string(),
  updatedAt: z.string(),
  items: z.array(TodoItem),
});
export type TodoList = z.infer<typeof TodoList>;

export interface TodoWriteManagerOptions {
  /** Directory receiving `todo.md` and `todo.json` (created when missing), e.g. the run directory. */
  dir: string;
  /** Heading of the markdown file; "Gadugi run" by default. */
  title?: string;
  now?: Clock;
  /** Write the files after every change (coalesced; see flush). Default true. */
  autoWrite?: boolean;
}

export const TODO_MARKDOWN_FILE = "todo.md";
export const TODO_JSON_FILE = "todo.json";

/**
 * The run's todo list, kept in `<dir>/todo.md` (a checkbox list) and `<dir>/todo.json`. Both files
 * are replaced atomically. Changes made directly or followed from a TaskTracker / phase tracker
 * schedule one write (coalesced while a write is in flight); {@link flush} waits for it and
 * rethrows a failed background write.
 */
export class TodoWriteManager {
  readonly dir: string;
  readonly title: string;
  readonly #items = new Map<string, TodoItem>();
  readonly #now: Clock;
  readonly #autoWrite: boolean;
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;
  #error: { error: unknown } | undefined;

  constructor(options: TodoWriteManagerOptions) {
    this.dir = options.dir;
    this.title = options.title ?? "Gadugi run";
    this.#now = options.now ?? systemClock;
    this.#autoWrite = options.autoWrite ?? true;
  }

  get markdownPath(): string {
    return join(this.dir, TODO_MARKDOWN_FILE);
  }

  get jsonPath(): string {
    return join(this.dir, TODO_JSON_FILE);
  }

  /** Adds or replaces an item (keeping its place in the list when it already exists). */
  set(item: z.input<typeof TodoItem>): void {
    const parsed = parseWith(TodoItem, item, `todo item ${String(item.id)}`);
    this.#items.set(parsed.id, parsed);
    this.#changed();
  }

  /** Changes some fields of an existing item; `undefined` clears phase or note. */
  update(id: string, patch: Partial<Omit<TodoItem, "id">>): void {
    const item = this.#items.get(id);
    if (!item) throw callerError("taskId", id, "a task on the todo list", "Add it with set() first.");
    const next: TodoItem = { ...item, ...patch };
    for (const key of ["phase", "note"] as const) if (next[key] === undefined) delete next[key];
    this.#items.set(id, parseWith(TodoItem, next, `todo item ${id}`));
    this.#changed();
  }

  items(): TodoItem[] {
    return [...this.#items.values()].map((i) => ({ ...i }));
  }

  /**
   * Follows a TaskTracker: each status change updates the item (added under its id when missing),
   * with the change's reason as the note of failed, skipped and cancelled tasks.
   */
  attach(tracker: TaskTracker): () => void {
    for (const task of tracker.list()) {
      if (!this.#items.has(task.id)) this.set({ id: task.id, name: task.id, status: task.status });
    }
    return tracker.on((change: TaskStatusChange) => {
      const note = ["failed", "skipped", "cancelled"].includes(change.to) ? change.reason : undefined;
      if (!this.#items.has(change.taskId)) this.set({ id: change.taskId, name: change.taskId });
      this.update(change.taskId, { status: change.to, note });
    });
  }

  /** Follows a WorkflowPhaseTracker: an item's phase is the last phase started, skipped or ended. */
  attachPhases(phases: WorkflowPhaseTracker): () => void {
    return phases.on((change: PhaseChange) => {
      if (this.#items.has(change.taskId)) this.update(change.taskId, { phase: change.phase });
    });
  }

  renderJson(): TodoList {
    return { version: 1, title: this.title, updatedAt: iso(this.#now()), items: this.items() };
  }

  /**
   * The markdown file: a heading, a summary line and one checkbox per task, checked when completed:
   * `- [ ] Name — status (phase): note · \`id\``.
   */
  renderMarkdown(list: TodoList = this.renderJson()): string {
    const counts = new Map<TaskStatus, number>();
    for (const item of list.items) counts.set(item.status, (counts.get(item.status) ?? 0) + 1);
    const summary = TaskStatus.options
      .filter((s) => counts.has(s))
      .map((s) => `${counts.get(s)} ${s}`)
      .join(", ");
    const n = list.items.length;
    const lines = [
      `# ${oneLine(list.title)}`,
      "",
      `Updated ${list.updatedAt} · ${n} ${n === 1 ? "task" : "tasks"}${summary ? `: ${summary}` : ""}`,
      "",
    ];
    for (const item of list.items) {
      const box = item.status === "completed" ? "[x]" : "[ ]";
      const phase = item.phase ? ` (${item.phase})` : "";
      const note = item.note ? `: ${oneLine(item.note)}` : "";
      lines.push(`- ${box} ${oneLine(item.name)} — ${item.status}${phase}${note} · \`${item.id}\``);
    }
    if (n === 0) lines.push("_No tasks._");
    return `${lines.join("\n")}\n`;
  }

  /** Writes both files now (after any write already scheduled). */
  async write(): Promise<void> {
    this.#schedule();
    await this.flush();
  }

  /** Waits for scheduled writes; throws the first error of a background write, once. */
  async flush(): Promise<void> {
    await this.#chain;
    const failed = this.#error;
    this.#error = undefined;
    if (failed) throw failed.error;
  }

  #changed(): void {
    if (this.#autoWrite) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#chain = this.#chain.then(async () => {
      this.#scheduled = false;
      try {
        const list = this.renderJson();
        await writeFileAtomic(this.jsonPath, `${JSON.stringify(list, null, 2)}\n`);
        await writeFileAtomic(this.markdownPath, this.renderMarkdown(list));
      } catch (error) {
        this.#error ??= { error };
      }
    });
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
