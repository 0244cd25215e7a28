// Public API of @gadugi/task-tracking.
export {
  activeDurationMs,
  type CriticalPath,
  computeMetrics,
  criticalPath,
  type Pause,
  type RunSummary,
  type TaskRun,
  type TimeInput,
  taskDurationMs,
} from "./metrics.js";
export {
  type PhaseChange,
  type PhaseListener,
  type PhaseTotals,
  WorkflowPhaseTracker,
  type WorkflowPhaseTrackerOptions,
} from "./phase-tracker.js";
export {
  DEFAULT_MAX_SAMPLES_PER_TYPE,
  DurationHistory,
  type DurationPrediction,
  DurationSample,
  defaultHistoryPath,
  ProductivityAnalyzer,
  type ProductivityAnalyzerOptions,
} from "./productivity.js";
export { checkTaskStatusEvent } from "./status-gate.js";
export { fileTextStore, memoryTextStore, type TextStore } from "./store.js";
export {
  assertTransition,
  canTransition,
  isFinished,
  TASK_TRANSITIONS,
  type TaskStatusChange,
  type TaskStatusListener,
  TaskTracker,
  type TaskTrackerOptions,
  TaskTrackerSnapshot,
  TrackedTask,
  TransitionRecord,
} from "./task-tracker.js";
export {
  TODO_JSON_FILE,
  TODO_MARKDOWN_FILE,
  TodoItem,
  TodoList,
  TodoWriteManager,
  type TodoWriteManagerOptions,
} from "./todo.js";
export type { Clock } from "./util.js";
