// Public API of @gadugi/execution-monitor.
export {
  cancelReason,
  type ExecutionContext,
  type Json,
  LocalExecutor,
  type LocalExecutorOptions,
  type TaskExecutor,
  type TaskFunction,
  TaskInput,
  TaskOutcome,
  TaskOutcomeStatus,
  type TaskSlot,
} from "./executor.js";
export {
  type ConcurrencyChange,
  type ConcurrencyListener,
  ResourceGovernor,
  type ResourceGovernorOptions,
  type ResourceSample,
  type ResourceSampler,
  systemSampler,
} from "./governor.js";
export {
  type FollowOptions,
  followFile,
  isRunActive,
  type LocatedTaskLog,
  locateTaskLog,
  runDirectory,
  type TaskLogPaths,
  taskLogPaths,
} from "./logs.js";
export {
  CLOCK_TICKS_PER_SECOND,
  type ProcUsage,
  readProcUsage,
} from "./proc.js";
export {
  chooseProgressMode,
  createProgressRenderer,
  formatDuration,
  type ProgressEvent,
  type ProgressMode,
  type ProgressRenderer,
  type ProgressRendererOptions,
  type ProgressStream,
} from "./progress.js";
export { type RegisteringRunnerOptions, registeringRunner } from "./registering-runner.js";
export {
  PROCESSES_FILE_NAME,
  type ProcessExit,
  type ProcessHandle,
  type ProcessLiveness,
  ProcessRegistry,
  ProcessRegistryFile,
  type ProcessRegistryOptions,
  type RegisterProcessInput,
  type StoppedProcesses,
} from "./registry.js";
export {
  agentOutcome,
  createAgentExecutor,
  type ProcessEvent,
  type RunAgentTaskOptions,
  runAgentTask,
} from "./run-agent-task.js";
export {
  type ScheduledTask,
  Scheduler,
  type SchedulerBreakerOptions,
  type SchedulerEvent,
  type SchedulerListener,
  type SchedulerOptions,
  type SchedulerResult,
  type SchedulerRetryOptions,
  type TaskResult,
  type TaskResultStatus,
} from "./scheduler.js";
export {
  installShutdownHandlers,
  type ShutdownInfo,
  type ShutdownOptions,
  type ShutdownSignal,
  SIGNAL_EXIT_CODES,
  type SignalSource,
} from "./shutdown.js";
