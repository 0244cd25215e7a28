import { GadugiError } from "@gadugi/error-handling";
import {
  FINISHED_TASK_STATUSES,
  type PhaseRecord,
  type RunEvent,
  type RunState,
  WORKFLOW_PHASES,
  type WorkflowState,
} from "@gadugi/interfaces";
import { EventJournal } from "./journal.js";

export interface ReduceOptions {
  /** A state to continue from; events with `seq <= initial.journalSeq` are already in it. */
  initial?: RunState;
  /** Names the events' origin (a journal path) in errors. */
  source?: string;
}

/**
 * Folds journal events into a RunState, so a run's state can be rebuilt after a crash from
 * `events.jsonl` alone. Pure: neither `events` nor `options.initial` is modified.
 *
 * What each event does: run.started creates the state; run.status / run.finished set the status
 * (and endedAt when it is not `running`); task.added adds a task; task.status sets its status
 * (running counts an attempt and sets startedAt, a finished status sets endedAt, failed,
 * merge-failed or changes-requested with a reason sets error); task.updated merges a patch
 * (creating the task if unknown); phase.started marks the phase running; phase.finished records status, endedAt, durationMs, reason and merges
 * data; merge.result records the task's merge (keeping the rules its earlier, conflicting merges
 * applied); an `error` event naming a task sets its `error`.
 * task.added also keeps the task's definition. Every event moves updatedAt and journalSeq;
 * process.*, agent.event and the other informational events change nothing else (they stay in
 * the journal for reports).
 */
export function reduceRunState(events: Iterable<RunEvent>, options: ReduceOptions = {}): RunState {
  let state = options.initial === undefined ? undefined : structuredClone(options.initial);
  for (const event of events) state = fold(state, event, options.source);
  if (state === undefined) {
    throw new GadugiError("GADUGI_STATE_CORRUPT", {
      path: options.source ?? "the run's journal",
      reason: "it has no run.started event",
    });
  }
  return state;
}

/** One step of {@link reduceRunState}: returns a new state, `state` is not modified. */
export function applyRunEvent(state: RunState | undefined, event: RunEvent, source?: string): RunState {
  return fold(state === undefined ? undefined : structuredClone(state), event, source) as RunState;
}

/**
 * `applyRunEvent` without the copy: changes `state` itself and returns it. For the owner of a
 * private state (the state manager's open run), where copying the whole state for every event
 * made a run's bookkeeping quadratic in its events.
 */
export function applyRunEventInPlace(state: RunState, event: RunEvent, source?: string): RunState {
  return fold(state, event, source) as RunState;
}

/** Rebuilds a run's state from its journal. No journal (or an empty one): GADUGI_STATE_NOT_FOUND. */
export async function rebuildRunState(
  repoRoot: string,
  runId: string,
  options: { onWarning?: (warning: string) => void } = {},
): Promise<RunState> {
  const journal = EventJournal.forRun(repoRoot, runId);
  const { events, warnings } = await journal.read();
  for (const warning of warnings) options.onWarning?.(warning);
  if (events.length === 0) throw new GadugiError("GADUGI_STATE_NOT_FOUND", { path: journal.path });
  return reduceRunState(events, { source: journal.path });
}

function newTask(runId: string, taskId: string, at: string): WorkflowState {
  return { runId, taskId, status: "pending", phases: [], attempts: 0, updatedAt: at };
}

function task(state: RunState, taskId: string, at: string): WorkflowState {
  let t = state.tasks[taskId];
  if (t === undefined) {
    t = newTask(state.runId, taskId, at);
    state.tasks[taskId] = t;
  }
  if (!state.taskIds.includes(taskId)) state.taskIds.push(taskId);
  return t;
}

function phase(t: WorkflowState, name: PhaseRecord["phase"]): PhaseRecord {
  let record = t.phases.find((p) => p.phase === name);
  if (record === undefined) {
    record = { phase: name, status: "pending", data: {} };
    t.phases.push(record);
  }
  return record;
}

/** Mutates and returns `state` (a private copy), or creates it on run.started. */
function fold(
  state: RunState | undefined,
  event: RunEvent,
  source: string | undefined,
): RunState | undefined {
  if (state !== undefined && event.seq <= state.journalSeq) return state;
  if (event.type === "run.started") state = startRun(state, event);
  if (state === undefined) {
    throw new GadugiError("GADUGI_STATE_CORRUPT", {
      path: source ?? "the run's journal",
      reason: `event ${event.seq} (${event.type}) comes before run.started`,
    });
  }
  applyEvent(state, event);
  state.updatedAt = event.at;
  state.journalSeq = event.seq;
  return state;
}

type EventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;

function startRun(state: RunState | undefined, event: EventOf<"run.started">): RunState {
  if (state === undefined) {
    state = {
      runId: event.runId,
      status: "running",
      startedAt: event.at,
      updatedAt: event.at,
      repoRoot: event.repoRoot,
      promptFiles: [...event.promptFiles],
      taskIds: [],
      tasks: {},
      definitions: {},
      merges: {},
      agentRuns: {},
      journalSeq: 0,
    };
  } else {
    // A second start (a resume that logged one): the run is live again under a new owner.
    state.status = "running";
    delete state.endedAt;
  }
  if (event.baseRef !== undefined) state.baseRef = event.baseRef;
  if (event.baseCommit !== undefined) state.baseCommit = event.baseCommit;
  if (event.integrationBranch !== undefined) state.integrationBranch = event.integrationBranch;
  if (event.owner !== undefined) state.owner = { pid: event.owner.pid, host: event.owner.host };
  return state;
}

