import { GadugiError } from "./gadugi-error.js";
import { redactSecrets } from "./redact.js";

/** A saved checkpoint as listed by a store. */
export interface CheckpointInfo {
  id: string;
  runId: string;
  createdAt: string;
  label?: string;
}

/**
 * Where checkpoints live. @gadugi/state implements it; this package only reads through it, since
 * state sits above error-handling.
 */
export interface CheckpointStore<T> {
  list(runId: string): Promise<CheckpointInfo[]>; // oldest first
  restore(runId: string, checkpointId: string): Promise<T>;
}

/** A checkpoint passed over, and why. */
export interface SkippedCheckpoint {
  checkpoint: CheckpointInfo;
  /** `restore failed: ...` or `failed validation` or `validation threw: ...`. */
  reason: string;
  /** What restore or validate threw, if anything. */
  error?: unknown;
}

export interface RecoverOptions<T> {
  /** Extra check on a restored value (schema, invariants); `false` or a throw skips the checkpoint. */
  validate?: (value: T) => boolean | Promise<boolean>;
  /** Told about each skipped checkpoint as it happens. */
  onSkip?: (skipped: SkippedCheckpoint) => void;
}

export interface RecoveryResult<T> {
  checkpoint: CheckpointInfo;
  value: T;
  /** Newer checkpoints passed over, newest first. */
  skipped: SkippedCheckpoint[];
}

function describe(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

/** Restores a run from its newest checkpoint that still restores and validates. */
export class RecoveryManager<T> {
  readonly #store: CheckpointStore<T>;

  constructor(store: CheckpointStore<T>) {
    this.#store = store;
  }

  /**
   * Tries the run's checkpoints newest first, skipping each whose restore throws or whose value
   * fails `validate`; returns the first good one with the list of skipped ones. None usable (or
   * none at all): GADUGI_CHECKPOINT_NOT_FOUND, with the last skip's error as cause. An error from
   * `store.list` is not caught.
   */
  async recoverLatest(runId: string, options: RecoverOptions<T> = {}): Promise<RecoveryResult<T>> {
    const checkpoints = await this.#store.list(runId);
    const skipped: SkippedCheckpoint[] = [];
    for (const checkpoint of [...checkpoints].reverse()) {
      const result = await this.#tryRestore(runId, checkpoint, options);
      if ("value" in result) return { checkpoint, value: result.value, skipped };
      skipped.push(result.skipped);
      try {
        options.onSkip?.(result.skipped);
      } catch {
        // A reporting callback must not stop recovery.
      }
    }
    const last = skipped.at(-1);
    throw new GadugiError("GADUGI_CHECKPOINT_NOT_FOUND", { runId }, { cause: last?.error });
  }

  /** Restores one named checkpoint (validated like `recoverLatest`); unknown or unusable: GADUGI_CHECKPOINT_NOT_FOUND. */
  async recover(
    runId: string,
    checkpointId: string,
    options: Pick<RecoverOptions<T>, "validate"> = {},
  ): Promise<T> {
    const checkpoint = (await this.#store.list(runId)).find((c) => c.id === checkpointId);
    if (!checkpoint) throw new GadugiError("GADUGI_CHECKPOINT_NOT_FOUND", { runId, checkpointId });
    const result = await this.#tryRestore(runId, checkpoint, options);
    if ("value" in result) return result.value;
    throw new GadugiError(
      "GADUGI_CHECKPOINT_NOT_FOUND",
      { runId, checkpointId },
      { cause: result.skipped.error ?? new Error(result.skipped.reason) },
    );
  }

  async #tryRestore(
    runId: string,
    checkpoint: CheckpointInfo,
    options: Pick<RecoverOptions<T>, "validate">,
  ): Promise<{ value: T } | { skipped: SkippedCheckpoint }> {
    let value: T;
    try {
      value = await this.#store.restore(runId, checkpoint.id);
    } catch (error) {
      return { skipped: { checkpoint, reason: `restore failed: ${describe(error)}`, error } };
    }
    if (!options.validate) return { value };
    try {
      if (await options.validate(value)) return { value };
      return { skipped: { checkpoint, reason: "failed validation" } };
    } catch (error) {
      return { skipped: { checkpoint, reason: `validation threw: ${describe(error)}`, error } };
    }
  }
}
