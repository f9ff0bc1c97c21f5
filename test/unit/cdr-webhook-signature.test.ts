import { describe, expect, it } from 'vitest';
import {
  fullJitterDelay,
  parseRetryAfter,
  parseWebhookSecret,
  signWebhookV1,
  verifyWebhookSignature,
  webhookHeaders,
} from '../../relay/cdr/index.js';

describe('Standard Webhooks signatures', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    // The reference implementations' vector: a receiver's stock library must accept what we send.
    const key = parseWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signWebhookV1(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs once per secret, space-separated, and each verifies alone (rotation)', () => {
    const oldKey = parseWebhookSecret('whsec_' + Buffer.from('old-secret-0123456789abcdef').toString('base64'));
    const newKey = parseWebhookSecret('whsec_' + Buffer.from('new-secret-0123456789abcdef').toString('base64'));
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const h = webhookHeaders([oldKey, newKey], 'cdr-1', ts, '{"a":1}');
    expect(h['webhook-id']).toBe('cdr-1');
    expect(h['webhook-timestamp']).toBe(String(ts));
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
    const headers = { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] };
    expect(verifyWebhookSignature([oldKey], headers, '{"a":1}', { now })).toBe(true);
    expect(verifyWebhookSignature([newKey], headers, '{"a":1}', { now })).toBe(true);
    expect(verifyWebhookSignature([newKey], headers, '{"a":2}', { now })).toBe(false);
    expect(verifyWebhookSignature([newKey], { ...headers, id: 'cdr-2' }, '{"a":1}', { now })).toBe(false);
    expect(verifyWebhookSignature([newKey], headers, '{"a":1}', { now: now + 3_600_000 })).toBe(false);
  });

  it('refuses malformed secrets without echoing them', () => {
    for (const bad of ['plain-secret-value', 'whsec_', 'whsec_not base64!!', 'whsec_a']) {
      let message = '';
      try {
        parseWebhookSecret(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toBe('');
      if (bad.length > 8) expect(message).not.toContain(bad.slice(6));
    }
  });
});

describe('retry timing', () => {
  it('full jitter stays within [0, min(max, base * 2^(attempt-1)))', () => {
    expect(fullJitterDelay(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterDelay(4, 100, 10_000, () => 0.5)).toBe(400);
    expect(fullJitterDelay(30, 100, 10_000, () => 0.999)).toBe(9990);
    expect(fullJitterDelay(3, 100, 10_000, () => 0)).toBe(0);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(parseRetryAfter(new Date(now - 7000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('99999999', now)).toBe(3_600_000);
  });
});
