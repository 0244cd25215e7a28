import { ERROR_CATALOGUE, type ErrorArgs, type GadugiErrorCode } from "./catalogue.js";

export interface GadugiErrorOptions {
  cause?: unknown;
  /** Replaces the catalogue's hint when the caller knows better. */
  hint?: string;
}

/**
 * The one error class of Gadugi. Packages throw it; only the CLI's top-level handler prints it
 * (message, then hint) and exits with its `exitCode`.
 */
export class GadugiError<C extends GadugiErrorCode = GadugiErrorCode> extends Error {
  override readonly name = "GadugiError";
  readonly code: C;
  readonly args: ErrorArgs<C>;
  readonly hint: string;
  readonly title: string;
  readonly exitCode: number;

  constructor(code: C, args: ErrorArgs<C>, options: GadugiErrorOptions = {}) {
    const entry = ERROR_CATALOGUE[code] as unknown as {
      title: string;
      message: (a: ErrorArgs<C>) => string;
      hint: string | ((a: ErrorArgs<C>) => string);
      exitCode: number;
    };
    super(entry.message(args), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.args = args;
    this.title = entry.title;
    this.exitCode = entry.exitCode;
    this.hint = options.hint ?? (typeof entry.hint === "function" ? entry.hint(args) : entry.hint);
  }

  /** Narrowing check that also works across duplicated copies of this package. */
  static is<C extends GadugiErrorCode>(error: unknown, code?: C): error is GadugiError<C> {
    if (!(error instanceof Error) || error.name !== "GadugiError") return false;
    const c = (error as { code?: unknown }).code;
    return typeof c === "string" && (code === undefined || c === code);
  }
}

/** Wraps anything thrown into a GadugiError, keeping GadugiErrors as they are. */
export function toGadugiError(error: unknown): GadugiError {
  if (GadugiError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GadugiError("GADUGI_UNEXPECTED", { message }, { cause: error });
}

/**
 * One line for a run's output, journal or report: `GADUGI_X: message (hint: ...)` for a
 * GadugiError, the message of anything else. Whatever a run prints about an error carries its
 * hint, so the user learns what to do where they see the problem.
 */
export function describeErrorWithHint(error: unknown): string {
  if (!GadugiError.is(error)) return error instanceof Error ? error.message : String(error);
  const message = error.message.trim();
  const hint = error.hint.trim();
  return hint === "" || message.includes(hint)
    ? `${error.code}: ${message}`
    : `${error.code}: ${message} (hint: ${hint})`;
}
