// Public API of @gadugi/task-analyzer.
export {
  type AnalysisConfig,
  type AnalysisResult,
  type AnalyzeOptions,
  analyze,
  analyzeTasks,
} from "./analyze.js";
export { gitBlobId, workingTreeBlobIds } from "./blob-ids.js";
export { CACHE_FILE, CACHE_VERSION } from "./cache.js";
export {
  type ComplexitySignals,
  classifyType,
  complexitySignals,
  estimateComplexity,
} from "./classify.js";
export { type ConflictTask, importEdges, sameFileEdges, schedulingOrder } from "./conflicts.js";
export {
  type DependencyMention,
  explicitEdges,
  findCycle,
  findTextDependencies,
  type TaskRef,
} from "./dependencies.js";
export type { FrontmatterTarget, PromptFrontmatter } from "./frontmatter.js";
export { createTaskIdGenerator, slugForPrompt, slugify } from "./ids.js";
export { buildImportGraph, type ImportGraph, importNeighborhood } from "./import-graph.js";
export {
  type BuildImportGraphOptions,
  ImportGraphSession,
  type ImportGraphStats,
} from "./import-graph-session.js";
export { type JsImport, type JsImportKind, scanJsImports } from "./js-imports.js";
export { type PlanShape, planShape } from "./plan.js";
export {
  MAX_PROMPT_BYTES,
  type ParsedPrompt,
  type ParsePromptOptions,
  parsePromptFile,
  parsePromptText,
} from "./prompt.js";
export type { SectionKey } from "./prompt-body.js";
export { type PyImport, scanPythonImports } from "./python-imports.js";
export { PythonResolver } from "./python-resolver.js";
export { renderPlanMermaid, renderPlanTable } from "./render.js";
export { type RepoFiles, repoFiles } from "./repo-files.js";
export { type ExecuteRequest, parseExecuteRequest } from "./request.js";
export { type SourceLanguage, sourceLanguage } from "./source-files.js";
export { type ExtractTargetsInput, type ExtractTargetsResult, extractTargetFiles } from "./targets.js";
