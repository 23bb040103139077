/**
 * Sirens: who is told, how (DESIGN §5). A notification is built from one alert event
 * (notification.ts), queued durably per receiver in the caller's transaction (outbox.ts) and
 * delivered at-least-once with retries and back-off (outbox-worker.ts) by a receiver kind
 * (receivers/, one folder per kind, all passing receivers/receiver.case.ts).
 */
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export { sirenMigrations } from "./migrations.js";
export {
  buildNotification,
  dedupKeyFor,
  formatValue,
  type Notification,
  type NotificationContext,
  type NotificationStatus,
  type NotificationTarget,
  repeatOf,
  summarize,
} from "./notification.js";
export {
  claimRow,
  enqueueNotifications,
  listOutbox,
  type OutboxEntry,
  type OutboxKind,
  type OutboxQuery,
  type OutboxRecord,
  type OutboxState,
  releaseStaleLeases,
} from "./outbox.js";
export {
  type DeliveryAttempt,
  OutboxWorker,
  type OutboxWorkerOptions,
  type ResolvedReceiver,
  receiversFrom,
} from "./outbox-worker.js";
export {
  closeReceivers,
  emailReceiver,
  isRetryableStatus,
  PAGERDUTY_SEVERITY,
  pagerDutyReceiver,
  parseRetryAfter,
  RECEIVER_KINDS,
  type ReceiverKind,
  type ReceiverRegistry,
  receiverKindFor,
  type SendContext,
  type SendResult,
  SIGNATURE_HEADER,
  scrub,
  signBody,
  slackReceiver,
  verifySignature,
  webhookReceiver,
} from "./receivers/index.js";
