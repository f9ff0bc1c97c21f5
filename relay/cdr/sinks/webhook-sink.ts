/**
 * POSTs each record as JSON with Standard Webhooks headers: webhook-id = the record id (the same on every
 * retry, so receivers dedupe), webhook-timestamp = the attempt's unix seconds, webhook-signature = one `v1,`
 * signature per secret. 2xx acknowledges; 408, 429, 5xx, network errors and timeouts are retried (Retry-After
 * honoured); any other 4xx parks the record as failed.
 */
import { errorCode } from '../cdr-errors.js';
import { parseRetryAfter } from '../backoff.js';
import type { OutboxItem } from '../outbox.js';
import { webhookHeaders } from '../webhook-signature.js';
import type { AttemptResult, CdrSink } from './sink.types.js';

export interface WebhookSinkConfig {
  readonly name: string;
  readonly url: string;
  readonly keys: readonly Buffer[];
  readonly timeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

const USER_AGENT = 'ephemera-cdr/1';

export class WebhookSink implements CdrSink {
  readonly name: string;
  readonly type = 'webhook' as const;
  readonly maxBatch = 1;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly #config: WebhookSinkConfig;

  constructor(config: WebhookSinkConfig) {
    this.name = config.name;
    this.backoffBaseMs = config.backoffBaseMs;
    this.backoffMaxMs = config.backoffMaxMs;
    this.#config = config;
  }

  async attempt(batch: readonly OutboxItem[], signal: AbortSignal): Promise<AttemptResult> {
    const item = batch[0];
    if (item === undefined) return { kind: 'ok' };
    return deliverWebhook(this.#config, item.id, item.body, signal);
  }

  close(): void {}
}

/** AbortSignal.any arrived in Node 20.3; engines allows 20.0. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const ctl = new AbortController();
  const abort = (): void => ctl.abort();
  if (a.aborted || b.aborted) ctl.abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return ctl.signal;
}

/** One signed POST of `body` with webhook-id `id`. Never throws. Also used by `ephemera cdr replay`. */
export async function deliverWebhook(
  config: Pick<WebhookSinkConfig, 'url' | 'keys' | 'timeoutMs'>,
  id: string,
  body: string,
  signal?: AbortSignal,
): Promise<AttemptResult> {
  const timestamp = Math.floor(Date.now() / 1000);
  const timeout = AbortSignal.timeout(config.timeoutMs);
  const combined = signal ? anySignal(signal, timeout) : timeout;
  let res: Response;
  try {
    res = await fetch(config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...webhookHeaders(config.keys, id, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: combined,
    });
  } catch (err) {
    return { kind: 'retry', error: timeout.aborted ? 'TIMEOUT' : errorCode(err) };
  }
  // The answer's body is never needed; reading it frees the connection for reuse.
  try {
    await res.arrayBuffer();
  } catch {
    // A body cut short does not change the status we already have.
  }
  const status = res.status;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const error = `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
  }
  if (status >= 400) return { kind: 'park', status, error };
  // 1xx/3xx: a redirect is not followed (it would resend the record elsewhere); retried until fixed.
  return { kind: 'retry', error };
}
