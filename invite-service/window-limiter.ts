/**
 * Fixed-window request counters (per client address, per API key, failed authentications per address).
 *
 * Why not @fastify/rate-limit: its route hooks apply one limiter per request (a request-level flag stops the
 * second), every check is a promise, and invites are the hot path; a synchronous Map lookup costs about a
 * microsecond. All keys share one window that restarts every `windowMs`, so memory is bounded by the keys seen in
 * one window, and capped at `maxTracked` (further new keys go uncounted until the window restarts).
 */
export interface WindowLimiter {
  /** Counts one request for `key`; false when `key` is past `max` in this window. */
  hit(key: string): boolean;
  /** True when `key` has reached `max` in this window (does not count). */
  exhausted(key: string): boolean;
  /** Seconds until the window restarts (for Retry-After). */
  retryAfterSeconds(): number;
  close(): void;
}

export function createWindowLimiter(max: number, windowMs: number, maxTracked = 100_000): WindowLimiter {
  let windowStart = Date.now();
  let counts = new Map<string, number>();
  function roll(): void {
    const now = Date.now();
    if (now - windowStart >= windowMs) {
      windowStart = now - ((now - windowStart) % windowMs);
      counts = new Map();
    }
  }
  return {
    hit(key: string): boolean {
      roll();
      const n = counts.get(key);
      if (n === undefined) {
        if (counts.size < maxTracked) counts.set(key, 1);
        return max >= 1;
      }
      counts.set(key, n + 1);
      return n + 1 <= max;
    },
    exhausted(key: string): boolean {
      roll();
      return (counts.get(key) ?? 0) >= max;
    },
    retryAfterSeconds(): number {
      return Math.max(1, Math.ceil((windowStart + windowMs - Date.now()) / 1000));
    },
    close(): void {
      counts = new Map();
    },
  };
}
