import { Command } from "commander";
import type { CliIo } from "../main.js";

/** `gadugi errors [code]`: the error catalogue, so a code seen in a log can be looked up. */
export function errorsCommand(io: CliIo): Command {
  return new Command("errors")
    .description("list every GADUGI_* error code with its exit code and hint, or explain one")
    .argument("[code]", "an error code such as GADUGI_LOCK_HELD")
    .option("--json", "print JSON")
    .action(async (code: string | undefined, options: { json?: boolean }) => {
      const { ERROR_CATALOGUE, GadugiError } = await import("@gadugi/error-handling");
      const entries = Object.entries(ERROR_CATALOGUE).map(([c, e]) => ({
        code: c,
        title: e.title,
        exitCode: e.exitCode,
        hint: typeof e.hint === "string" ? e.hint : "(depends on the error's details)",
      }));
      const selected = code ? entries.filter((e) => e.code === code.toUpperCase()) : entries;
      if (code && selected.length === 0) {
        throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
          name: "<code>",
          value: code,
          expected: "one of the codes listed by `gadugi errors`",
        });
      }
      if (options.json) {
        io.stdout(`${JSON.stringify(selected, null, 2)}\n`);
        return;
      }
      for (const e of selected) {
        io.stdout(`${e.code}  (exit ${e.exitCode})  ${e.title}\n    ${e.hint}\n`);
      }
    });
}
