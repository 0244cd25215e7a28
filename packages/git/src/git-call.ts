import { resolve } from "node:path";
import { GadugiError } from "@gadugi/error-handling";
import { fallbackIdentity, IDENTITY_CONFIG_ARGS, needsIdentity } from "./git-identity.js";
import {
  createProcessRunner,
  type Env,
  errorForResult,
  type ProcessRunner,
  type RunResult,
} from "./process-runner.js";
import { runOnSimpleGit } from "./simple-git-run.js";

export interface GitClientOptions {
  /**
   * Starts the git calls that may be killed (a timeout or a signal: it kills the whole process
   * group), and every call when it is not a plain runner (`plainGit`): a fake or a recorder sees
   * each git call. Default: createProcessRunner().
   */
  runner?: ProcessRunner;
  /** Laid over the parent's environment for every call; `undefined` removes a variable. */
  env?: Env;
  /** Default time limit of one git call; none when unset. */
  timeoutMs?: number;
}

export interface GitCallOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  env?: Env;
}

/** Set on every git call: never prompt for credentials, and print messages that can be parsed. */
const BASE_ENV: Env = { GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };

let defaultRunner: ProcessRunner | undefined;

/**
 * The raw call layer: every git process of a GitClient starts here, with GIT_TERMINAL_PROMPT=0,
 * LC_ALL=C, the client's environment, the fallback identity for commands that may commit, and the
 * call's own environment, in that order.
 *
 * Which process starts it: simple-git, unless the call may be killed (a timeout or a signal) or
 * the client's runner wants to see git calls (not `plainGit`); then the process runner. On a kill
 * simple-git sends SIGINT to git alone, and the hooks or remote helpers git started (a slow
 * pre-commit hook, ssh) keep running; the runner puts git in a process group of its own and kills
 * the whole group (SIGTERM, then SIGKILL), and kills it too should Gadugi exit first.
 */
export class GitCaller {
  readonly cwd: string;
  readonly env: Env;
  /** The runner the client was given, if any. */
  readonly runner: ProcessRunner | undefined;
  private readonly timeoutMs: number | undefined;
  private identity: Promise<Env> | undefined;

  constructor(cwd: string, options: GitClientOptions = {}) {
    this.cwd = resolve(cwd);
    this.runner = options.runner;
    this.env = options.env ?? {};
    this.timeoutMs = options.timeoutMs;
  }

  /** Runs git with `args` in `cwd`; stdout as printed. Throws GADUGI_GIT_FAILED on a non-zero exit. */
  async raw(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    const result = await this.tryRaw(args, options);
    if (result.exitCode !== 0) throw this.failure(result);
    return result.stdout;
  }

  /** `raw`, trimmed. */
  async text(args: readonly string[], options?: GitCallOptions): Promise<string> {
    return (await this.raw(args, options)).trim();
  }

  /**
   * Runs git and returns the result whatever the exit code. A missing git, a timeout or an abort
   * still throw: a killed git gave no answer.
   */
  async tryRaw(args: readonly string[], options: GitCallOptions = {}): Promise<RunResult> {
    const identity = needsIdentity(args) ? await this.identityEnv() : {};
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const env = { ...BASE_ENV, ...this.env, ...identity, ...options.env };
    const result = await this.start(args, env, { ...options, timeoutMs });
    if (result.timedOut || result.aborted) {
      throw errorForResult(result, {
        env,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    }
    return result;
  }

  /** The error for a failed git call: GADUGI_NOT_A_GIT_REPO when git says so, else GADUGI_GIT_FAILED. */
  failure(result: RunResult): GadugiError {
    if (/not a git repository/i.test(result.stderr)) {
      return new GadugiError("GADUGI_NOT_A_GIT_REPO", { path: this.cwd });
    }
    return errorForResult(result, { code: "GADUGI_GIT_FAILED", env: this.env });
  }

  /** The fallback identity (see `fallbackIdentity`), read once per client. */
  identityEnv(): Promise<Env> {
    this.identity ??= this.readIdentityEnv().catch((error: unknown) => {
      this.identity = undefined;
      throw error;
    });
    return this.identity;
  }

  private async readIdentityEnv(): Promise<Env> {
    const result = await this.start(IDENTITY_CONFIG_ARGS, { ...BASE_ENV, ...this.env }, {});
    return fallbackIdentity(result.stdout, { ...process.env, ...this.env });
  }

  private start(args: readonly string[], env: Env, options: Omit<GitCallOptions, "env">): Promise<RunResult> {
    const { input, timeoutMs, signal } = options;
    const plain = this.runner === undefined || this.runner.plainGit === true;
    // simple-git's raw() refuses an empty argument list; plain `git` prints its usage.
    if (plain && timeoutMs === undefined && signal === undefined && args.length > 0) {
      return runOnSimpleGit({ cwd: this.cwd, args, env, ...(input === undefined ? {} : { input }) });
    }
    defaultRunner ??= createProcessRunner();
    return (this.runner ?? defaultRunner).run("git", args, {
      cwd: this.cwd,
      env,
      reject: false,
      ...(input === undefined ? {} : { input }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(signal === undefined ? {} : { signal }),
    });
  }
}

/** Refuses a ref (or other value git reads as a ref) that is empty or would be read as an option. */
export function assertRef(name: string, value: string): void {
  if (value === "" || value.startsWith("-")) {
    throw new GadugiError("GADUGI_INVALID_ARGUMENT", {
      name,
      value,
      expected: "a git ref name that is not empty and does not start with '-'",
    });
  }
}

export function firstLine(text: string): string {
  return text.replace(/\r?\n$/, "").split("\n")[0] ?? "";
}
