import { GadugiError, toGadugiError } from "@gadugi/error-handling";

/** One item of a batch: its position and input, and either its value or the error it ended with. */
export type BatchResult<I, T> =
  | { index: number; input: I; ok: true; value: T }
  | { index: number; input: I; ok: false; error: GadugiError };

export interface BatchOptions {
  /** Items in flight at once. Default 3 for issues, 1 for merges. */
  concurrency?: number;
  /** Items not yet started when it aborts end as GADUGI_ABORTED. */
  signal?: AbortSignal;
}

/**
 * Runs `fn` over `inputs` with at most `concurrency` at once; one failure never loses the other
 * results. Results come back in input order.
 */
export async function runBatch<I, T>(
  inputs: readonly I[],
  fn: (input: I, index: number) => Promise<T>,
  options: BatchOptions & { operation: string; defaultConcurrency: number },
): Promise<BatchResult<I, T>[]> {
  const results: BatchResult<I, T>[] = new Array(inputs.length);
  const limit = Math.max(1, Math.floor(options.concurrency ?? options.defaultConcurrency));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      const input = inputs[index] as I;
      if (options.signal?.aborted) {
        results[index] = {
          index,
          input,
          ok: false,
          error: new GadugiError("GADUGI_ABORTED", { operation: `${options.operation} item ${index + 1}` }),
        };
        continue;
      }
      try {
        results[index] = { index, input, ok: true, value: await fn(input, index) };
      } catch (error) {
        results[index] = { index, input, ok: false, error: toGadugiError(error) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
  return results;
}
