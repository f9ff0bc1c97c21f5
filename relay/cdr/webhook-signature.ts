/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-signature` holds, space-separated,
 * `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>` for every secret, so receivers can
 * rotate secrets. A secret is `whsec_` followed by the base64 key bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes a `whsec_<base64>` secret into its key bytes. Throws an Error that never echoes the secret.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) {
    throw new Error('must be a Standard Webhooks secret of the form whsec_<base64>');
  }
  const b64 = secret.slice(PREFIX.length);
  if (b64.length === 0 || b64.length % 4 === 1 || !BASE64.test(b64)) {
    throw new Error('the part after whsec_ is not valid base64');
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new Error('the key after whsec_ is empty');
  return key;
}

/** The signature of one secret: `v1,<base64>`. */
export function signWebhookV1(key: Buffer, id: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestamp}.`);
  mac.update(body);
  return 'v1,' + mac.digest('base64');
}

/** The `webhook-signature` header value: one `v1,<sig>` per key, space-separated. */
export function webhookSignatureHeader(keys: readonly Buffer[], id: string, timestamp: number, body: string | Buffer): string {
  return keys.map((k) => signWebhookV1(k, id, timestamp, body)).join(' ');
}

/** The three Standard Webhooks headers for one delivery attempt. */
export function webhookHeaders(
  keys: readonly Buffer[],
  id: string,
  timestamp: number,
  body: string | Buffer,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignatureHeader(keys, id, timestamp, body),
  };
}

/**
 * Verifies a delivery the way a receiver does (constant-time comparison, timestamp tolerance). True when any
 * `v1` signature in the header matches any of `keys`.
 */
export function verifyWebhookSignature(
  keys: readonly Buffer[],
  headers: { id: string; timestamp: string; signature: string },
  body: string | Buffer,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const ts = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp) || !Number.isSafeInteger(ts)) return false;
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > tolerance) return false;
  const offered = headers.signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  for (const key of keys) {
    const expected = Buffer.from(signWebhookV1(key, headers.id, ts, body).slice(3), 'base64');
    for (const sig of offered) {
      if (sig.length === expected.length && timingSafeEqual(sig, expected)) return true;
    }
  }
  return false;
}
