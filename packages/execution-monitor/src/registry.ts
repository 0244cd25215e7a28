import { join } from "node:path";
import { createRedactor, GadugiError, REDACTED } from "@gadugi/error-handling";
import { signalProcessGroup } from "@gadugi/git";
import { ProcessRecord, type ProcessStatus } from "@gadugi/interfaces";
import { matchProcess, processStartTicks, readJsonFile, writeFileAtomic } from "@gadugi/state";
import { z } from "zod";
import { assertPid, cpuPercent, readProcUsage } from "./proc.js";

/** `<runDir>/processes.json`. */
export const ProcessRegistryFile = z.strictObject({
  version: z.literal(1),
  runId: z.string(),
  updatedAt: z.string(),
  processes: z.array(ProcessRecord),
});
export type ProcessRegistryFile = z.infer<typeof ProcessRegistryFile>;

export const PROCESSES_FILE_NAME = "processes.json";

export interface ProcessRegistryOptions {
  runId: string;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
  /** Output-driven writes are batched this long. Default 1000 ms. Start and exit are written at once. */
  debounceMs?: number;
  /** CPU/RSS sampling interval while processes run; 0 turns it off. Default 10000 ms. */
  sampleIntervalMs?: number;
  /** lastOutput keeps this many characters (the end of the last line). Default 200. */
  lastOutputChars?: number;
  /** Where `/proc` is (tests point it elsewhere). Default "/proc". */
  procRoot?: string;
  /** Secret-named variables of this environment are redacted by value. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Called when a write fails (the disk is full, the directory went away). The registry keeps
   * tracking in memory and the next write carries everything; a run is never stopped by it.
   */
  onWriteError?: (error: unknown) => void;
}

export interface RegisterProcessInput {
  taskId: string;
  pid: number;
  /** Program and arguments; secrets are redacted before they are stored. */
  command: readonly string[];
  cwd: string;
  /** implementation, testing-fix, setup, test, review... Default "implementation". */
  purpose?: string;
  /** The log its output goes to. */
  logFile: string;
  /** ISO time; default now. */
  startedAt?: string;
  /**
   * The process's start time in clock ticks after boot (`/proc/<pid>/stat` field 22); read from
   * `/proc` at registration when omitted (absent where there is no `/proc`).
   */
  startTicks?: number;
}

/** What {@link ProcessRegistry.stop} did with the entries still marked running. */
export interface StoppedProcesses {
  /** Their process groups got SIGKILL (each pid checked: it still is the registered process). */
  killed: ProcessRecord[];
  /** Gone, or their pid now belongs to another process (left alone): marked `lost`. */
  gone: ProcessRecord[];
}

export interface ProcessExit {
  exitCode: number | null;
  signal?: string | null;
  /** `killed` when we killed it (timeout, cancellation); default: `killed` when a signal ended it. */
  status?: "exited" | "killed";
}

/** A registered process: the way to report its output and exit. */
export interface ProcessHandle {
  readonly taskId: string;
  readonly pid: number;
  /** A copy of the current record. */
  readonly record: ProcessRecord;
  /** Notes output activity (batched write). */
  output(text: string): void;
  /** Records the exit and writes at once (failures go to `onWriteError`). */
  exit(exit: ProcessExit): Promise<ProcessRecord>;
}

export interface ProcessLiveness {
  taskId: string;
  pid: number;
  status: ProcessStatus;
  /** Whether the pid exists now. */
  alive: boolean;
  /** Time since the last output (or since the start when there was none). */
  silentForMs: number;
  /** "running, last output 3s ago", "running, silent for 185s (process alive)"... */
  summary: string;
}

const SECRET_FLAG = /^--?[\w-]*(?:token|api-?key|secret|password|passwd)$/i;

const ACTIVE: ReadonlySet<ProcessStatus> = new Set(["starting", "running"]);

function truncateOutput(text: string, max: number): string | undefined {
  const lines = text.split(/\r?\n|\r/).filter((line) => line.trim() !== "");
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  return last.length > max ? `…${last.slice(last.length - max + 1)}` : last;
}

