import { GadugiError } from "@gadugi/error-handling";
import { formatIssues } from "@gadugi/interfaces";
import { CommanderError } from "commander";
import pc from "picocolors";
import { ZodError } from "zod";

export interface ErrorOutput {
  /** Text for stderr. */
  text: string;
  exitCode: number;
}

/**
 * The CLI's single place that turns a thrown value into what the user sees and the process exit
 * code: a GadugiError with its message and hint, a zod error key by key, anything else as
 * unexpected with a pointer to report it.
 */
export function formatError(error: unknown, options: { json?: boolean } = {}): ErrorOutput {
  if (error instanceof CommanderError) {
    // commander already printed its message; keep its exit code semantics (2 for usage errors).
    return { text: "", exitCode: error.exitCode === 0 ? 0 : 2 };
  }
  if (GadugiError.is(error)) {
    if (options.json) {
      const body = { error: { code: error.code, message: error.message, hint: error.hint } };
      return { text: JSON.stringify(body), exitCode: error.exitCode };
    }
    return {
      text: `${pc.red(`✖ ${error.code}`)} ${error.message}\n${pc.dim(`  hint: ${error.hint}`)}`,
      exitCode: error.exitCode,
    };
  }
  if (error instanceof ZodError) {
    const lines = formatIssues(error);
    if (options.json)
      return { text: JSON.stringify({ error: { code: "GADUGI_INVALID_DATA", issues: lines } }), exitCode: 3 };
    return { text: `${pc.red("✖ Invalid data:")}\n${lines.join("\n")}`, exitCode: 3 };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (options.json)
    return { text: JSON.stringify({ error: { code: "GADUGI_UNEXPECTED", message } }), exitCode: 70 };
  return {
    text: `${pc.red("✖ Unexpected error:")} ${message}\n${pc.dim(
      "  This is a bug in Gadugi. Please report it with the command you ran and this output (run it again with GADUGI_DEBUG=1 for a stack that names the sources).",
    )}`,
    exitCode: 70,
  };
}
