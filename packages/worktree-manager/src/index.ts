// Public API of @gadugi/worktree-manager.
export { looksLikeValidBranchName, toBranchName, toSlug } from "./branch-name.js";
export {
  type CopyFilesOptions,
  copyUntrackedFiles,
  listFilesToCopy,
  WORKTREE_INCLUDE_FILE,
} from "./copy-files.js";
export { estimateCheckoutBytes, type FreeSpaceFn, freeSpace } from "./disk.js";
export {
  type CleanupEntry,
  type CleanupOptions,
  type CleanupResult,
  type CreateWorktreeOptions,
  DEFAULT_POOL,
  type ForeignWorktree,
  isTransientWorktreeError,
  type ListedWorktree,
  type ListOptions,
  type OwnWorktree,
  type PoolSettings,
  type PruneOptions,
  type PruneResult,
  type RemoveOptions,
  type SaveMode,
  type WorktreeInfo,
  WorktreeManager,
  type WorktreeManagerOptions,
} from "./manager.js";
export { MARKER_FILE, readWorktreeMarker, worktreeGitDir } from "./marker.js";
export {
  RegistryFile,
  SavedWork,
  WorktreeRecord,
  type WorktreeRecordInput,
  WorktreeRegistry,
  WorktreeStatus,
} from "./registry.js";
export {
  type DetectedProject,
  defaultLogFile,
  detectProject,
  findExecutable,
  type NodePackageManager,
  type ReuseNodeModules,
  type SetupOptions,
  type SetupResult,
  type SetupStepRecord,
  type SetupTarget,
  setupEnvironment,
} from "./setup.js";
export { shareNodeModules } from "./share-node-modules.js";
export { removeStaleIndexLock, type StaleLockOptions } from "./stale-lock.js";
export {
  artifactsBetween,
  commitWork,
  type DirtySnapshot,
  discardChangesSince,
  pendingWork,
  readSetupArtifacts,
  SETUP_ARTIFACTS_FILE,
  SetupArtifacts,
  saveSetupArtifacts,
  snapshotDirty,
  type WorkOptions,
} from "./work.js";
