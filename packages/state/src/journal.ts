import { mkdir, open, readFile, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { GadugiError, parseWith } from "@gadugi/error-handling";
import { RunEvent, type RunEventInput } from "@gadugi/interfaces";
import { formatSchemaIssues, fsyncDir, writeFileAtomic } from "./atomic.js";
import { statePaths } from "./paths.js";
import { type Clock, errnoCode, fileStamp, ioError, messageOf, systemClock } from "./util.js";

export interface JournalReadResult {
  /** Every valid event, in file order. */
  events: RunEvent[];
  /** Things that were tolerated: an incomplete last line, a seq gap or repeat. */
  warnings: string[];
  /** seq of the last valid event, 0 for an empty or missing journal. */
  lastSeq: number;
}

interface ParsedJournal extends JournalReadResult {
  /** Byte offset just after the last valid line (where a garbled tail starts). */
  goodEnd: number;
  /** Whether bytes after `goodEnd` were ignored. */
  badTail: boolean;
  /** Whether the file ends in the middle of a valid line (no final newline). */
  missingNewline: boolean;
}

export interface EventJournalOptions {
  now?: Clock;
}

const NEWLINE = 0x0a;
const WHITESPACE = new Set([0x09, 0x0a, 0x0d, 0x20]);

/**
 * Parsing `task.updated` fills the `.default()`s of `WorkflowState.partial()` (`phases: []`,
 * `attempts: 0`), which would make every patch wipe those fields; keep only the keys the producer
 * actually wrote.
 */
function keepWrittenPatchKeys(event: RunEvent, raw: unknown): RunEvent {
  if (event.type !== "task.updated") return event;
  const written = (raw as { patch?: unknown } | null)?.patch;
  if (written === null || typeof written !== "object") return event;
  const keys = new Set(Object.keys(written));
  const patch = Object.fromEntries(Object.entries(event.patch).filter(([key]) => keys.has(key)));
  return { ...event, patch };
}

/**
 * A run's append-only event log (`.gadugi/runs/<runId>/events.jsonl`), one RunEvent per line.
 * `append` stamps `seq` (continuing after a reopen), `at` and `runId`, validates the event and
 * writes the line with a single write followed by fsync. Only the holder of the run's lock should
 * append; reading is always safe.
 */
export class EventJournal {
  readonly path: string;
  readonly runId: string;
  readonly #now: Clock;
  #nextSeq: number | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, runId: string, options: EventJournalOptions = {}) {
    this.path = path;
    this.runId = runId;
    this.#now = options.now ?? systemClock;
  }

  /** The journal of `runId` under `<repoRoot>/.gadugi/runs/`. */
  static forRun(repoRoot: string, runId: string, options: EventJournalOptions = {}): EventJournal {
    return new EventJournal(statePaths(repoRoot).journal(runId), runId, options);
  }

  /**
   * Parses every line through RunEvent. A garbled or incomplete last line (a crash mid-write) is
   * skipped with a warning; a bad line anywhere else is GADUGI_STATE_CORRUPT naming the line. A
   * missing journal reads as empty.
   */
  async read(): Promise<JournalReadResult> {
    const { events, warnings, lastSeq } = await this.#parse();
    return { events, warnings, lastSeq };
  }

  /** seq of the last valid event (0 when there is none). */
  async lastSeq(): Promise<number> {
    if (this.#nextSeq !== undefined) return this.#nextSeq - 1;
    return (await this.#parse()).lastSeq;
  }

  /** Appends one event and returns it as stored (stamped and with schema defaults applied). */
  append(input: RunEventInput): Promise<RunEvent> {
    const result = this.#queue.then(() => this.#append(input));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #append(input: RunEventInput): Promise<RunEvent> {
    if (this.#nextSeq === undefined) this.#nextSeq = (await this.#prepareTail()) + 1;
    const event = keepWrittenPatchKeys(
      parseWith(
        RunEvent,
        { ...input, seq: this.#nextSeq, at: this.#now().toISOString(), runId: this.runId },
        `event for ${this.path}`,
      ),
      input,
    );
    const line = `${JSON.stringify(event)}\n`;
    try {
      const handle = await open(this.path, "a");
      try {
        await handle.write(line);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (event.seq === 1) await fsyncDir(dirname(this.path));
    } catch (error) {
      // The file may now end in a partial line; the next append re-reads and repairs the tail.
      this.#nextSeq = undefined;
      throw ioError("append to", this.path, error);
    }
    this.#nextSeq += 1;
    return event;
  }

  /**
   * Before the first append: makes the file end on a complete, valid line. A garbled tail left
   * by a crash is copied to `<journal>.partial-<timestamp>` and cut off, so new lines never glue
   * onto it. Returns the last valid seq.
   */
  async #prepareTail(): Promise<number> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
    } catch (error) {
      throw ioError("create the directory of", this.path, error);
    }
    const parsed = await this.#parse();
    try {
      if (parsed.badTail) {
        const bytes = await readFile(this.path);
        await writeFileAtomic(
          `${this.path}.partial-${fileStamp(this.#now())}`,
          bytes.subarray(parsed.goodEnd),
        );
        await truncate(this.path, parsed.goodEnd);
      } else if (parsed.missingNewline) {
        const handle = await open(this.path, "a");
        try {
          await handle.write("\n");
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
    } catch (error) {
      throw ioError("repair the end of", this.path, error);
    }
    return parsed.lastSeq;
  }

  async #parse(): Promise<ParsedJournal> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") {
        return { events: [], warnings: [], lastSeq: 0, goodEnd: 0, badTail: false, missingNewline: false };
      }
      throw new GadugiError(
        "GADUGI_FILE_UNREADABLE",
        { path: this.path, reason: messageOf(error) },
        { cause: error },
      );
    }
    const events: RunEvent[] = [];
    const warnings: string[] = [];
    let lastSeq = 0;
    let goodEnd = 0;
    let badTail = false;
    let missingNewline = false;
    let start = 0;
    let lineNo = 0;
    let contentEnd = bytes.length;
    while (contentEnd > 0 && WHITESPACE.has(bytes[contentEnd - 1] as number)) contentEnd -= 1;
    while (start < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, start);
      const end = newline === -1 ? bytes.length : newline;
      const next = newline === -1 ? bytes.length : newline + 1;
      lineNo += 1;
      const text = bytes.subarray(start, end).toString("utf8");
      const isLast = contentEnd <= next;
      if (text.trim() === "") {
        start = next;
        if (!badTail) goodEnd = next;
        continue;
      }
      const problem = this.#check(text, (event) => {
        if (event.seq <= lastSeq)
          warnings.push(`${this.path}:${lineNo}: seq ${event.seq} does not follow ${lastSeq}`);
        else if (event.seq !== lastSeq + 1) {
          warnings.push(`${this.path}:${lineNo}: seq jumps from ${lastSeq} to ${event.seq}`);
        }
        events.push(event);
        lastSeq = Math.max(lastSeq, event.seq);
      });
      if (problem !== undefined) {
        if (!isLast) {
          throw new GadugiError(
            "GADUGI_STATE_CORRUPT",
            { path: this.path, reason: `line ${lineNo} ${problem}` },
            {
              hint: `Line ${lineNo} of ${this.path} is damaged in the middle of the journal. Restore a backup with \`gadugi state restore\`, or remove that line if the events after it matter more.`,
            },
          );
        }
        badTail = true;
        warnings.push(
          `${this.path}:${lineNo}: last line ${problem}; ignored (an interrupted write, most likely)`,
        );
        break;
      }
      missingNewline = newline === -1;
      goodEnd = next;
      start = next;
    }
    return { events, warnings, lastSeq, goodEnd, badTail, missingNewline };
  }

  /** Returns why `text` is not a valid event of this run, or hands the event to `accept`. */
  #check(text: string, accept: (event: RunEvent) => void): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return `is not valid JSON (${messageOf(error)})`;
    }
    const result = RunEvent.safeParse(value);
    if (!result.success) return `is not a valid event (${formatSchemaIssues(result.error.issues)})`;
    if (result.data.runId !== this.runId) return `belongs to run "${result.data.runId}", not "${this.runId}"`;
    accept(keepWrittenPatchKeys(result.data, value));
    return undefined;
  }
}
