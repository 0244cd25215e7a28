import { readdir } from "node:fs/promises";
import { hostname } from "node:os";
import { GadugiError, parseWith } from "@gadugi/error-handling";
import {
  type RunEvent,
  type RunEventInput,
  RunState,
  type RunStateInput,
  type RunStatus,
  type TaskDataInput,
  WorkflowState,
  type WorkflowStateInput,
} from "@gadugi/interfaces";
import { writeJsonAtomic } from "./atomic.js";
import { ensureGitExclude } from "./git-exclude.js";
import { EventJournal } from "./journal.js";
import { loadRunState, runExists } from "./load.js";
import { acquireLock, type LockHandle } from "./lock.js";
import { assertSafeId, type StatePaths, statePaths } from "./paths.js";
import { applyRunEvent, applyRunEventInPlace } from "./reduce.js";
import { type Clock, errnoCode, fileStamp, ioError, messageOf, randomHex, systemClock } from "./util.js";

export interface WorkflowStateManagerOptions {
  /** Wait this long for a run's lock instead of failing at once with GADUGI_LOCK_HELD. */
  lockWait?: { timeoutMs: number; intervalMs?: number };
  /** Told about tolerated problems: a truncated journal line, a corrupt state.json rebuilt... */
  onWarning?: (warning: string) => void;
  now?: Clock;
  /**
   * Called with the run's state before each event is journaled, in journal order; a throw rejects
   * the event and nothing is written. Where a caller enforces its rules (a task status machine).
   */
  checkEvent?: (state: Readonly<RunState>, input: RunEventInput) => void;
}

export interface CreateRunInput {
  /** Default: `run-YYYYMMDD-HHMMSS-xxxx`. */
  runId?: string;
  baseRef?: string;
  baseCommit?: string;
  integrationBranch?: string;
  promptFiles?: string[];
  /** Recorded as task.added events, in order. */
  tasks?: TaskDataInput[];
}

export interface RunSummary {
  runId: string;
  /** `unreadable` when neither state.json nor the journal could be read; see `error`. */
  status: RunStatus | "unreadable";
  startedAt?: string;
  endedAt?: string;
  updatedAt?: string;
  taskCount: number;
  error?: string;
}

type RunFinishedInput = Extract<RunEventInput, { type: "run.finished" }>;

/**
 * Events that change nothing in RunState but journalSeq: they are journaled at once, while
 * state.json is rewritten on the next state-changing event or on close (a load catches up from
 * the journal anyway).
 */
/** Longest state.json lags behind a state-changing event while a run is open. */
const STATE_WRITE_DELAY_MS = 200;

const JOURNAL_ONLY: ReadonlySet<RunEvent["type"]> = new Set([
  "agent.event",
  "agent.run",
  "process.started",
  "process.exited",
  "merge.result",
  "checkpoint.created",
  "concurrency.changed",
  "breaker.state",
  "warning",
]);

interface OpenRun {
  lock: LockHandle;
  journal: EventJournal;
  state: RunState;
  /** state has events state.json does not have yet. */
  dirty: boolean;
  /** A state.json rewrite is scheduled (#scheduleWrite). */
  writeTimer?: NodeJS.Timeout | undefined;
  queue: Promise<unknown>;
}

/**
 * Run state under `<repoRoot>/.gadugi/runs/<runId>/`: state.json (atomic writes) backed by the
 * events.jsonl journal, which is the source of truth. Writing a run takes its lock (createRun,
 * openRun, or implicitly on the first write), so two orchestrators never write the same run;
 * reads need no lock. `close()` releases every lock this manager holds.
 */
export class WorkflowStateManager {
  readonly repoRoot: string;
  readonly paths: StatePaths;
  readonly #options: WorkflowStateManagerOptions;
  readonly #now: Clock;
  readonly #open = new Map<string, OpenRun>();
  readonly #opening = new Map<string, Promise<OpenRun>>();

  constructor(repoRoot: string, options: WorkflowStateManagerOptions = {}) {
    this.repoRoot = repoRoot;
    this.paths = statePaths(repoRoot);
    this.#options = options;
    this.#now = options.now ?? systemClock;
  }

