import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { GadugiError, redactSecrets } from "@gadugi/error-handling";
import { signalProcessGroup, trackProcessGroup } from "@gadugi/git";
import type { AgentEvent, AgentRunRequest, AgentRunResult } from "@gadugi/interfaces";
import { execa } from "execa";
import { getAdapter } from "./adapters/index.js";
import { displayCommand, formatCommandLine } from "./invocation.js";
import { isTransientReason } from "./transient.js";
import type {
  AgentAdapter,
  AgentInvocation,
  FinishedEvent,
  FinishInfo,
  InvocationContext,
  OutputStream,
} from "./types.js";

export interface RunAgentOptions {
  /** Aborting kills the agent's process group; the run ends `cancelled`. */
  signal?: AbortSignal;
  /** Wall-clock limit; default `agent.timeoutSec`. The run ends `timeout`. */
  timeoutMs?: number;
  /** Kill the agent after this long without output while it lives; default `agent.idleTimeoutSec`, else never. */
  idleTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL when killing a process group. Default 5000. */
  killGraceMs?: number;
  /** Every normalized event, as it happens (also written to `request.eventsFile`). */
  onEvent?: (event: AgentEvent) => void;
  /** Once the agent runs: its pid (= its process group id) and the command line, secrets masked. */
  onSpawn?: (pid: number, command: string[]) => void;
  /** Every raw line of output, after it is in the log and before it is parsed. */
  onOutput?: (line: string, stream: OutputStream) => void;
  /**
   * Whether the worktree changed during the run, for adapters judged by changes (aider). Default:
   * `git status --porcelain` is not empty, or HEAD moved.
   */
  hasChanges?: (worktree: string) => Promise<boolean>;
  /** The environment the agent's variables are laid over. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Replaces the adapter of `request.agent.kind`. */
  adapter?: AgentAdapter;
  context?: InvocationContext;
  now?: () => Date;
}

const DEFAULT_KILL_GRACE_MS = 5000;
/** setTimeout fires at once beyond this (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;
/** How long the output may stay open after the agent exits (a child of it holding the pipe). */
const DRAIN_MS = 1000;

/** Whether any process of the group still runs (zombies waiting for init to reap them do not count). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform !== "linux") return true;
  // kill(-pgid, 0) also succeeds while a member is a zombie, which an init that does not reap
  // (containers) leaves forever: look at the members' states instead.
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
    }
    return false;
  } catch {
    return true;
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

function abortText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === "string" && reason) return `cancelled: ${reason}`;
  if (reason instanceof Error && reason.name !== "AbortError" && reason.message)
    return `cancelled: ${reason.message}`;
  return "cancelled";
}

/**
 * Appends lines to a file with synchronous writes, so a line is on disk before anything reads it.
 * Opening fails loudly; a write failing later (disk full) is reported once through `onError` and
 * the run goes on without the file.
 */
class LineFile {
  private fd: number | undefined;
  onError: ((error: Error) => void) | undefined;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, "a");
    } catch (error) {
      throw new GadugiError(
        "GADUGI_FILE_UNWRITABLE",
        { path, reason: (error as Error).message },
        { cause: error },
      );
    }
  }

  write(line: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${line}\n`);
    } catch (error) {
      this.close();
      this.onError?.(error as Error);
    }
  }

  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } catch {
      // Already unusable; nothing more to lose.
    }
  }
}

/** Splits a byte stream into lines (without "\n" or a trailing "\r"). */
class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  flush(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    if (rest) this.onLine(rest.endsWith("\r") ? rest.slice(0, -1) : rest);
  }
}

async function gitOutput(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<string | undefined> {
  const result = await execa("git", args, {
    cwd,
    env: { ...env, PWD: resolvePath(cwd) },
    extendEnv: false,
    stdin: "ignore",
    reject: false,
    timeout: 30_000,
  });
  return result.exitCode === 0 && typeof result.stdout === "string" ? result.stdout.trim() : undefined;
}

function cleanEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

function spawnFailure(kind: string, file: string, code: string | undefined, message: string): string {
  const shown = redactSecrets(file);
  if (code === "ENOENT") {
    const error = new GadugiError("GADUGI_AGENT_NOT_FOUND", { agent: kind });
    return `GADUGI_AGENT_NOT_FOUND: ${error.message} \`${shown}\` was not found on PATH (spawn ENOENT). ${error.hint}`;
  }
  if (code === "EACCES")
    return `\`${shown}\` cannot be executed (spawn EACCES): check that it is an executable file.`;
  return `spawn failed: ${code ?? ""} ${redactSecrets(message)}`.replace(/\s+/g, " ").trim();
}

/**
 * Runs one agent to its end and never throws for anything the agent does: a missing program, a
 * crash, a timeout or an abort all come back as an AgentRunResult (it throws only when the log
 * file cannot be written).
 *
 * The agent leads its own process group (execa, `detached`), so a timeout, an idle timeout or an
 * abort kills everything it started (SIGTERM, SIGKILL after `killGraceMs`), and whatever is left of
 * the group after a normal exit is killed too. Each line of output is appended to
 * `request.logFile` (stdout as is, stderr as `[stderr] <line>`, Gadugi's own lines as
 * `[gadugi] ...`) before it is parsed; normalized events go to `request.eventsFile`.
 */
