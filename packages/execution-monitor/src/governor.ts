import { cpus, freemem, loadavg } from "node:os";
import { GadugiError } from "@gadugi/error-handling";

/** One reading of the machine's resources. */
export interface ResourceSample {
  /** Free memory in MiB (`os.freemem()`). */
  freeMemoryMb: number;
  /** 1-minute load average divided by the number of cores. */
  loadPerCore: number;
}

export type ResourceSampler = () => ResourceSample | Promise<ResourceSample>;

/** Reads `os.freemem()` and `os.loadavg()[0] / cpus`: two cheap calls, no child process. */
export function systemSampler(): ResourceSample {
  const cores = Math.max(1, cpus().length);
  return { freeMemoryMb: freemem() / 1024 / 1024, loadPerCore: (loadavg()[0] ?? 0) / cores };
}

export interface ConcurrencyChange {
  from: number;
  to: number;
  reason: string;
}

export type ConcurrencyListener = (change: ConcurrencyChange) => void;

export interface ResourceGovernorOptions {
  /** The user's maximum (`--max-parallel`): never exceeded. */
  max: number;
  /** Below this much free memory (MiB) the allowed concurrency is lowered. Default 1024. */
  minFreeMemoryMb?: number;
  /** Above this 1-minute load per core it is lowered. Default 2. */
  maxLoadPerCore?: number;
  /** Sampling interval of `start()`. Default 5000 ms. */
  intervalMs?: number;
  /** Default {@link systemSampler}; tests pass a fake one. */
  sampler?: ResourceSampler;
  /** Healthy samples in a row needed before each one-step raise. Default 2. */
  recoverAfter?: number;
  /**
   * Hysteresis: after a drop, resources count as recovered only with this much headroom beyond
   * the limits (free memory ≥ min × (1 + margin), load ≤ max × (1 − margin)). Default 0.2.
   */
  recoveryMargin?: number;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function checkMax(max: number): number {
  if (!Number.isInteger(max) || max < 1) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name: "max",
      value: String(max),
      expected: "an integer of at least 1",
    });
  }
  return max;
}

/**
 * Keeps the number of tasks allowed to run at once within what the machine can take. Each sample
 * under pressure (free memory below `minFreeMemoryMb`, or load per core above `maxLoadPerCore`)
 * lowers the allowed concurrency by one, or halves it when free memory is below half the
 * minimum. Once both readings are back inside the limits with the recovery margin for
 * `recoverAfter` samples in a row, it is raised by one, and so on up to `max`. Readings between
 * the limit and the recovery threshold hold the value. It never goes below 1 or above `max`;
 * every change is reported with its reason to `onChange` listeners.
 */
export class ResourceGovernor {
  readonly minFreeMemoryMb: number;
  readonly maxLoadPerCore: number;
  readonly intervalMs: number;
  readonly recoverAfter: number;
  readonly recoveryMargin: number;
  readonly #sampler: ResourceSampler;
  readonly #listeners = new Set<ConcurrencyListener>();
  #max: number;
  #allowed: number;
  #healthy = 0;
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<ConcurrencyChange | undefined> | undefined;
  #last: ResourceSample | undefined;

  constructor(options: ResourceGovernorOptions) {
    this.#max = checkMax(options.max);
    this.#allowed = this.#max;
    this.minFreeMemoryMb = options.minFreeMemoryMb ?? 1024;
    this.maxLoadPerCore = options.maxLoadPerCore ?? 2;
    this.intervalMs = options.intervalMs ?? 5000;
    this.recoverAfter = Math.max(1, options.recoverAfter ?? 2);
    this.recoveryMargin = options.recoveryMargin ?? 0.2;
    this.#sampler = options.sampler ?? systemSampler;
  }

  /** Concurrency currently allowed, 1..max. */
  get allowed(): number {
    return this.#allowed;
  }

  get max(): number {
    return this.#max;
  }

  /** The last reading, if any. */
  get lastSample(): ResourceSample | undefined {
    return this.#last;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  onChange(listener: ConcurrencyListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Changes the user's maximum. Lowering it caps the allowed value at once; raising it lifts the
   * allowed value at once unless the governor is currently holding it down.
   */
  setMax(max: number, reason = `maximum set to ${max}`): void {
    checkMax(max);
    const throttled = this.#allowed < this.#max;
    this.#max = max;
    if (this.#allowed > max || !throttled) this.#set(max, reason);
  }

  /** Takes one reading and adjusts; returns the change made, if any. */
  sample(): Promise<ConcurrencyChange | undefined> {
    this.#sampling ??= (async () => {
      try {
        return this.#apply(await this.#sampler());
      } finally {
        this.#sampling = undefined;
      }
    })();
    return this.#sampling;
  }

  /** Samples every `intervalMs` until `stop()`. The timer does not keep the process alive. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.sample().catch(() => undefined);
    }, this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #apply(sample: ResourceSample): ConcurrencyChange | undefined {
    this.#last = sample;
    const pressure: string[] = [];
    if (sample.freeMemoryMb < this.minFreeMemoryMb) {
      pressure.push(`free memory ${Math.round(sample.freeMemoryMb)} MiB < ${this.minFreeMemoryMb} MiB`);
    }
    if (sample.loadPerCore > this.maxLoadPerCore) {
      pressure.push(`load ${round(sample.loadPerCore, 2)} per core > ${this.maxLoadPerCore}`);
    }
    if (pressure.length > 0) {
      this.#healthy = 0;
      const severe = sample.freeMemoryMb < this.minFreeMemoryMb / 2;
      const to = Math.max(1, severe ? Math.floor(this.#allowed / 2) : this.#allowed - 1);
      return this.#set(to, `resource pressure: ${pressure.join(", ")}`);
    }
    const recovered =
      sample.freeMemoryMb >= this.minFreeMemoryMb * (1 + this.recoveryMargin) &&
      sample.loadPerCore <= this.maxLoadPerCore * (1 - this.recoveryMargin);
    if (!recovered || this.#allowed >= this.#max) {
      this.#healthy = 0;
      return undefined;
    }
    this.#healthy++;
    if (this.#healthy < this.recoverAfter) return undefined;
    this.#healthy = 0;
    return this.#set(
      this.#allowed + 1,
      `resources recovered: free memory ${Math.round(sample.freeMemoryMb)} MiB, load ${round(sample.loadPerCore, 2)} per core`,
    );
  }

  #set(to: number, reason: string): ConcurrencyChange | undefined {
    const bounded = Math.min(this.#max, Math.max(1, to));
    const from = this.#allowed;
    if (bounded === from) return undefined;
    this.#allowed = bounded;
    const change = { from, to: bounded, reason };
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A failing listener must not change what the governor does.
      }
    }
    return change;
  }
}
