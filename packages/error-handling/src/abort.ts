import { GadugiError } from "./gadugi-error.js";

/** True for a GADUGI_ABORTED error or a platform `AbortError` (fetch, timers, execa...). */
export function isAbortError(error: unknown): boolean {
  if (GadugiError.is(error, "GADUGI_ABORTED")) return true;
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

/** The GADUGI_ABORTED error for an aborted signal, carrying the abort reason when one was given. */
export function abortedError(signal: AbortSignal, operation: string, cause?: unknown): GadugiError {
  const raw: unknown = signal.reason;
  let reason: string | undefined;
  if (typeof raw === "string") reason = raw;
  // `controller.abort()` without a reason gives a generic AbortError; its text adds nothing.
  else if (raw instanceof Error && raw.name !== "AbortError") reason = raw.message;
  return new GadugiError("GADUGI_ABORTED", { operation, reason }, { cause: cause ?? raw });
}

/** Throws GADUGI_ABORTED when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw abortedError(signal, operation);
}

/** Waits `ms`, or rejects with GADUGI_ABORTED as soon as `signal` aborts (the timer is cleared). */
export function sleep(ms: number, signal: AbortSignal | undefined, operation = "wait"): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal, operation));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal as AbortSignal, operation));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
