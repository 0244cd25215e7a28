import { signalProcessGroup } from "@gadugi/git";
import { abortStop } from "./prepare-invocation.js";
import type { AgentStop } from "./types.js";

/**
 * What stands between runAgent's signal and the ProcessRunner's. Most stops kill at once: the
 * runner's kill of the process group (SIGTERM, SIGKILL after the grace). A budget stop (the
 * task's cap, or an abort whose reason is GADUGI_BUDGET_EXCEEDED: the run's budget) is gentle:
 * SIGINT to the group first, which the agent CLIs take as "stop now" and still save their session
 * and print their last status on, and the runner's kill only when the agent runs on after the
 * grace. The first stop names the run's end; a later one can only make the kill sooner.
 */
export class AgentStopper {
  /** Given to the runner instead of the caller's signal: aborting it starts the runner's kill. */
  readonly runnerSignal: AbortSignal;
  private readonly kill = new AbortController();
  private stopValue: AgentStop | undefined;
  private pid: number | undefined;
  private interruptPending = false;
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = (): void => this.callerAborted();

  constructor(
    private readonly caller: AbortSignal | undefined,
    private readonly graceMs: number,
    /** Called once, with the first stop, before any signal is sent. */
    private readonly onStopping: (stop: AgentStop) => void,
  ) {
    this.runnerSignal = this.kill.signal;
    caller?.addEventListener("abort", this.onCallerAbort, { once: true });
  }

  /** Why the agent was stopped, if it was. */
  get stop(): AgentStop | undefined {
    return this.stopValue;
  }

  /** The agent runs as leader of process group `pid`. */
  spawned(pid: number): void {
    this.pid = pid;
    if (this.interruptPending) this.sendInterrupt();
  }

  /** Stops the agent gently for `stop`: SIGINT now, the runner's kill after the grace. */
  interrupt(stop: AgentStop): void {
    if (!this.begin(stop)) return;
    if (this.pid === undefined) this.interruptPending = true;
    else this.sendInterrupt();
  }

  /** The runner started its kill for a timeout: the stop, unless an earlier one already names the end. */
  runnerStopping(stop: AgentStop): void {
    this.begin(stop);
  }

  dispose(): void {
    clearTimeout(this.graceTimer);
    this.caller?.removeEventListener("abort", this.onCallerAbort);
  }

  private begin(stop: AgentStop): boolean {
    if (this.stopValue) return false;
    this.stopValue = stop;
    this.onStopping(stop);
    return true;
  }

  private sendInterrupt(): void {
    this.interruptPending = false;
    signalProcessGroup(this.pid as number, "SIGINT");
    this.graceTimer = setTimeout(() => this.kill.abort(this.stopValue?.reason), this.graceMs);
  }

  private callerAborted(): void {
    const caller = this.caller as AbortSignal;
    const stop = abortStop(caller);
    if (stop.budgetExceeded) {
      // Gentle, or already stopping: a second budget stop does not cut the first one's grace short.
      this.interrupt(stop);
      return;
    }
    this.begin(stop);
    clearTimeout(this.graceTimer);
    this.kill.abort(caller.reason);
  }
}
