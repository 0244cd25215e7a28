import { GadugiError } from "@gadugi/error-handling";
import { type ParseEntry, parse } from "shell-quote";

/**
 * A command as a user writes it in a setting: a command line (`npm run "build all"`) or an
 * argument array (`["npm", "run", "build all"]`). Either way it runs without a shell.
 */
export type CommandSetting = string | readonly string[];

/**
 * A quoted word appended to probe the line: it comes back as its own, last argument only when every
 * quote of the line is closed and it does not end with a backslash (shell-quote itself does not
 * report those). One probe per kind of quote.
 */
const SENTINEL = "gadugi end of line";
const PROBES = [` '${SENTINEL}'`, ` "${SENTINEL}"`];
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

interface VariableEntry {
  op: "variable";
  name: string;
}
type Entry = ParseEntry | VariableEntry;

function describe(entry: Exclude<Entry, string>, next: Entry | undefined): string {
  if ("comment" in entry) return "it contains a `#` comment";
  if (entry.op === "variable") {
    const name = entry.name;
    if (name === "" && typeof next === "object" && "op" in next && next.op === "(") {
      return "it contains a `$(...)` command substitution";
    }
    return `it contains the variable \`$${name}\`, which nothing expands without a shell`;
  }
  if (entry.op === "glob")
    return `it contains the glob \`${entry.pattern}\`, which nothing expands without a shell`;
  return `it contains the shell operator \`${entry.op}\``;
}

function syntaxError(command: string, reason: string): GadugiError {
  return new GadugiError("GADUGI_COMMAND_SYNTAX", { command, reason });
}

/**
 * Splits a command line into an argument array the way a POSIX shell splits words (quotes,
 * backslash escapes; parsed by `shell-quote`), but never runs a shell: anything only a shell
 * would act on — `|`, `&&`, `;`, `>`, `&`, `$VAR`, `$(...)`, backticks, globs, `#` comments, a
 * leading `VAR=value` — and an unterminated quote are GADUGI_COMMAND_SYNTAX errors.
 *
 * @example parseCommandLine(`npm run "build all" --x='a b'`) // ["npm", "run", "build all", "--x=a b"]
 */
export function parseCommandLine(text: string): string[] {
  const variables = (name: string): VariableEntry => ({ op: "variable", name });
  let entries: Entry[];
  let closed: boolean;
  try {
    entries = parse(text, variables);
    closed = PROBES.every((suffix) => {
      const probe = parse(text + suffix, variables);
      return probe.length === entries.length + 1 && probe.at(-1) === SENTINEL;
    });
  } catch (error) {
    throw syntaxError(text, `it cannot be parsed (${(error as Error).message})`);
  }
  const args: string[] = [];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== "string") throw syntaxError(text, describe(entry, entries[i + 1]));
    args.push(entry);
  }
  if (!closed) {
    throw syntaxError(text, "a quote is not closed, or it ends with a backslash");
  }
  if (text.includes("`") && args.some((arg) => arg.includes("`"))) {
    throw syntaxError(text, "it contains a backtick command substitution");
  }
  if (args[0] !== undefined && ASSIGNMENT.test(args[0])) {
    throw syntaxError(text, `it starts with the variable assignment \`${args[0]}\``);
  }
  if (args.length === 0 || args[0] === "") throw syntaxError(text, "it names no program");
  return args;
}

/** The argument array of a command setting: an array as given (it must name a program), a string parsed. */
export function toArgv(setting: CommandSetting): string[] {
  if (typeof setting === "string") return parseCommandLine(setting);
  if (setting.length === 0 || setting[0] === "") {
    throw syntaxError(JSON.stringify(setting), "it names no program");
  }
  return [...setting];
}
