import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { abortedError } from "@gadugi/error-handling";
import { execa } from "execa";
import { endLeftovers, signalProcessGroup, trackProcessGroup } from "./process-group.js";
import { childEnv, errorForResult, formatCommand, startFailureError } from "./process-text.js";

export { childEnv, errorForResult, formatCommand, type ResultErrorOptions } from "./process-text.js";

export type Env = Record<string, string | undefined>;

/**
 * What a process is for, read by whoever keeps track of a run's processes (execution-monitor's
 * `registeringRunner`); the runner itself ignores it.
 */
export interface ProcessLabel {
  /** The task it belongs to (`integration-<run>` for the integration tests). */
  taskId?: string;
  /** setup, test, review, integration-test… */
  purpose?: string;
  /** Where its output is kept, when that is not `logFile` (the output is captured and saved). */
  logFile?: string;
}

export interface RunOptions {
  cwd: string;
  /** Laid over the parent's environment; a key set to `undefined` is removed. */
  env?: Env;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null, so nothing waits for EOF. */
  input?: string | Uint8Array;
  /**
   * Kill the whole process tree after this long (SIGTERM, then SIGKILL after `killGraceMs`). The
   * first of the timeouts and the abort wins.
   */
  timeoutMs?: number;
  /** Aborting kills the whole process tree the same way. */
  signal?: AbortSignal;
  /**
   * true (default): a non-zero exit throws GADUGI_COMMAND_FAILED, a timeout GADUGI_TIMEOUT and an
   * abort GADUGI_ABORTED. false: all of these come back as a result. A program that cannot be
   * started always throws (GADUGI_COMMAND_NOT_FOUND, or GADUGI_FILE_NOT_FOUND for a missing cwd).
   */
  reject?: boolean;
  /** Append stdout and stderr to this file as they arrive (a log for long runs). */
  logFile?: string;
  /** Kill the tree the same way after this long without output (each chunk restarts it); a timeout too. */
  idleTimeoutMs?: number;
  /** Called once, when a timeout or the abort starts killing the tree (before the first signal). */
  onStop?: (cause: StopCause) => void;
  /**
   * Once the program exits, end the rest of its process group (SIGTERM, SIGKILL after
   * `killGraceMs`; SIGKILL at once for a tree being killed) rather than wait for it: the run ends
   * even while a leftover child holds the output open (given 1 s to close, then dropped). The
   * timeouts and the signal stop applying when the program exits. Default false.
   */
  endGroupOnExit?: boolean;
  /**
   * false: stdout and stderr come back "" (a long run's output is not kept in memory);
   * `onOutput` and `logFile` still get it. Default true.
   */
  buffer?: boolean;
  /** Called with each decoded chunk of output as it arrives. */
  onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
  /** Called once the process has started. */
  onSpawn?: (pid: number) => void;
  /** Time between SIGTERM and SIGKILL when killing on timeout or abort. Default 2000. */
  killGraceMs?: number;
  /** Names the operation in timeout and cancel messages; the command line by default. */
  operation?: string;
  /** What the process is for (task, purpose, log), for a runner that registers processes. */
  label?: ProcessLabel;
}

/** What started the killing of a tree: `timeoutMs`, `idleTimeoutMs` or the signal. */
export type StopCause = "timeout" | "idle-timeout" | "abort";

export interface RunResult {
  command: string[];
  /** null when the process was ended by a signal. */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
}

/** Runs programs with argument arrays (never a shell string). The engine's only way to spawn. */
export interface ProcessRunner {
  run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
  /**
   * true: the runner adds nothing to a git call (no fake, no record, no label read), so GitClient
   * may start git its own way (simple-git) instead of through it. createProcessRunner's runner
   * says so, and labelledRunner over such a runner; a wrapper that fakes, records or alters git
   * calls leaves it unset, and then sees every one of them.
   */
  readonly plainGit?: boolean;
}

const DEFAULT_KILL_GRACE_MS = 2000;
/** With `endGroupOnExit`: how long the output may stay open after the program exits. */
const DRAIN_MS = 1000;

type Child = ReturnType<typeof spawnChild>;
type RawResult = Awaited<Child["subprocess"]>;

