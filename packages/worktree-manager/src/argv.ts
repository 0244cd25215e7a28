/**
 * Splits a configured command line into an argument array without a shell: whitespace separates
 * arguments; single quotes keep everything literally; double quotes keep whitespace and allow
 * `\"` and `\\`; a backslash outside quotes escapes the next character. No globbing, variables,
 * pipes or `&&` — a setup step that needs them says so explicitly: `sh -c "a && b"`.
 *
 * @example splitCommand(`npm run "build all" --x='a b'`) // ["npm", "run", "build all", "--x=a b"]
 * @throws Error on an unterminated quote or a trailing backslash.
 */
export function splitCommand(command: string): string[] {
  const args: string[] = [];
  let current = "";
  let inArg = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && (command[i + 1] === '"' || command[i + 1] === "\\")) current += command[++i];
      else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inArg = true;
    } else if (ch === "\\") {
      if (i + 1 >= command.length) throw new Error(`trailing backslash in command: ${command}`);
      current += command[++i];
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = "";
      inArg = false;
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in command: ${command}`);
  if (inArg) args.push(current);
  return args;
}
