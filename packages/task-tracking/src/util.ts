import { GadugiError } from "@gadugi/error-handling";

/** Milliseconds since the epoch, like `Date.now`; tests pass a fake one. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A caller passed something this package cannot work with: a bug in the caller, not bad user input. */
export function callerError(name: string, value: string, expected: string, hint: string): GadugiError {
  return new GadugiError("GADUGI_INVALID_ARGUMENT", { name, value, expected }, { hint });
}

/** Calls every listener even when one throws, then rethrows the first error. */
export function emit<E>(listeners: Iterable<(event: E) => void>, event: E): void {
  let first: { error: unknown } | undefined;
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
}
