// Public API of @gadugi/test-utils.
export {
  createFakeAgent,
  DEFAULT_RECORDED_ENV,
  type FakeAgent,
  type FakeAgentCall,
  type FakeAgentOptions,
  readFakeAgentCalls,
} from "./fake-agent.js";
export { createFakeReviewer, type FakeReviewer, type FakeReviewerOptions } from "./fake-reviewer.js";
export {
  CAPTURE_EXIT_CODES,
  CAPTURE_NAMES,
  type CaptureFiles,
  type CaptureName,
  captureFiles,
  FIXTURES_DIR,
  fixturePath,
  prependPath,
} from "./fixtures.js";
export {
  commitGenerated,
  type GeneratedRepo,
  type GenerateOptions,
  generatePythonRepo,
  generateTsRepo,
  type SampleWorkloadOptions,
  writeModulePrompts,
  writeSampleWorkload,
} from "./generators.js";
export * from "./github-server.js";
export { freePort, redisServerAvailable, startRedis, type TestRedis } from "./redis.js";
export { type Cleanable, createTempDir, type TempDir, TempRegistry, useTempDirs } from "./temp-dir.js";
export {
  createTempRepo,
  type FileChanges,
  TEST_IDENTITY,
  type TempRepo,
  type TempRepoCommit,
  type TempRepoOptions,
  writeFiles,
} from "./temp-repo.js";
export { waitFor } from "./wait.js";
