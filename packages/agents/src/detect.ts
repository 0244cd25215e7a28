import { accessSync, constants, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { createProcessRunner } from "@gadugi/git";
import { AgentKind } from "@gadugi/interfaces";
import { getAdapter } from "./adapters/index.js";
import { exactEnv } from "./prepare-invocation.js";

export interface AgentInstallation {
  kind: AgentKind;
  /** The executable looked for; undefined for `command`. */
  program?: string;
  /** On PATH (always true for `command`, which runs whatever program its config names). */
  installed: boolean;
  /** Absolute path of the executable found. */
  path?: string;
  /** From `<program> --version`, e.g. "2.1.330". */
  version?: string;
  /** Why the version is missing although the program is installed. */
  error?: string;
}

export interface VersionOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Runs `<path> --version`; injectable so tests need no installed CLI. */
export type VersionRunner = (
  file: string,
  args: string[],
  options: { env: Record<string, string | undefined>; timeoutMs: number },
) => Promise<VersionOutput>;

export interface DetectAgentsOptions {
  /** The environment whose PATH is searched. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  runner?: VersionRunner;
  /** Limit for each `--version`. Default 5000. */
  timeoutMs?: number;
}

const defaultRunner: VersionRunner = async (file, args, { env, timeoutMs }) => {
  const result = await createProcessRunner().run(file, args, {
    cwd: tmpdir(),
    env: exactEnv(env),
    timeoutMs,
    killGraceMs: 1000,
    reject: false,
  });
  if (result.timedOut) throw new Error(`no answer to --version within ${timeoutMs / 1000}s`);
  return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
};

/** The first version number in `--version` output ("codex-cli 0.169.0" → "0.169.0"). */
export function parseVersion(text: string): string | undefined {
  return /\b(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)\b/.exec(text)?.[1];
}

/** Absolute path of `name` on the PATH of `env` (an executable regular file), like `which`. */
export function findExecutable(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const candidates =
    isAbsolute(name) || name.includes("/")
      ? [name]
      : (env.PATH ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * Which agent CLIs are installed (on PATH) and their versions, one entry per kind in AgentKind's
 * order. `command` is always available: it runs the program its config names.
 */
export async function detectAgents(options: DetectAgentsOptions = {}): Promise<AgentInstallation[]> {
  const env = options.env ?? process.env;
  const runner = options.runner ?? defaultRunner;
  const timeoutMs = options.timeoutMs ?? 5000;
  return Promise.all(
    AgentKind.options.map(async (kind): Promise<AgentInstallation> => {
      const program = getAdapter(kind).program;
      if (program === undefined) return { kind, installed: true };
      const path = findExecutable(program, env);
      if (!path) return { kind, program, installed: false };
      const entry: AgentInstallation = { kind, program, installed: true, path };
      try {
        const output = await runner(path, ["--version"], { env: { ...env }, timeoutMs });
        const version = parseVersion(`${output.stdout}\n${output.stderr}`);
        if (version) entry.version = version;
        else
          entry.error = `\`${program} --version\` printed no version (exit code ${output.exitCode ?? "none"})`;
      } catch (error) {
        entry.error = error instanceof Error ? error.message : String(error);
      }
      return entry;
    }),
  );
}
