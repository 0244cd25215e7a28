import { ErrorContext, type WorkflowPhase } from "@gadugi/interfaces";
import { GadugiError } from "./gadugi-error.js";
import { parseWith } from "./parse.js";
import { createRedactor, type RedactOptions, redactValue } from "./redact.js";

/** Where an error happened; every field optional. */
export interface ErrorInfo {
  operation?: string;
  runId?: string;
  taskId?: string;
  phase?: WorkflowPhase;
  /** 1-based attempt number of the failed call. */
  attempt?: number;
  /** Small facts worth keeping (paths, exit codes...); redacted like everything else. */
  details?: Record<string, unknown>;
}

export interface CaptureOptions extends RedactOptions {
  /** Clock in milliseconds for `timestamp`. Default `Date.now`. */
  now?: () => number;
}

/** Causes followed at most; a longer chain is cut. */
const MAX_CAUSES = 20;

/** One line for an error in a chain: `GADUGI_X: message`, `TypeError: message`, or the value. */
function describe(error: unknown): string {
  if (GadugiError.is(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function causeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "cause" in error
    ? (error as { cause?: unknown }).cause
    : undefined;
}

/** The messages of `error.cause`, its cause, and so on, outermost first (the error itself excluded). */
export function causeChain(error: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>([error]);
  let current = causeOf(error);
  while (current !== undefined && current !== null && !seen.has(current) && out.length < MAX_CAUSES) {
    seen.add(current);
    out.push(describe(current));
    current = causeOf(current);
  }
  return out;
}

/**
 * What went wrong and where, as an ErrorContext fit for state and the journal: the GADUGI_* code
 * (GADUGI_UNEXPECTED for anything that is not a GadugiError), message, hint, stack, the cause
 * chain flattened into `causes`, and `info`. A GadugiError's arguments are kept in
 * `details.args`. Every string is passed through `redactSecrets`. The result is validated with
 * the ErrorContext schema (a bad `phase` or `attempt` in `info` is GADUGI_INVALID_DATA).
 */
export function captureContext(
  error: unknown,
  info: ErrorInfo = {},
  options: CaptureOptions = {},
): ErrorContext {
  const redact = createRedactor(options);
  const gadugi = GadugiError.is(error) ? error : undefined;
  const message = error instanceof Error ? error.message : describe(error);
  const details: Record<string, unknown> = {
    ...(gadugi ? { args: gadugi.args } : {}),
    ...info.details,
  };
  const raw = {
    code: gadugi?.code ?? "GADUGI_UNEXPECTED",
    message: redact(message),
    hint: gadugi ? redact(gadugi.hint) : undefined,
    operation: info.operation,
    runId: info.runId,
    taskId: info.taskId,
    phase: info.phase,
    attempt: info.attempt,
    timestamp: new Date((options.now ?? Date.now)()).toISOString(),
    stack: error instanceof Error && error.stack ? redact(error.stack) : undefined,
    causes: causeChain(error).map(redact),
    details: redactValue(details, redact),
  };
  // Drop absent keys so the stored object has no `"hint": undefined` noise.
  for (const key of Object.keys(raw) as (keyof typeof raw)[]) if (raw[key] === undefined) delete raw[key];
  return parseWith(ErrorContext, raw, "error context");
}
