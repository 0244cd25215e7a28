// Public API of @gadugi/workflow-manager.
export { agentByName, resolveAgentSetting } from "./agent-setting.js";
export {
  assessDocumentation,
  type ChangedFile,
  type DocumentationAssessment,
  isDocumentationFile,
  isNewTopLevelModule,
  isPublicApiFile,
  isTestFile,
} from "./docs-check.js";
export {
  AGENT_PHASES,
  assertWorkflowScope,
  currentWorkflowScope,
  findPlanViolations,
  governAgentRunner,
  governanceError,
  validateWorkflowPlan,
  type WorkflowScope,
} from "./governance.js";
export { WorkflowManager } from "./manager.js";
export { type TaskPaths, taskPaths } from "./paths.js";
export {
  branchCreationPhase,
  createDefaultPhases,
  DEFAULT_PHASES,
  documentationPhase,
  implementationPhase,
  issueCreationPhase,
  prCreationPhase,
  reviewPhase,
  setupPhase,
  testingPhase,
} from "./phases/index.js";
export { NO_REVIEWER, REVIEW_FIX_ROUNDS, reviewerAgent } from "./phases/review.js";
export {
  documentationPrompt,
  implementationPrompt,
  type PromptWorkspace,
  reviewFixPrompt,
  reviewPrompt,
  testFixPrompt,
  UV_RULE,
} from "./prompts.js";
export { type ParsedReview, parseReviewOutput, type ReviewVerdict } from "./review-verdict.js";
export { skipCodeOf, skipViolation, skipViolationError, taskGovernance } from "./skip-policy.js";
export { detectTestCommand, NO_TEST_COMMAND, type TestCommand } from "./test-command.js";
export type {
  AgentPurpose,
  AgentRunner,
  Phase,
  PhaseAgentRun,
  PhaseContext,
  PhaseEvent,
  PhaseOutcome,
  RunTaskOptions,
  TaskFacts,
  WorkflowGitHub,
  WorkflowManagerOptions,
  WorkflowWorktrees,
} from "./types.js";
