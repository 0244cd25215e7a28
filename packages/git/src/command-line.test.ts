import { GadugiError } from "@gadugi/error-handling";
import { describe, expect, it } from "vitest";
import { formatCommand, parseCommandLine, toArgv } from "./index.js";

function syntaxReason(text: string): string {
  try {
    parseCommandLine(text);
  } catch (error) {
    expect(GadugiError.is(error, "GADUGI_COMMAND_SYNTAX")).toBe(true);
    return (error as GadugiError<"GADUGI_COMMAND_SYNTAX">).args.reason;
  }
  throw new Error(`${text} was accepted`);
}

describe("parseCommandLine", () => {
  it("splits words the way a shell does, quotes and escapes included", () => {
    expect(parseCommandLine(`npm run "build all" --x='a b'`)).toEqual(["npm", "run", "build all", "--x=a b"]);
    expect(parseCommandLine(`  echo   a\\ b  `)).toEqual(["echo", "a b"]);
    expect(parseCommandLine(`sh -c "echo \\"hi\\" && exit 1"`)).toEqual(["sh", "-c", 'echo "hi" && exit 1']);
    expect(parseCommandLine(`echo '' "" x`)).toEqual(["echo", "", "", "x"]);
    expect(parseCommandLine(`echo '$HOME | *'`)).toEqual(["echo", "$HOME | *"]);
    expect(parseCommandLine(`pytest -k 'a or b'`)).toEqual(["pytest", "-k", "a or b"]);
  });

  it("is the inverse of formatCommand", () => {
    const argv = ["node", "-e", "console.log('it''s')", "a b", "--x=$y", ""];
    expect(parseCommandLine(formatCommand(argv))).toEqual(argv);
  });

  it("reports what only a shell would do, instead of passing it on as text", () => {
    expect(syntaxReason("npm test | tee out.log")).toBe("it contains the shell operator `|`");
    expect(syntaxReason("npm ci && npm test")).toBe("it contains the shell operator `&&`");
    expect(syntaxReason("npm test > out.log")).toBe("it contains the shell operator `>`");
    expect(syntaxReason("make; make test")).toBe("it contains the shell operator `;`");
    expect(syntaxReason("echo $(date)")).toBe("it contains a `$(...)` command substitution");
    expect(syntaxReason("echo `date`")).toBe("it contains a backtick command substitution");
    expect(syntaxReason("echo $HOME")).toMatch(/^it contains the variable `\$HOME`/);
    expect(syntaxReason("rm -rf build/*")).toMatch(/^it contains the glob `build\/\*`/);
    expect(syntaxReason("npm test # quick")).toBe("it contains a `#` comment");
    expect(syntaxReason("CI=1 npm test")).toBe("it starts with the variable assignment `CI=1`");
  });

  it("rejects an unterminated quote, a trailing backslash and an empty command", () => {
    expect(syntaxReason(`echo "open`)).toMatch(/quote is not closed/);
    expect(syntaxReason(`echo 'open`)).toMatch(/quote is not closed/);
    expect(syntaxReason(`echo x\\`)).toMatch(/backslash/);
    expect(syntaxReason("   ")).toBe("it names no program");
  });

  it("names the command and says how to write it instead", () => {
    const error = (() => {
      try {
        return parseCommandLine("a | b");
      } catch (e) {
        return e as GadugiError;
      }
    })() as GadugiError;
    expect(error.message).toBe("cannot run `a | b` without a shell: it contains the shell operator `|`.");
    expect(error.hint).toContain('["sh", "-c", "..."]');
  });
});

describe("toArgv", () => {
  it("takes an argument array as it is, shell characters and all", () => {
    expect(toArgv(["sh", "-c", "npm ci && npm test"])).toEqual(["sh", "-c", "npm ci && npm test"]);
    expect(toArgv("npm test")).toEqual(["npm", "test"]);
  });

  it("rejects an array that names no program", () => {
    expect(() => toArgv([])).toThrow(/names no program/);
    expect(() => toArgv(["", "x"])).toThrow(/names no program/);
  });
});
