// Public API of @gadugi/state.
export {
  fsyncDir,
  moveAside,
  readJsonFile,
  type Schema,
  writeFileAtomic,
  writeJsonAtomic,
} from "./atomic.js";
export { type BackupInfo, type RestoreResult, StateBackupRestore } from "./backups.js";
export { type CheckpointInfo, CheckpointManager, type CheckpointManagerOptions } from "./checkpoints.js";
export {
  addGitExcludes,
  ensureGitExclude,
  type GitDirs,
  type GitExcludeEntry,
  resolveGitDirs,
} from "./git-exclude.js";
export { EventJournal, type EventJournalOptions, type JournalReadResult } from "./journal.js";
export {
  acquireLock,
  isLockHolderAlive,
  type LockHandle,
  type LockInfo,
  type LockOptions,
  readLock,
  withLock,
} from "./lock.js";
export { assertSafeId, STATE_DIR_NAME, type StatePaths, statePaths } from "./paths.js";
export {
  isProcessAlive,
  matchProcess,
  type ProcessMatch,
  parseStatStartTicks,
  processStartTicks,
} from "./process-identity.js";
export { openRunOrRecover } from "./recover-run.js";
export { applyRunEvent, type ReduceOptions, rebuildRunState, reduceRunState } from "./reduce.js";
export type { Clock } from "./util.js";
export {
  type CreateRunInput,
  type RunSummary,
  WorkflowStateManager,
  type WorkflowStateManagerOptions,
} from "./workflow-state-manager.js";