export async function runAgent(
  request: AgentRunRequest,
  options: RunAgentOptions = {},
): Promise<AgentRunResult> {
  const now = options.now ?? (() => new Date());
  const adapter = options.adapter ?? getAdapter(request.agent.kind);
  const parser = adapter.createParser({ now });
  const startedAt = now().toISOString();
  const t0 = performance.now();
  const baseEnv = options.env ?? process.env;

  const log = new LineFile(request.logFile);
  let events: LineFile | undefined;
  try {
    events = request.eventsFile ? new LineFile(request.eventsFile) : undefined;
  } catch (error) {
    log.close();
    throw error;
  }

  let pid: number | undefined;
  let callbackFailed = false;
  const emit = (event: AgentEvent): void => {
    const out =
      event.type === "started" && pid !== undefined && event.pid === undefined ? { ...event, pid } : event;
    events?.write(JSON.stringify(out));
    try {
      options.onEvent?.(out);
    } catch (error) {
      if (!callbackFailed) {
        callbackFailed = true;
        log.write(`[gadugi] onEvent threw: ${(error as Error).message}`);
      }
    }
  };

  log.onError = (error) =>
    emit({
      type: "warning",
      at: now().toISOString(),
      message: `cannot write the log ${log.path}: ${error.message}`,
    });
  if (events) {
    const file = events;
    file.onError = (error) =>
      log.write(`[gadugi] cannot write the events file ${file.path}: ${error.message}`);
  }

  const finish = (finished: FinishedEvent, extra: { pid?: number } = {}): AgentRunResult => {
    emit(finished);
    const endedAt = now().toISOString();
    log.write(
      `[gadugi] ${endedAt} end: ${finished.outcome}, exit code ${finished.exitCode ?? "none"}${finished.reason ? `: ${finished.reason.replace(/\s*\n\s*/g, " ")}` : ""}`,
    );
    log.close();
    events?.close();
    const summary = parser.summary();
    const result: AgentRunResult = {
      runId: request.runId,
      taskId: request.taskId,
      outcome: finished.outcome,
      exitCode: finished.exitCode,
      permissionDenials: summary.permissionDenials,
      startedAt,
      endedAt,
      durationMs: Math.max(0, Math.round(performance.now() - t0)),
      transient: isTransientReason(finished.outcome, finished.reason),
    };
    if (finished.reason) result.reason = finished.reason;
    if (summary.sessionId) result.sessionId = summary.sessionId;
    if (finished.usage) result.usage = finished.usage;
    if (extra.pid !== undefined) result.pid = extra.pid;
    return result;
  };
  const failEarly = (info: FinishInfo, reason: string): AgentRunResult => {
    const finished = parser.finish(info);
    return finish({ ...finished, outcome: info.cancelled ? "cancelled" : "failed", reason });
  };

  let invocation: AgentInvocation;
  try {
    invocation = adapter.buildInvocation(request, options.context);
  } catch (error) {
    const reason = GadugiError.is(error) ? `${error.code}: ${error.message} ${error.hint}` : String(error);
    log.write(`[gadugi] ${startedAt} cannot start the ${request.agent.kind} agent: ${reason}`);
    return failEarly({ exitCode: null }, reason);
  }
  // PWD as the worktree: agents that read their directory from $PWD must not work in the user's checkout.
  const env = { ...cleanEnv({ ...baseEnv, ...invocation.env }), PWD: resolvePath(invocation.cwd) };
  const command = displayCommand(invocation.file, invocation.args, env);
  log.write(`[gadugi] ${startedAt} start: ${formatCommandLine(command)} (cwd ${invocation.cwd})`);

  if (options.signal?.aborted) {
    return failEarly({ exitCode: null, cancelled: true }, abortText(options.signal));
  }
  try {
    if (!statSync(invocation.cwd).isDirectory()) throw new Error("not a directory");
  } catch {
    return failEarly(
      { exitCode: null },
      `the worktree ${invocation.cwd} does not exist or is not a directory`,
    );
  }

  const checkChanges = adapter.judgesByChanges && request.agent.autonomy !== "read-only";
  const gitEnv = cleanEnv(baseEnv);
  const headBefore =
    checkChanges && !options.hasChanges
      ? await gitOutput(invocation.cwd, ["rev-parse", "--verify", "-q", "HEAD"], gitEnv)
      : undefined;

  const stdin = invocation.stdin;
  const subprocess = execa(invocation.file, invocation.args, {
    cwd: invocation.cwd,
    env,
    extendEnv: false,
    ...(stdin === "ignore" ? { stdin: "ignore" as const } : { input: stdin === "closed" ? "" : stdin.text }),
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    detached: true,
    cleanup: false,
    windowsHide: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    subprocess.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const settled = subprocess.then(
    (r) => r,
    (error: unknown) => error as Awaited<typeof subprocess>,
  );

  pid = subprocess.pid;
  const splitters: LineSplitter[] = [];
  for (const stream of ["stdout", "stderr"] as const) {
    const splitter = new LineSplitter((line) => {
      log.write(stream === "stderr" ? `[stderr] ${line}` : line);
      try {
        options.onOutput?.(line, stream);
      } catch {
        // A caller's display bug must not stop the run.
      }
      for (const event of parser.push(line, stream)) emit(event);
    });
    splitters.push(splitter);
    subprocess[stream]?.on("data", (chunk: Buffer | string) => {
      resetIdle();
      splitter.write(chunk);
    });
  }

  let stop: { timedOut: boolean; cancelled: boolean; reason: string } | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let wallTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const killTree = (): void => {
    if (pid === undefined) return;
    signalProcessGroup(pid, "SIGTERM");
    const pgid = pid;
    killTimer ??= setTimeout(() => signalProcessGroup(pgid, "SIGKILL"), killGraceMs);
  };
  const halt = (kind: "timeout" | "cancelled", reason: string): void => {
    if (stop) return;
    stop = { timedOut: kind === "timeout", cancelled: kind === "cancelled", reason };
    log.write(`[gadugi] ${now().toISOString()} stopping the agent: ${reason}`);
    killTree();
  };
  const wallMs = options.timeoutMs ?? request.agent.timeoutSec * 1000;
  const idleMs =
    options.idleTimeoutMs ??
    (request.agent.idleTimeoutSec !== undefined ? request.agent.idleTimeoutSec * 1000 : undefined);
  function resetIdle(): void {
    if (idleMs === undefined || idleMs <= 0 || stop) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () => halt("timeout", `no output for ${seconds(idleMs)} (idle timeout)`),
      Math.min(idleMs, MAX_TIMER_MS),
    );
  }
  const onAbort = (): void => halt("cancelled", abortText(options.signal as AbortSignal));

  if (pid === undefined) {
    const failure = (await settled) as { code?: string; shortMessage?: string; message?: string };
    const message = failure.shortMessage ?? failure.message ?? "";
    return failEarly(
      { exitCode: null },
      spawnFailure(request.agent.kind, invocation.file, failure.code, message),
    );
  }

  const forgetGroup = trackProcessGroup(pid);
  emit({ type: "started", at: now().toISOString(), pid });
  for (const warning of invocation.warnings)
    emit({ type: "warning", at: now().toISOString(), message: warning });
  try {
    options.onSpawn?.(pid, command);
  } catch {
    // Registry bookkeeping must not stop the run.
  }
  if (Number.isFinite(wallMs) && wallMs > 0) {
    wallTimer = setTimeout(
      () => halt("timeout", `ran longer than ${seconds(wallMs)} (wall-clock timeout)`),
      Math.min(wallMs, MAX_TIMER_MS),
    );
  }
  resetIdle();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const exit = await exited;
  clearTimeout(wallTimer);
  clearTimeout(idleTimer);
  options.signal?.removeEventListener("abort", onAbort);

  // A child of the agent may still hold its stdout: give it a moment, then end the whole group.
  const drained = await Promise.race([settled.then(() => true), delay(DRAIN_MS).then(() => false)]);
  const pgid = pid;
  if (groupAlive(pgid)) {
    signalProcessGroup(pgid, stop ? "SIGKILL" : "SIGTERM");
    const deadline = performance.now() + killGraceMs;
    while (groupAlive(pgid) && performance.now() < deadline) await delay(50);
    if (groupAlive(pgid)) signalProcessGroup(pgid, "SIGKILL");
  }
  if (!drained) {
    const closed = await Promise.race([
      settled.then(() => true),
      delay(killGraceMs + 1000).then(() => false),
    ]);
    if (!closed) {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }
  }
  clearTimeout(killTimer);
  forgetGroup();
  for (const splitter of splitters) splitter.flush();

  let hasChanges: boolean | undefined;
  if (checkChanges && !stop) {
    try {
      if (options.hasChanges) hasChanges = await options.hasChanges(invocation.cwd);
      else {
        const status = await gitOutput(
          invocation.cwd,
          ["status", "--porcelain", "--untracked-files=all"],
          gitEnv,
        );
        const headAfter = await gitOutput(invocation.cwd, ["rev-parse", "--verify", "-q", "HEAD"], gitEnv);
        if (status === undefined) throw new Error("git status failed (is the worktree a git repository?)");
        hasChanges = status !== "" || headAfter !== headBefore;
      }
    } catch (error) {
      emit({
        type: "warning",
        at: now().toISOString(),
        message: `could not check the worktree for changes: ${(error as Error).message}`,
      });
    }
  }

  const info: FinishInfo = { exitCode: exit.code, signal: exit.signal };
  if (stop) {
    info.timedOut = stop.timedOut;
    info.cancelled = stop.cancelled;
    info.stopReason = stop.reason;
  }
  if (hasChanges !== undefined) info.hasChanges = hasChanges;
  return finish(parser.finish(info), { pid });
}
