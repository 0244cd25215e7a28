// Public API of @gadugi/interfaces: every schema and its inferred type.
export {
  AgentConfig,
  type AgentConfigInput,
  AgentEvent,
  AgentKind,
  AgentOutcome,
  AgentSetting,
  type AgentSettingInput,
  Autonomy,
  TokenUsage,
} from "./agent.js";
export {
  BUDGET_THRESHOLDS,
  BudgetReport,
  BudgetSetting,
  ModelPrice,
  PhaseUsage,
  Pricing,
  RunBudget,
  UsageTotals,
} from "./budget.js";
export {
  CircuitBreakerConfig,
  GadugiConfig,
  type GadugiConfigInput,
  MAX_PARALLEL,
  RetryConfig,
} from "./config.js";
export { ErrorContext } from "./error-context.js";
export { BreakerState, RunEvent, type RunEventInput, type RunEventType } from "./events.js";
export {
  AgentRunRequest,
  type AgentRunRequestInput,
  AgentRunResult,
  ProcessRecord,
  ProcessStatus,
} from "./execution.js";
export { formatIssues } from "./issues.js";
export {
  MERGE_RULE_NAMES,
  MergeRuleApplication,
  MergeRuleName,
  MergeRuleOutcome,
  MergeRuleSetting,
  MergeRulesSetting,
} from "./merge-rules.js";
export { PerformanceMetrics } from "./metrics.js";
export { EdgeKind, ExecutionPlan, PlanEdge, PlanWarning } from "./plan.js";
export {
  IntegrationPullRequest,
  IntegrationTestReport,
  PhaseReport,
  RunReport,
  TaskReport,
} from "./report.js";
export { ReviewPosting, ReviewRound, ReviewSummary, ReviewVerdict } from "./review.js";
export { AgentRunRecord, RunSettings } from "./run-settings.js";
export { CommandSetting, DURATION_FORMS, Duration, parseDuration } from "./settings.js";
export {
  type AllowSkip,
  AllowSkipSetting,
  allowedSkips,
  DEFAULT_ALLOW_SKIP,
  GovernanceSkip,
  SKIP_REASONS,
  SkipReason,
  TaskGovernance,
} from "./skip.js";
export {
  Complexity,
  FINISHED_TASK_STATUSES,
  FileAccess,
  Priority,
  TASK_ID_PATTERN,
  TargetFile,
  TaskData,
  type TaskDataInput,
  TaskStatus,
  TaskType,
  UNLANDED_TASK_STATUSES,
} from "./task.js";
export {
  MergeRecord,
  MergeStatus,
  PhaseRecord,
  PhaseStatus,
  RunState,
  type RunStateInput,
  RunStatus,
  WORKFLOW_PHASES,
  WorkflowPhase,
  WorkflowState,
  type WorkflowStateInput,
  WorkflowStatePatch,
} from "./workflow.js";
