// Public API of @gadugi/orchestrator.
export { type AgentChoice, chooseAgent } from "./agents.js";
export {
  CONFIG_FILE_NAMES,
  commandSettings,
  defaultConfigText,
  installedAgentKind,
  type LoadedConfig,
  loadConfig,
  parseConfigText,
  type WrittenConfig,
  writeDefaultConfig,
} from "./config.js";
export {
  type LiveEvent,
  Orchestrator,
  type OrchestratorOptions,
  type ResumeRequest,
  type RunRequest,
  type RunResult,
  runFiles,
} from "./engine.js";
export { IntegrationBranch, type MergeOutcome, type PredictedConflict } from "./integration.js";
export type { QueuedTaskResult, QueuedTaskWork } from "./queue-payload.js";
export { type QueueRunOptions, readTaskWorkers, type TaskWorkers, workersFile } from "./queue-work.js";
export {
  type QueueTaskContext,
  type QueueTaskHandlerOptions,
  queueTaskHandler,
  WORKER_REMOTE,
} from "./queue-worker.js";
export {
  buildTaskReports,
  type IntegrationPullRequest,
  type IntegrationTestReport,
  type PhaseReport,
  type RunReport,
  renderGanttMermaid,
  renderReportHtml,
  renderReportMarkdown,
  type TaskExtras,
  type TaskReport,
} from "./report.js";
export { createSampleRepo, SAMPLE_REPO_SOURCE, type SampleRepo } from "./sample.js";
export { NO_SPEEDUP_REASON, speedupText } from "./speedup.js";
export {
  checkMaxParallel,
  type RunSettings,
  type ValidatedRun,
  type ValidateRunInput,
  validateRun,
} from "./validate-run.js";
