/** Call-detail records: building, the outbox, sinks, the crash journal and the recorder the relay registers. */
export { CDR_SCHEMA } from './cdr.types.js';
export type {
  CdrActivity,
  CdrLaneCounts,
  CdrLogger,
  CdrOptions,
  CdrParticipant,
  CdrPaths,
  CdrRecord,
  CdrRecorder,
  CdrSession,
  CdrSinkOptions,
  CdrSinkStats,
  CdrStats,
  FileSinkOptions,
  StdoutSinkOptions,
  WebhookSinkOptions,
} from './cdr.types.js';
export { CdrError, CdrErrorCodes, CdrOptionsError, CdrStartupError, errorCode, type CdrErrorCode } from './cdr-errors.js';
export { CDR_DEFAULTS, resolveCdrOptions, type ResolvedCdrOptions, type ResolvedSink } from './cdr-options.js';
export { cdrPaths } from './cdr-paths.js';
export { buildCdr, buildInterimCdr, type BuildCdrOptions } from './build-cdr.js';
export { validateCdrRecord } from './validate-cdr.js';
export { createCdrRecorder } from './cdr-recorder.js';
export { registerCdrMetrics } from './cdr-metrics.js';
export { Outbox, type OutboxEntry, type OutboxItem } from './outbox.js';
export { Journal, type JournalOptions } from './journal.js';
export { recoverJournal, replayJournal, type RecoverJournalOptions, type RecoveryResult } from './journal-recovery.js';
export { FailedStore, readParkedRecords, type ParkedRecord } from './failed-store.js';
export { fullJitterDelay, parseRetryAfter } from './backoff.js';
export {
  parseWebhookSecret,
  signWebhookV1,
  verifyWebhookSignature,
  webhookHeaders,
  webhookSignatureHeader,
} from './webhook-signature.js';
export { deliverWebhook } from './sinks/webhook-sink.js';
export type { AttemptResult } from './sinks/sink.types.js';
