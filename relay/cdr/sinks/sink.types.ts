/** What a CDR sink implements. The sink runner owns the cursor, the retries and the parking. */
import type { OutboxItem } from '../outbox.js';

/** The outcome of one delivery attempt of a batch. */
export type AttemptResult =
  | { readonly kind: 'ok' }
  /** Transient: retried after `retryAfterMs` when given, else after a full-jitter backoff. */
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs?: number }
  /** Permanent refusal: the batch is parked in the sink's failed file and the cursor moves on. */
  | { readonly kind: 'park'; readonly status: number | null; readonly error: string };

export interface CdrSink {
  readonly name: string;
  readonly type: 'file' | 'webhook' | 'stdout';
  /** Most records per attempt. */
  readonly maxBatch: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Delivers the batch in order. Never throws: failures are results. `signal` aborts on close. */
  attempt(batch: readonly OutboxItem[], signal: AbortSignal): Promise<AttemptResult>;
  /** Idempotent. */
  close(): void;
}
