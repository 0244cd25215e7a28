// Public API of @gadugi/git.
export { type CommandSetting, parseCommandLine, toArgv } from "./command-line.js";
export {
  type AheadBehind,
  GADUGI_GIT_IDENTITY,
  type GitCallOptions,
  GitClient,
  type GitClientOptions,
  type GitVersion,
  type HeadState,
  type MergeResult,
  MIN_GIT_VERSION,
  type TreeFile,
} from "./git-client.js";
export {
  type DiffStat,
  type DiffStatFile,
  type GitRemote,
  type MergeMessage,
  type MergeTreeResult,
  parseGitRemoteUrl,
  type StatusEntry,
  type WorktreeInfo,
} from "./parse.js";
export {
  endLeftovers,
  endProcessGroup,
  processGroupAlive,
  signalProcessGroup,
  trackProcessGroup,
} from "./process-group.js";
export {
  childEnv,
  createProcessRunner,
  type Env,
  errorForResult,
  formatCommand,
  labelledRunner,
  type ProcessLabel,
  type ProcessRunner,
  type ResultErrorOptions,
  type RunOptions,
  type RunResult,
  type StopCause,
} from "./process-runner.js";
