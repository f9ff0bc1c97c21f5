/** Retry timing: exponential backoff with full jitter, and the HTTP Retry-After header. */

/**
 * Full-jitter delay before retry number `attempt` (1 = first retry): uniform in [0, min(max, base * 2^(attempt-1))].
 * Full jitter spreads a crowd of retrying relays instead of having them hammer a recovering receiver together.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 40));
  return Math.floor(random() * exp);
}

/** Longest Retry-After honoured; a receiver asking for more gets retried after this. */
export const RETRY_AFTER_CAP_MS = 3_600_000;

/**
 * Parses Retry-After (delta seconds or an HTTP date) into milliseconds from `now`, clamped to
 * [0, RETRY_AFTER_CAP_MS]; undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const date = Date.parse(v);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, ms));
}