  /**
   * Starts a run: takes its lock, journals run.started (and task.added for `input.tasks`) and
   * writes state.json. Adds `.gadugi/` to the repository's `info/exclude` if missing.
   */
  async createRun(input: CreateRunInput = {}): Promise<RunState> {
    const runId = input.runId ?? this.#newRunId();
    assertSafeId("runId", runId);
    if (this.#open.has(runId) || (await runExists(this.repoRoot, runId))) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "runId",
        value: runId,
        expected: "an id no other run uses",
      });
    }
    await ensureGitExclude(this.repoRoot);
    const lock = await this.#lock(runId);
    try {
      if (await runExists(this.repoRoot, runId)) {
        throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
          name: "runId",
          value: runId,
          expected: "an id no other run uses",
        });
      }
      const journal = EventJournal.forRun(this.repoRoot, runId, { now: this.#now });
      const started = await journal.append({
        type: "run.started",
        repoRoot: this.repoRoot,
        baseRef: input.baseRef,
        baseCommit: input.baseCommit,
        integrationBranch: input.integrationBranch,
        promptFiles: input.promptFiles ?? [],
        owner: { pid: process.pid, host: hostname() },
      });
      let state = applyRunEvent(undefined, started);
      for (const task of input.tasks ?? []) {
        state = applyRunEvent(state, await journal.append({ type: "task.added", task }));
      }
      await this.#write(state);
      this.#open.set(runId, { lock, journal, state, dirty: false, queue: Promise.resolve() });
      return structuredClone(state);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Takes the lock of an existing run for writing (GADUGI_LOCK_HELD when another live process has
   * it) and returns its state; state rebuilt or caught up from the journal is written back.
   */
  async openRun(runId: string): Promise<RunState> {
    return structuredClone((await this.#ensureOpen(runId)).state);
  }

  /** Whether this manager holds the run's lock. */
  isOpen(runId: string): boolean {
    return this.#open.has(runId);
  }

  /**
   * A run's state. Read-only, no lock: state.json, caught up with newer journal events; rebuilt
   * from the journal when state.json is missing or corrupt (the corrupt file is moved aside).
   * Unknown run: GADUGI_RUN_NOT_FOUND.
   */
  async loadRun(runId: string): Promise<RunState> {
    assertSafeId("runId", runId);
    const open = this.#open.get(runId);
    // Events queued before this call are in the answer: a report never misses a pending write.
    if (open !== undefined) return this.#serial(open, async () => structuredClone(open.state));
    const loaded = await loadRunState(this.repoRoot, runId, this.#now);
    this.#warn(loaded.warnings);
    return loaded.state;
  }

  /**
   * `read` applied to a run's state, with the events queued before this call in it, and without
   * the copy `loadRun` makes: an open run's state grows with every task, and copying it to look
   * at one field cost O(tasks) each time. `read` must neither keep nor change the state; what it
   * returns (a promise too) is handed back as it is, so only its synchronous part sees the state.
   */
  async readRun<T>(runId: string, read: (state: Readonly<RunState>) => T | Promise<T>): Promise<T> {
    assertSafeId("runId", runId);
    const open = this.#open.get(runId);
    if (open === undefined) return read(await this.loadRun(runId));
    // Boxed: the serial queue must not wait for a promise `read` returns.
    const box = await this.#serial(open, async () => ({ value: read(open.state) }));
    return box.value;
  }

  /**
   * Writes a whole RunState (validated) to state.json. Prefer `record`: only journaled changes
   * survive a rebuild from the journal.
   */
  async saveRun(input: RunStateInput): Promise<RunState> {
    const state = parseWith(RunState, input, `state of run ${input.runId}`);
    const open = await this.#ensureOpen(state.runId);
    return this.#serial(open, async () => {
      await this.#write(state);
      open.state = state;
      open.dirty = false;
      return structuredClone(state);
    });
  }

  /** Journals one event (durably) and applies it to the run's state; returns the stored event. */
  async record(runId: string, input: RunEventInput): Promise<RunEvent> {
    // An open run is queued at once (no await first), so writes keep the order they were made in.
    const open = this.#open.get(runId) ?? (await this.#ensureOpen(runId));
    return this.#serial(open, async () => {
      this.#options.checkEvent?.(open.state, input);
      const event = await open.journal.append(input);
      // open.state is this manager's own (readers get copies): no copy per event.
      open.state = applyRunEventInPlace(open.state, event, open.journal.path);
      open.dirty = true;
      if (!JOURNAL_ONLY.has(event.type)) this.#scheduleWrite(open);
      return event;
    });
  }

  /** Journals run.finished with `status` and returns the final state. The lock is kept until close. */
  async completeRun(
    runId: string,
    status: RunStatus,
    metrics?: RunFinishedInput["metrics"],
  ): Promise<RunState> {
    await this.record(runId, { type: "run.finished", status, metrics });
    return this.loadRun(runId);
  }

  /** Saves one task's workflow state, journaled as a task.updated event carrying every field. */
  async saveTask(input: WorkflowStateInput): Promise<WorkflowState> {
    const task = parseWith(WorkflowState, input, `task ${input.taskId} of run ${input.runId}`);
    const { runId, taskId, ...patch } = task;
    await this.record(runId, { type: "task.updated", taskId, patch });
    return this.loadTask(runId, taskId);
  }

  /** One task's workflow state; GADUGI_STATE_NOT_FOUND when the run has no such task. */
  async loadTask(runId: string, taskId: string): Promise<WorkflowState> {
    assertSafeId("runId", runId);
    const open = this.#open.get(runId);
    // An open run: a copy of the one task, not of the whole run (which grows with every task).
    const task =
      open === undefined
        ? (await this.loadRun(runId)).tasks[taskId]
        : await this.#serial(open, async () => {
            const own = open.state.tasks[taskId];
            return own === undefined ? undefined : structuredClone(own);
          });
    if (task === undefined) {
      throw new GadugiError("GADUGI_STATE_NOT_FOUND", {
        path: `${this.paths.state(runId)} (task ${taskId})`,
      });
    }
    return task;
  }

  /** Every run under `.gadugi/runs/`, newest first; a run that cannot be read is listed last as `unreadable`. */
  async listRuns(): Promise<RunSummary[]> {
    let names: string[];
    try {
      const entries = await readdir(this.paths.runs, { withFileTypes: true });
      names = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return [];
      throw ioError("list", this.paths.runs, error);
    }
    const summaries: RunSummary[] = [];
    for (const runId of names) {
      try {
        const state = await this.loadRun(runId);
        summaries.push({
          runId,
          status: state.status,
          startedAt: state.startedAt,
          endedAt: state.endedAt,
          updatedAt: state.updatedAt,
          taskCount: state.taskIds.length,
        });
      } catch (error) {
        // A directory with neither state nor journal (e.g. only a lock) is not a run.
        if (GadugiError.is(error, "GADUGI_RUN_NOT_FOUND")) continue;
        summaries.push({ runId, status: "unreadable", taskCount: 0, error: messageOf(error) });
      }
    }
    return summaries.sort((a, b) => {
      if (a.startedAt === undefined || b.startedAt === undefined) {
        if (a.startedAt !== b.startedAt) return a.startedAt === undefined ? 1 : -1;
        return b.runId.localeCompare(a.runId);
      }
      return b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId);
    });
  }

  /**
   * state.json within STATE_WRITE_DELAY_MS of a state-changing event, once for all the events in
   * between: it is a cache of the journal (written and fsynced per event, and what every load
   * catches up from), so rewriting the whole state for every event only cost time.
   */
  #scheduleWrite(open: OpenRun): void {
    if (open.writeTimer !== undefined) return;
    open.writeTimer = setTimeout(() => {
      open.writeTimer = undefined;
      this.#serial(open, async () => {
        if (!open.dirty) return;
        await this.#write(open.state);
        open.dirty = false;
      }).catch((error: unknown) => {
        this.#warn([
          `${this.paths.state(open.state.runId)} not rewritten (the journal has every event): ${messageOf(error)}`,
        ]);
      });
    }, STATE_WRITE_DELAY_MS);
    // A pending rewrite never keeps the process alive: closeRun writes what is left.
    open.writeTimer.unref();
  }

  /** Writes pending state and releases the run's lock. */
  async closeRun(runId: string): Promise<void> {
    const open = this.#open.get(runId);
    if (open === undefined) return;
    clearTimeout(open.writeTimer);
    open.writeTimer = undefined;
    try {
      await this.#serial(open, async () => {
        if (open.dirty) await this.#write(open.state);
        open.dirty = false;
      });
    } finally {
      this.#open.delete(runId);
      await open.lock.release();
    }
  }

  /** closeRun for every run this manager holds. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const runId of [...this.#open.keys()]) {
      await this.closeRun(runId).catch((error: unknown) => errors.push(error));
    }
    if (errors.length > 0) throw errors[0];
  }

  #newRunId(): string {
    const stamp = fileStamp(this.#now()); // 20250102T030405678Z
    return `run-${stamp.slice(0, 8)}-${stamp.slice(9, 15)}-${randomHex(2)}`;
  }

  #warn(warnings: string[]): void {
    for (const warning of warnings) this.#options.onWarning?.(warning);
  }

  #lock(runId: string): Promise<LockHandle> {
    return acquireLock(this.paths.lock(runId), { resource: `run ${runId}`, wait: this.#options.lockWait });
  }

  async #write(state: RunState): Promise<void> {
    await writeJsonAtomic(this.paths.state(state.runId), state);
  }

  #serial<T>(open: OpenRun, fn: () => Promise<T>): Promise<T> {
    const result = open.queue.then(fn);
    open.queue = result.catch(() => undefined);
    return result;
  }

  async #ensureOpen(runId: string): Promise<OpenRun> {
    assertSafeId("runId", runId);
    const open = this.#open.get(runId);
    if (open !== undefined) return open;
    let opening = this.#opening.get(runId);
    if (opening === undefined) {
      opening = this.#doOpen(runId).finally(() => this.#opening.delete(runId));
      this.#opening.set(runId, opening);
    }
    return opening;
  }

  async #doOpen(runId: string): Promise<OpenRun> {
    if (!(await runExists(this.repoRoot, runId))) throw new GadugiError("GADUGI_RUN_NOT_FOUND", { runId });
    const lock = await this.#lock(runId);
    try {
      const loaded = await loadRunState(this.repoRoot, runId, this.#now);
      this.#warn(loaded.warnings);
      if (loaded.changed) await this.#write(loaded.state);
      const open: OpenRun = {
        lock,
        journal: EventJournal.forRun(this.repoRoot, runId, { now: this.#now }),
        state: loaded.state,
        dirty: false,
        queue: Promise.resolve(),
      };
      this.#open.set(runId, open);
      return open;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
}
