/** Exit codes of a run stopped by a signal: 128 + the signal number, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type ShutdownSignal = keyof typeof SIGNAL_EXIT_CODES;

export interface ShutdownInfo {
  signal: ShutdownSignal;
  /** 130 for SIGINT, 143 for SIGTERM: what the CLI's bin should exit with. */
  exitCode: number;
  /** Whether `settle` finished within `settleTimeoutMs` (false: gave up waiting). */
  settled: boolean;
}

/** The part of `process` used here, so tests can pass an EventEmitter. */
export interface SignalSource {
  on(event: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
  off(event: ShutdownSignal, listener: (signal: ShutdownSignal) => void): unknown;
}

export interface ShutdownOptions {
  /**
   * Called once, after the controller was aborted and `settle` finished (or timed out): record
   * the run's state here, then exit with `info.exitCode`. Errors it throws are ignored.
   */
  onSignal?: (info: ShutdownInfo) => void | Promise<void>;
  /** Called at once when the first signal arrives (before waiting), e.g. to print "stopping…". */
  onStopping?: (info: Omit<ShutdownInfo, "settled">) => void;
  /**
   * What to wait for before `onSignal`, typically the scheduler's `run()` promise: running tasks
   * see the abort, their process groups are killed, results come back.
   */
  settle?: () => Promise<unknown>;
  /** Bound on the wait for `settle`. Default 10000 ms. */
  settleTimeoutMs?: number;
  /**
   * A second signal while shutting down: exit at once. The caller's callback exits (only the
   * CLI's bin calls process.exit). Without it the handlers are removed and the signal is raised
   * again, so Node's default action ends the process with the same 130/143.
   */
  onForce?: (info: Omit<ShutdownInfo, "settled">) => void;
  /** Default `process`. */
  source?: SignalSource;
}

/**
 * On SIGINT or SIGTERM: aborts `controller` (every running task is cancelled and its process
 * group killed), waits (bounded) for `settle`, then hands the exit code (130 or 143) to
 * `onSignal`. A second signal calls `onForce`. Returns the function that removes the handlers.
 */
export function installShutdownHandlers(
  controller: AbortController,
  options: ShutdownOptions = {},
): () => void {
  const source: SignalSource = options.source ?? (process as unknown as SignalSource);
  const timeoutMs = options.settleTimeoutMs ?? 10_000;
  let first: ShutdownSignal | undefined;
  let installed = true;

  const uninstall = () => {
    if (!installed) return;
    installed = false;
    source.off("SIGINT", handler);
    source.off("SIGTERM", handler);
  };

  const shutdown = async (signal: ShutdownSignal) => {
    const exitCode = SIGNAL_EXIT_CODES[signal];
    try {
      options.onStopping?.({ signal, exitCode });
    } catch {
      // Printing must not stop the shutdown.
    }
    controller.abort(`received ${signal}`);
    let settled = true;
    if (options.settle) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      settled = await Promise.race([
        options.settle().then(
          () => true,
          () => true,
        ),
        timeout,
      ]);
      clearTimeout(timer);
    }
    try {
      await options.onSignal?.({ signal, exitCode, settled });
    } catch {
      // The caller still exits with the code it was given.
    }
  };

  function handler(signal: ShutdownSignal): void {
    if (first === undefined) {
      first = signal;
      void shutdown(signal);
      return;
    }
    const info = { signal, exitCode: SIGNAL_EXIT_CODES[signal] };
    if (options.onForce) {
      options.onForce(info);
      return;
    }
    uninstall();
    if (source === (process as unknown as SignalSource)) process.kill(process.pid, signal);
  }

  source.on("SIGINT", handler);
  source.on("SIGTERM", handler);
  return uninstall;
}