const seconds = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))}s`;

/**
 * The processes of a run, persisted atomically (temp file, fsync, rename) at
 * `<runDir>/processes.json`. A start and an exit are written at once; output activity and CPU/RSS
 * samples are batched (`debounceMs`). Liveness comes from the pid (`kill(pid, 0)`) and output
 * times: a silent process that still exists stays `running`; only `reconcile()` (on load, for a
 * resume) turns entries whose pid is gone into `lost`.
 */
export class ProcessRegistry {
  readonly runId: string;
  readonly path: string;
  readonly #now: () => number;
  readonly #debounceMs: number;
  readonly #sampleIntervalMs: number;
  readonly #lastOutputChars: number;
  readonly #procRoot: string;
  readonly #redact: (text: string) => string;
  readonly #onWriteError: (error: unknown) => void;
  readonly #records: ProcessRecord[];
  readonly #cpuBaseline = new Map<ProcessRecord, { ticks: number; at: number }>();
  #debounce: NodeJS.Timeout | undefined;
  #sampler: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  #closed = false;

  private constructor(path: string, records: ProcessRecord[], options: ProcessRegistryOptions) {
    this.runId = options.runId;
    this.path = path;
    this.#records = records;
    this.#now = options.now ?? Date.now;
    this.#debounceMs = options.debounceMs ?? 1000;
    this.#sampleIntervalMs = options.sampleIntervalMs ?? 10_000;
    this.#lastOutputChars = options.lastOutputChars ?? 200;
    this.#procRoot = options.procRoot ?? "/proc";
    this.#redact = createRedactor(options.env ? { env: options.env } : {});
    this.#onWriteError = options.onWriteError ?? (() => undefined);
  }

  /**
   * Loads `<runDir>/processes.json` (or starts empty). A corrupt file is moved aside by
   * @gadugi/state and reported as GADUGI_STATE_CORRUPT.
   */
  static async open(runDir: string, options: ProcessRegistryOptions): Promise<ProcessRegistry> {
    const path = join(runDir, PROCESSES_FILE_NAME);
    let records: ProcessRecord[] = [];
    try {
      records = (await readJsonFile(ProcessRegistryFile, path)).processes;
    } catch (error) {
      if (!GadugiError.is(error, "GADUGI_STATE_NOT_FOUND")) throw error;
    }
    return new ProcessRegistry(path, records, options);
  }

  /** Copies of every record, oldest first. */
  list(): ProcessRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }

  /** The latest process of a task (optionally of one purpose). */
  find(taskId: string, purpose?: string): ProcessRecord | undefined {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const r = this.#records[i] as ProcessRecord;
      if (r.taskId === taskId && (purpose === undefined || r.purpose === purpose)) return { ...r };
    }
    return undefined;
  }

  /** Adds a running process and writes the registry at once (failures go to `onWriteError`). */
  async register(input: RegisterProcessInput): Promise<ProcessHandle> {
    assertPid(input.pid);
    // Read at once: the caller registers right after the spawn, while the pid surely is its child.
    const startTicks = input.startTicks ?? processStartTicks(input.pid, this.#procRoot);
    const record: ProcessRecord = {
      runId: this.runId,
      taskId: input.taskId,
      pid: input.pid,
      command: this.#redactCommand(input.command),
      cwd: input.cwd,
      purpose: input.purpose ?? "implementation",
      status: "running",
      startedAt: input.startedAt ?? new Date(this.#now()).toISOString(),
      ...(startTicks === undefined ? {} : { startTicks }),
      logFile: input.logFile,
    };
    this.#records.push(record);
    this.#ensureSampler();
    void this.#baseline(record);
    await this.flush().catch(this.#onWriteError);
    return this.#handle(record);
  }

  /** Each argument redacted; the value after a `--token`/`--api-key`/`--password`-like flag too. */
  #redactCommand(command: readonly string[]): string[] {
    return command.map((arg, i) =>
      i > 0 && SECRET_FLAG.test(command[i - 1] as string) ? REDACTED : this.#redact(arg),
    );
  }

  #handle(record: ProcessRecord): ProcessHandle {
    return {
      taskId: record.taskId,
      pid: record.pid,
      get record() {
        return { ...record };
      },
      output: (text) => this.#output(record, text),
      exit: (exit) => this.#exit(record, exit),
    };
  }

  #output(record: ProcessRecord, text: string): void {
    if (!ACTIVE.has(record.status)) return;
    record.lastOutputAt = new Date(this.#now()).toISOString();
    const last = truncateOutput(text, this.#lastOutputChars);
    if (last !== undefined) record.lastOutput = this.#redact(last);
    this.#schedule();
  }

  async #exit(record: ProcessRecord, exit: ProcessExit): Promise<ProcessRecord> {
    record.endedAt = new Date(this.#now()).toISOString();
    record.exitCode = exit.exitCode;
    record.signal = exit.signal ?? null;
    record.status = exit.status ?? (exit.signal ? "killed" : "exited");
    this.#cpuBaseline.delete(record);
    if (!this.#records.some((r) => ACTIVE.has(r.status))) this.#stopSampler();
    await this.flush().catch(this.#onWriteError);
    return { ...record };
  }

  /** Liveness of every process still recorded as starting or running. */
  liveness(): ProcessLiveness[] {
    const now = this.#now();
    return this.#records
      .filter((r) => ACTIVE.has(r.status))
      .map((r) => {
        const alive = this.#match(r) === "alive";
        const since = Date.parse(r.lastOutputAt ?? r.startedAt);
        const silentForMs = Math.max(0, now - since);
        const summary = !alive
          ? `pid ${r.pid} is gone`
          : r.lastOutputAt
            ? silentForMs >= 30_000
              ? `running, silent for ${seconds(silentForMs)} (process alive)`
              : `running, last output ${seconds(silentForMs)} ago`
            : `running, no output yet for ${seconds(silentForMs)} (process alive)`;
        return { taskId: r.taskId, pid: r.pid, status: r.status, alive, silentForMs, summary };
      });
  }

  /** Whether a record's process still runs: its pid exists and (where recorded) its start time matches. */
  #match(record: ProcessRecord): ReturnType<typeof matchProcess> {
    return matchProcess(record.pid, record.startTicks, this.#procRoot);
  }

  /**
   * For a resume: every entry still marked starting or running whose pid no longer exists (or now
   * belongs to a process that started at another time) becomes `lost` (its end time is now).
   * Returns the entries it changed.
   */
  async reconcile(): Promise<ProcessRecord[]> {
    const changed: ProcessRecord[] = [];
    for (const r of this.#records) {
      if (ACTIVE.has(r.status) && this.#match(r) !== "alive") {
        r.status = "lost";
        r.endedAt = new Date(this.#now()).toISOString();
        changed.push({ ...r });
      }
    }
    if (changed.length > 0) await this.flush();
    return changed;
  }

  /**
   * For `cancel` and a resume after the orchestrator died: the process group of every entry still
   * marked running gets SIGKILL (entry `killed`) if its pid still is the registered process (same
   * start time; without `/proc`, the pid alone is checked). An entry whose pid is gone or now
   * belongs to another process is left alone (`lost`); so is a group whose leader has exited.
   */
  async stop(): Promise<StoppedProcesses> {
    const stopped: StoppedProcesses = { killed: [], gone: [] };
    const endedAt = new Date(this.#now()).toISOString();
    for (const r of this.#records) {
      if (!ACTIVE.has(r.status)) continue;
      if (this.#match(r) === "alive") {
        signalProcessGroup(r.pid, "SIGKILL");
        Object.assign(r, { status: "killed", signal: "SIGKILL", exitCode: null, endedAt });
        stopped.killed.push({ ...r });
      } else {
        Object.assign(r, { status: "lost", endedAt });
        stopped.gone.push({ ...r });
      }
      this.#cpuBaseline.delete(r);
    }
    this.#stopSampler();
    if (stopped.killed.length + stopped.gone.length > 0) await this.flush();
    return stopped;
  }

  /** Reads CPU % and RSS of every running process tree from /proc once (batched write). */
  sample(): Promise<void> {
    this.#sampling ??= (async () => {
      try {
        const active = this.#records.filter((r) => ACTIVE.has(r.status));
        let changed = false;
        for (const r of active) {
          const usage = await readProcUsage(r.pid, this.#procRoot);
          if (!usage || !ACTIVE.has(r.status)) continue;
          const current = { ticks: usage.cpuTicks, at: this.#now() };
          const previous = this.#cpuBaseline.get(r);
          if (previous) r.cpuPercent = cpuPercent(previous, current);
          this.#cpuBaseline.set(r, current);
          r.rssBytes = usage.rssBytes;
          changed = true;
        }
        if (changed) this.#schedule();
      } finally {
        this.#sampling = undefined;
      }
    })();
    return this.#sampling;
  }

  async #baseline(record: ProcessRecord): Promise<void> {
    const usage = await readProcUsage(record.pid, this.#procRoot).catch(() => undefined);
    if (usage && ACTIVE.has(record.status) && !this.#cpuBaseline.has(record)) {
      this.#cpuBaseline.set(record, { ticks: usage.cpuTicks, at: this.#now() });
      record.rssBytes = usage.rssBytes;
    }
  }

  #ensureSampler(): void {
    if (this.#sampler || this.#sampleIntervalMs <= 0 || this.#closed) return;
    this.#sampler = setInterval(() => {
      this.sample().catch(() => undefined);
    }, this.#sampleIntervalMs);
    this.#sampler.unref();
  }

  #stopSampler(): void {
    if (this.#sampler) clearInterval(this.#sampler);
    this.#sampler = undefined;
  }

  #schedule(): void {
    if (this.#debounce || this.#closed) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#write().catch(this.#onWriteError);
    }, this.#debounceMs);
    this.#debounce.unref();
  }

  /** Writes the current state now (after any write in progress). */
  flush(): Promise<void> {
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = undefined;
    return this.#write();
  }

  /**
   * Writes the current state after the write in progress, if any. Callers arriving while a write
   * is in flight share the one next write (it carries all their changes), so a burst of exits
   * costs two writes, not one per process.
   */
  #write(): Promise<void> {
    if (this.#queued) return this.#queued;
    const next = this.#inFlight.then(() => {
      this.#queued = undefined;
      const file: ProcessRegistryFile = {
        version: 1,
        runId: this.runId,
        updatedAt: new Date(this.#now()).toISOString(),
        processes: this.#records,
      };
      return writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
    });
    this.#queued = next;
    // The chain survives a failed write; the callers still see the failure.
    this.#inFlight = next.catch(() => undefined);
    return next;
  }

  /** Stops sampling and writes pending changes. */
  async close(): Promise<void> {
    this.#stopSampler();
    await this.flush();
    this.#closed = true;
  }
}
