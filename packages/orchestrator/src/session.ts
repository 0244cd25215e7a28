import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type {
  ExecutionPlan,
  GadugiConfig,
  RunBudget,
  RunEvent,
  RunEventInput,
  RunState,
  WorkflowState,
} from "@gadugi/interfaces";
import { WorkflowStateManager } from "@gadugi/state";
import type { IntegrationBranch } from "./integration.js";
import type { TaskExtras } from "./report.js";

/**
 * One run as every stage sees it: what the plan stage decided (ids, plan, base, settings) and
 * what the stages gather on the way (warnings, per-task extras). The plan stage builds it, for a
 * run and for a resume alike; the other stages take it as a parameter.
 */
export interface Session {
  runId: string;
  repoRoot: string;
  config: GadugiConfig;
  state: ObservedStateManager;
  plan: ExecutionPlan;
  baseRef: string;
  baseCommit: string;
  integration: IntegrationBranch | undefined;
  maxParallel: number;
  agent?: string;
  timeoutSec?: number;
  /** The run's budget in force (journaled in its settings; a resume may raise it). */
  budget?: RunBudget;
  keepWorktrees: boolean;
  /** GitHub turned off for the run (journaled, so a resume keeps it off). */
  githubOff: boolean;
  signal: AbortSignal;
  startedAt: number;
  warnings: string[];
  extras: Record<string, TaskExtras>;
  /** Journal writes made outside the awaited flow (progress events); awaited before the report. */
  background: BackgroundWrites;
}

/** What the plan stage hands the others: the session, and for a resume what the journal holds. */
export interface PlannedRun {
  session: Session;
  /** Tasks with phases done before (a resume): each continues from its last completed phase. */
  resumeStates: Map<string, WorkflowState>;
  /** The run's state when it was resumed (undefined for a new run). */
  previous?: RunState;
}

/** The files of a run under `.gadugi/runs/<id>/`. */
export function runFiles(repoRoot: string, runId: string) {
  const dir = join(repoRoot, ".gadugi", "runs", runId);
  return {
    dir,
    plan: join(dir, "plan.json"),
    reportJson: join(dir, "report.json"),
    reportMarkdown: join(dir, "report.md"),
    reportHtml: join(dir, "report.html"),
    integrationLog: join(dir, "logs", "integration-tests.log"),
  };
}

export function newRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** A state manager that also tells the run's listener about every event journaled. */
export class ObservedStateManager extends WorkflowStateManager {
  listener: ((event: RunEvent) => void) | undefined;

  override async record(runId: string, input: RunEventInput): Promise<RunEvent> {
    const event = await super.record(runId, input);
    this.listener?.(event);
    return event;
  }
}

/**
 * Journal writes started where nothing awaits them (progress events from callbacks): each is
 * kept until it settles, `settle` waits for all of them, and a failure is counted, never dropped.
 */
export class BackgroundWrites {
  readonly #pending = new Set<Promise<unknown>>();
  #failed: { count: number; first: unknown } | undefined;

  add(write: Promise<unknown>): void {
    const tracked = write.then(
      () => undefined,
      (error: unknown) => {
        this.#failed = { count: (this.#failed?.count ?? 0) + 1, first: this.#failed?.first ?? error };
      },
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
  }

  /** Waits for every write started so far; what failed, if anything. */
  async settle(): Promise<{ count: number; first: unknown } | undefined> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    return this.#failed;
  }
}

/** The engine's own measurements of a task, created on first use. */
export function extrasOf(session: Session, taskId: string): TaskExtras {
  let extra = session.extras[taskId];
  if (extra === undefined) {
    extra = {};
    session.extras[taskId] = extra;
  }
  return extra;
}

/** Journals one event of the session's run. */
export function recordOf(session: Pick<Session, "state" | "runId">) {
  return (input: RunEventInput) => session.state.record(session.runId, input);
}
