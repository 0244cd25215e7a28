import { readdir, readFile, rm } from "node:fs/promises";
import { GadugiError } from "@gadugi/error-handling";
import { RunState } from "@gadugi/interfaces";
import { formatSchemaIssues, readJsonFile, type Schema, writeFileAtomic } from "./atomic.js";
import { loadRunState } from "./load.js";
import { assertSafeId, type StatePaths, statePaths } from "./paths.js";
import { type Clock, errnoCode, fileStamp, ioError, messageOf, randomHex, systemClock } from "./util.js";

/** A checkpoint as listed; matches `CheckpointInfo` of @gadugi/error-handling. */
export interface CheckpointInfo {
  id: string;
  runId: string;
  createdAt: string;
  label?: string;
  /** The journal seq the snapshot includes (unknown for an unreadable file). */
  journalSeq?: number;
  /** Set when the file cannot be read; `restore` then moves it aside and reports it. */
  error?: string;
}

interface CheckpointFile extends CheckpointInfo {
  journalSeq: number;
  state: RunState;
}

const ID_PATTERN = /^cp-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-f]+$/;

/** createdAt from an id made by `create` (`cp-<timestamp>-<hex>`), without reading the file. */
function createdAtFromId(id: string): string | undefined {
  const m = ID_PATTERN.exec(id);
  return m === null ? undefined : `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
}

export interface CheckpointManagerOptions {
  /** How many checkpoints per run survive `create` (oldest are pruned). Default 10. */
  keep?: number;
  now?: Clock;
}

type Issue = { path: PropertyKey[]; message: string };

/** The file `runs/<runId>/checkpoints/<id>.json`: metadata plus a RunState checked by its schema. */
const CheckpointFileSchema: Schema<CheckpointFile> = {
  safeParse(value) {
    const issues: Issue[] = [];
    const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof value !== "object" || value === null) issues.push({ path: [], message: "expected an object" });
    for (const key of ["id", "runId", "createdAt"] as const) {
      if (typeof v[key] !== "string" || v[key] === "")
        issues.push({ path: [key], message: "expected a string" });
    }
    if (v.label !== undefined && typeof v.label !== "string")
      issues.push({ path: ["label"], message: "expected a string" });
    if (typeof v.journalSeq !== "number" || !Number.isInteger(v.journalSeq) || v.journalSeq < 0) {
      issues.push({ path: ["journalSeq"], message: "expected a non-negative integer" });
    }
    const state = RunState.safeParse(v.state);
    if (!state.success) {
      for (const issue of state.error.issues)
        issues.push({ path: ["state", ...issue.path], message: issue.message });
    }
    if (issues.length > 0 || !state.success) return { success: false, error: { issues } };
    const info = v as unknown as CheckpointInfo;
    return {
      success: true,
      data: {
        id: info.id,
        runId: info.runId,
        createdAt: info.createdAt,
        ...(info.label === undefined ? {} : { label: info.label }),
        journalSeq: v.journalSeq as number,
        state: state.data,
      },
    };
  },
};

function infoOf(file: CheckpointFile): CheckpointInfo & { journalSeq: number } {
  const { state: _state, ...info } = file;
  return info;
}

/**
 * Snapshots of a run's state in `runs/<runId>/checkpoints/<id>.json`, the newest `keep` kept.
 * Structurally a `CheckpointStore<RunState>` for @gadugi/error-handling's RecoveryManager.
 */
export class CheckpointManager {
  readonly repoRoot: string;
  readonly keep: number;
  readonly #paths: StatePaths;
  readonly #now: Clock;

  constructor(repoRoot: string, options: CheckpointManagerOptions = {}) {
    const keep = options.keep ?? 10;
    if (!Number.isInteger(keep) || keep < 1) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "keep",
        value: String(keep),
        expected: "an integer ≥ 1",
      });
    }
    this.repoRoot = repoRoot;
    this.keep = keep;
    this.#paths = statePaths(repoRoot);
    this.#now = options.now ?? systemClock;
  }

  /**
   * Snapshots `state`, or the run's current state as loaded from disk (state.json caught up with
   * the journal), then prunes to the newest `keep`. A given `state` is serialized before `create`
   * first waits, so the caller may pass its live state and go on changing it. Journaling a
   * checkpoint.created event is the run owner's business (`WorkflowStateManager.record`).
   */
  async create(
    runId: string,
    label?: string,
    state?: Readonly<RunState>,
  ): Promise<CheckpointInfo & { journalSeq: number }> {
    assertSafeId("runId", runId);
    const given = state === undefined ? undefined : this.#serialize(runId, label, state);
    const { file, text } =
      given ?? this.#serialize(runId, label, (await loadRunState(this.repoRoot, runId, this.#now)).state);
    await writeFileAtomic(this.#paths.checkpoint(runId, file.id), text);
    await this.prune(runId);
    return infoOf(file);
  }

  /**
   * A checkpoint file of `snapshot` and its text. The state is not validated again: it is the
   * reduction of validated journal events (or a validated state.json), and parsing a long run's
   * whole state once more after every task cost more than the rest of the checkpoint.
   */
  #serialize(
    runId: string,
    label: string | undefined,
    snapshot: Readonly<RunState>,
  ): { file: CheckpointFile; text: string } {
    if (snapshot.runId !== runId) {
      throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
        name: "state.runId",
        value: snapshot.runId,
        expected: runId,
      });
    }
    const now = this.#now();
    const id = `cp-${fileStamp(now)}-${randomHex(2)}`;
    const file: CheckpointFile = {
      id,
      runId,
      createdAt: now.toISOString(),
      ...(label === undefined ? {} : { label }),
      journalSeq: snapshot.journalSeq,
      state: snapshot,
    };
    return { file, text: `${JSON.stringify(file, null, 2)}\n` };
  }

  /**
   * The run's checkpoints, oldest first. A file that cannot be read is listed with `error` (and
   * its time taken from its id) so recovery reports it instead of silently skipping it.
   */
  async list(runId: string): Promise<CheckpointInfo[]> {
    const infos: CheckpointInfo[] = [];
    for (const id of await this.#fileIds(runId)) {
      let error: string;
      try {
        const file = this.#paths.checkpoint(runId, id);
        const parsed = CheckpointFileSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
        if (parsed.success && parsed.data.runId === runId && parsed.data.id === id) {
          infos.push(infoOf(parsed.data));
          continue;
        }
        error = parsed.success ? "it names another checkpoint" : formatSchemaIssues(parsed.error.issues);
      } catch (e) {
        error = messageOf(e);
      }
      const createdAt = createdAtFromId(id);
      if (createdAt !== undefined) infos.push({ id, runId, createdAt, error });
    }
    return infos.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * The RunState saved in a checkpoint, validated. Unknown: GADUGI_CHECKPOINT_NOT_FOUND. Corrupt:
   * moved aside and GADUGI_STATE_CORRUPT.
   */
  async restore(runId: string, checkpointId: string): Promise<RunState> {
    const path = this.#paths.checkpoint(runId, checkpointId);
    let file: CheckpointFile;
    try {
      file = await readJsonFile(CheckpointFileSchema, path, { now: this.#now });
    } catch (error) {
      if (GadugiError.is(error, "GADUGI_STATE_NOT_FOUND")) {
        throw new GadugiError("GADUGI_CHECKPOINT_NOT_FOUND", { runId, checkpointId }, { cause: error });
      }
      throw error;
    }
    if (file.runId !== runId || file.id !== checkpointId) {
      throw new GadugiError("GADUGI_STATE_CORRUPT", {
        path,
        reason: `it holds checkpoint ${file.id} of run ${file.runId}`,
      });
    }
    return file.state;
  }

  /**
   * The newest checkpoint that restores, with its info; corrupt ones on the way are moved aside.
   * None: GADUGI_CHECKPOINT_NOT_FOUND.
   */
  async latest(runId: string): Promise<{ info: CheckpointInfo; state: RunState }> {
    let lastError: unknown;
    for (const info of (await this.list(runId)).reverse()) {
      try {
        return { info, state: await this.restore(runId, info.id) };
      } catch (error) {
        lastError = error;
      }
    }
    throw new GadugiError("GADUGI_CHECKPOINT_NOT_FOUND", { runId }, { cause: lastError });
  }

  /**
   * Deletes all but the newest `keep` checkpoints; returns the deleted ids. Their age is read from
   * their ids (the creation time), not their contents: each file holds a whole run state, and
   * reading them all after every checkpoint made a long run's checkpoints cost O(tasks²).
   */
  async prune(runId: string, keep = this.keep): Promise<string[]> {
    const dated = (await this.#fileIds(runId))
      .flatMap((id) => {
        const createdAt = createdAtFromId(id);
        return createdAt === undefined ? [] : [{ id, createdAt }];
      })
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const doomed = dated.slice(0, Math.max(0, dated.length - keep));
    for (const info of doomed) await rm(this.#paths.checkpoint(runId, info.id), { force: true });
    return doomed.map((info) => info.id);
  }

  /** The ids of the run's checkpoint files (`<id>.json`), none when it has no checkpoints dir. */
  async #fileIds(runId: string): Promise<string[]> {
    const dir = this.#paths.checkpoints(runId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return [];
      throw ioError("list", dir, error);
    }
    return names
      .filter((n) => !n.startsWith(".") && n.endsWith(".json"))
      .map((n) => n.slice(0, -".json".length));
  }
}