/** What one event changes besides updatedAt and journalSeq. */
function applyEvent(state: RunState, event: RunEvent): void {
  const at = event.at;
  switch (event.type) {
    case "run.status":
    case "run.finished":
      if (event.type === "run.status" && event.pausedSince !== undefined && event.pausedSince < at) {
        state.pauses = [...(state.pauses ?? []), { from: event.pausedSince, to: at }];
      }
      state.status = event.status;
      if (event.status === "running") delete state.endedAt;
      else state.endedAt = at;
      break;
    case "task.added":
      addTask(state, event);
      break;
    case "task.status":
      setTaskStatus(task(state, event.taskId, at), event);
      break;
    case "task.updated": {
      const t = task(state, event.taskId, at);
      const { runId: _runId, taskId: _taskId, ...patch } = event.patch;
      Object.assign(t, structuredClone(patch));
      t.updatedAt = at;
      break;
    }
    case "phase.started":
      startPhase(task(state, event.taskId, at), event);
      break;
    case "phase.finished":
      finishPhase(task(state, event.taskId, at), event);
      break;
    case "merge.result": {
      const before = state.merges[event.taskId];
      // A merge recorded again (a resume's repair) is the same merge, not an earlier one.
      const replaced = before?.status === "merged" ? [] : (before?.rules ?? []);
      const earlier = [...(before?.earlierRules ?? []), ...replaced];
      state.merges[event.taskId] = {
        branch: event.branch,
        status: event.status,
        conflictFiles: [...(event.conflictFiles ?? [])],
        at,
        ...(event.commit === undefined ? {} : { commit: event.commit }),
        ...(event.reason === undefined ? {} : { reason: event.reason }),
        ...(event.rules === undefined ? {} : { rules: structuredClone(event.rules) }),
        ...(earlier.length === 0 ? {} : { earlierRules: structuredClone(earlier) }),
      };
      break;
    }
    case "run.settings":
      state.settings = structuredClone(event.settings);
      break;
    case "agent.run": {
      const { seq: _seq, at: _at, runId: _runId, type: _type, taskId, ...record } = event;
      state.agentRuns[taskId] = [...(state.agentRuns[taskId] ?? []), { ...structuredClone(record), at }];
      break;
    }
    case "task.restarted":
      restartTask(task(state, event.taskId, at), event);
      break;
    case "error": {
      const t = event.context.taskId === undefined ? undefined : state.tasks[event.context.taskId];
      if (t !== undefined) {
        t.error = event.context.message;
        t.updatedAt = at;
      }
      break;
    }
    default:
      // run.started (handled by startRun), process.*, agent.event, checkpoint.created,
      // concurrency.changed, breaker.state, warning: journal-only facts.
      break;
  }
}

function addTask(state: RunState, event: EventOf<"task.added">): void {
  const existing = state.tasks[event.task.id];
  const t = existing ?? newTask(state.runId, event.task.id, event.at);
  if (existing === undefined) {
    t.status = event.task.status;
    if (event.task.issueNumber !== undefined) t.issueNumber = event.task.issueNumber;
    state.tasks[event.task.id] = t;
  }
  if (!state.taskIds.includes(event.task.id)) state.taskIds.push(event.task.id);
  state.definitions[event.task.id] = structuredClone(event.task);
  t.updatedAt = event.at;
}

function setTaskStatus(t: WorkflowState, event: EventOf<"task.status">): void {
  const at = event.at;
  t.status = event.status;
  t.updatedAt = at;
  if (event.status === "running") {
    t.attempts += 1;
    t.startedAt ??= at;
    delete t.endedAt;
    delete t.error;
  } else if (FINISHED_TASK_STATUSES.has(event.status)) {
    t.endedAt = at;
    // Why it did not land, or why it was skipped, cancelled or stopped at the budget.
    if (event.status !== "completed" && event.reason !== undefined) t.error = event.reason;
  } else {
    delete t.endedAt;
  }
}

function startPhase(t: WorkflowState, event: EventOf<"phase.started">): void {
  const record = phase(t, event.phase);
  record.status = "running";
  record.startedAt = event.at;
  delete record.endedAt;
  delete record.durationMs;
  delete record.reason;
  t.currentPhase = event.phase;
  t.updatedAt = event.at;
}

function finishPhase(t: WorkflowState, event: EventOf<"phase.finished">): void {
  const at = event.at;
  const record = phase(t, event.phase);
  record.status = event.status;
  record.endedAt = at;
  const measured = record.startedAt === undefined ? undefined : Date.parse(at) - Date.parse(record.startedAt);
  const durationMs = event.durationMs ?? measured;
  if (durationMs !== undefined && Number.isFinite(durationMs) && durationMs >= 0) {
    record.durationMs = durationMs;
  } else {
    delete record.durationMs;
  }
  if (event.reason !== undefined) record.reason = event.reason;
  else delete record.reason;
  if (event.data !== undefined) record.data = { ...record.data, ...structuredClone(event.data) };
  t.currentPhase = event.phase;
  t.updatedAt = at;
}

/** The task redoes its work on top of `startPoint`: every phase from implementation on runs again. */
function restartTask(t: WorkflowState, event: EventOf<"task.restarted">): void {
  const from = WORKFLOW_PHASES.indexOf("implementation");
  t.phases = t.phases.filter((p) => WORKFLOW_PHASES.indexOf(p.phase) < from);
  t.restart = {
    startPoint: event.startPoint,
    reason: event.reason,
    at: event.at,
    ...(event.backupBranch === undefined ? {} : { backupBranch: event.backupBranch }),
  };
  t.updatedAt = event.at;
}
