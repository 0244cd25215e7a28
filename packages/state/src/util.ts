import { randomBytes } from "node:crypto";
import { GadugiError } from "@gadugi/error-handling";

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** `2025-01-02T03:04:05.678Z` → `20250102T030405678Z`: sortable and safe in file names. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, "");
}

export function randomHex(bytes = 3): string {
  return randomBytes(bytes).toString("hex");
}

export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A file-system failure that is not about missing or corrupt state: reported with its path. */
export function ioError(action: string, path: string, error: unknown): GadugiError {
  if (GadugiError.is(error)) return error;
  const reason = messageOf(error);
  return action === "read" || action === "list"
    ? new GadugiError("GADUGI_FILE_UNREADABLE", { path, reason }, { cause: error })
    : new GadugiError("GADUGI_FILE_UNWRITABLE", { path, reason }, { cause: error });
}