function spawnChild(file: string, args: readonly string[], options: RunOptions) {
  // A process group of its own, so a timeout or abort can kill everything the command started.
  const ownGroup = process.platform !== "win32";
  const output = options.logFile ? (["pipe", { file: options.logFile, append: true }] as const) : "pipe";
  const subprocess = execa(file, [...args], {
    cwd: options.cwd,
    env: childEnv(options.cwd, options.env),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    stdout: output,
    stderr: output,
    buffer: options.buffer ?? true,
    detached: ownGroup,
    cleanup: !ownGroup,
    windowsHide: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    subprocess.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return { subprocess, exited, pid: subprocess.pid, ownGroup };
}

/** Clamped: setTimeout fires at once beyond 2^31 - 1 ms (about 24.8 days). */
function timer(ms: number, fire: () => void): NodeJS.Timeout {
  return setTimeout(fire, Math.min(ms, 2_147_483_647));
}

/** The wall-clock and idle timeouts and the abort signal of one run: the first of them kills the tree. */
class Stopper {
  cause: StopCause | undefined;
  private wallTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private watching = true;
  private readonly onAbort = (): void => this.stop("abort");

  constructor(
    private readonly child: Child,
    private readonly options: RunOptions,
  ) {
    if (options.timeoutMs !== undefined)
      this.wallTimer = timer(options.timeoutMs, () => this.stop("timeout"));
    this.activity();
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Output arrived: the idle clock starts again. */
  activity(): void {
    const idleMs = this.options.idleTimeoutMs;
    if (!this.watching || this.cause || idleMs === undefined || idleMs <= 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = timer(idleMs, () => this.stop("idle-timeout"));
  }

  private stop(cause: StopCause): void {
    if (this.cause || !this.watching) return;
    this.cause = cause;
    this.options.onStop?.(cause);
    this.kill();
  }

  private kill(): void {
    const { pid, ownGroup, subprocess } = this.child;
    if (pid === undefined) return;
    if (ownGroup) signalProcessGroup(pid, "SIGTERM");
    else subprocess.kill("SIGTERM");
    this.graceTimer ??= setTimeout(() => {
      if (ownGroup) signalProcessGroup(pid, "SIGKILL");
      else subprocess.kill("SIGKILL");
    }, this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  }

  /** No timeout or abort applies any more (the program has exited, or the run is over). */
  unwatch(): void {
    this.watching = false;
    clearTimeout(this.wallTimer);
    clearTimeout(this.idleTimer);
    this.options.signal?.removeEventListener("abort", this.onAbort);
  }

  dispose(): void {
    this.unwatch();
    clearTimeout(this.graceTimer);
  }
}

function relayOutput(child: Child, options: RunOptions, stopper: Stopper): void {
  for (const name of ["stdout", "stderr"] as const) {
    const decoder = new StringDecoder("utf8");
    child.subprocess[name]?.on("data", (chunk: Buffer | string) => {
      stopper.activity();
      if (!options.onOutput) return;
      const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
      if (text) options.onOutput(name, text);
    });
  }
}

interface Ended {
  exitCode: number | null;
  signal?: string;
  /** undefined when the output was dropped because a leftover held it open. */
  raw: RawResult | undefined;
}

/** `endGroupOnExit`: once the program has exited, the rest of its group is ended (see RunOptions). */
async function endAfterExit(child: Child, stopper: Stopper, graceMs: number): Promise<Ended> {
  const exit = await child.exited;
  stopper.unwatch();
  const { pid, ownGroup, subprocess } = child;
  const raw = await endLeftovers(ownGroup ? pid : undefined, subprocess, {
    first: stopper.cause ? "SIGKILL" : "SIGTERM",
    graceMs,
    drainMs: DRAIN_MS,
    drop: () => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    },
  });
  return { exitCode: exit.code, ...(exit.signal ? { signal: exit.signal } : {}), raw };
}

async function endWithOutput(child: Child): Promise<Ended> {
  const raw = await child.subprocess;
  return { exitCode: raw.exitCode ?? null, ...(raw.signal ? { signal: raw.signal } : {}), raw };
}

async function runProcess(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const command = [file, ...args];
  const { signal } = options;
  if (signal?.aborted) {
    throw abortedError(signal, options.operation ?? `\`${formatCommand(command, options.env)}\``);
  }
  const started = performance.now();
  const child = spawnChild(file, args, options);
  const { pid, ownGroup } = child;
  const forgetGroup = pid !== undefined && ownGroup ? trackProcessGroup(pid) : undefined;
  const stopper = new Stopper(child, options);
  if (pid !== undefined) options.onSpawn?.(pid);
  relayOutput(child, options, stopper);

  const leftovers = options.endGroupOnExit === true && pid !== undefined;
  let ended: Ended;
  try {
    ended = leftovers
      ? await endAfterExit(child, stopper, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS)
      : await endWithOutput(child);
  } finally {
    stopper.dispose();
    // Whatever of a killed tree outlived its leader does not get a grace period.
    if (pid !== undefined && ownGroup && !leftovers && stopper.cause) signalProcessGroup(pid, "SIGKILL");
    forgetGroup?.();
  }
  return judge(file, command, options, ended, stopper.cause, performance.now() - started);
}

function judge(
  file: string,
  command: string[],
  options: RunOptions,
  ended: Ended,
  cause: StopCause | undefined,
  elapsedMs: number,
): RunResult {
  const { raw } = ended;
  const timedOut = cause === "timeout" || cause === "idle-timeout";
  const aborted = cause === "abort";
  const result: RunResult = {
    command,
    exitCode: ended.exitCode,
    stdout: typeof raw?.stdout === "string" ? raw.stdout : "",
    stderr: typeof raw?.stderr === "string" ? raw.stderr : "",
    durationMs: Math.round(elapsedMs),
    timedOut,
    aborted,
  };
  if (ended.signal) result.signal = ended.signal;

  if (raw) {
    const spawnFailed = raw.failed && raw.exitCode === undefined && !raw.signal && !cause;
    if (spawnFailed && !raw.isMaxBuffer) {
      throw startFailureError({
        file,
        command,
        cwd: options.cwd,
        ...(options.env === undefined ? {} : { env: options.env }),
        ...(raw.code === undefined ? {} : { code: raw.code }),
        message: raw.shortMessage ?? "",
        cause: raw,
      });
    }
    if (raw.isMaxBuffer) result.stderr ||= raw.shortMessage ?? "";
  }
  if ((options.reject ?? true) && (timedOut || aborted || result.exitCode !== 0)) {
    throw errorForResult(result, {
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  }
  return result;
}

/** A runner that gives every call `label`; what a call's own label sets wins. */
export function labelledRunner(runner: ProcessRunner, label: ProcessLabel): ProcessRunner {
  return {
    run: (file, args, options) =>
      runner.run(file, args, { ...options, label: { ...label, ...options.label } }),
    // A label changes nothing for git over a plain runner: it ignores labels.
    ...(runner.plainGit ? { plainGit: true } : {}),
  };
}

/** The default ProcessRunner, over execa. */
export function createProcessRunner(): ProcessRunner {
  return { run: runProcess, plainGit: true };
}
