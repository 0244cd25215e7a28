// Public API of @gadugi/error-handling.
export { abortedError, isAbortError, sleep, throwIfAborted } from "./abort.js";
export { type CatalogueEntry, ERROR_CATALOGUE, type ErrorArgs, type GadugiErrorCode } from "./catalogue.js";
export { catalogueHint, renderErrorCatalogueMarkdown } from "./catalogue-doc.js";
export {
  type BreakerListener,
  type BreakerStateChange,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from "./circuit-breaker.js";
export { type CaptureOptions, captureContext, causeChain, type ErrorInfo } from "./error-context.js";
export { type Degradation, ErrorHandler, type ErrorHandlerOptions } from "./error-handler.js";
export {
  describeErrorWithHint,
  GadugiError,
  type GadugiErrorOptions,
  toGadugiError,
} from "./gadugi-error.js";
export { parseJsonWith, parseWith } from "./parse.js";
export {
  type CheckpointInfo,
  type CheckpointStore,
  type RecoverOptions,
  RecoveryManager,
  type RecoveryResult,
  type SkippedCheckpoint,
} from "./recovery.js";
export {
  createRedactor,
  isSecretEnvName,
  REDACTED,
  type RedactOptions,
  redactSecrets,
  redactValue,
} from "./redact.js";
export {
  defaultShouldRetry,
  type Jitter,
  type RetryContext,
  RetryManager,
  type RetryOptions,
  retry,
} from "./retry.js";
