import { formatIssues } from "@gadugi/interfaces";
import type { z } from "zod";
import { GadugiError } from "./gadugi-error.js";

/**
 * Parses data read from disk, a process or the network through its schema. Failure is a
 * GADUGI_INVALID_DATA error naming `source` (a file path, a command) and each bad key.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new GadugiError(
    "GADUGI_INVALID_DATA",
    { source, issues: formatIssues(result.error) },
    { cause: result.error },
  );
}

/** Like parseWith for JSON text: bad JSON is reported with the same code and the parser's reason. */
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string, source: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GadugiError(
      "GADUGI_INVALID_DATA",
      { source, issues: [`- (root): not valid JSON (${(error as Error).message})`] },
      { cause: error },
    );
  }
  return parseWith(schema, value, source);
}
