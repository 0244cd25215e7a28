// Public API of @gadugi/queue.
export { assertReachable, CONNECT_TIMEOUT_MS } from "./connection.js";
export {
  type BudgetStop,
  cancelReason,
  DEFAULT_QUEUE_NAME,
  type JobProgress,
  type JobResult,
  jobId,
  parseCancel,
  QUEUE_PREFIX,
  type QueueJobData,
  queueKeys,
  type WorkerRef,
} from "./keys.js";
export {
  type JobEnd,
  type SubmitOutcome,
  TaskQueue,
  type TaskQueueOptions,
  type WaitOptions,
} from "./producer.js";
export { listWorkers, type WorkerInfo, WorkerRegistry } from "./registry.js";
export { maskQueueUrl, maskSecretIn, parseQueueUrl, type QueueUrl, redisOptions } from "./url.js";
export { type JobContext, type JobHandler, QueueWorker, type QueueWorkerOptions } from "./worker.js";
