/**
 * What a claim or a lookup concludes: a boolean (see each method), or `unavailable` when a shared store cannot
 * be asked now (the join is then refused with 503 RELAY_ERR_CLUSTER_STORE_UNAVAILABLE: never a possible replay).
 */
export type ClaimOutcome = boolean | 'unavailable';

/**
 * Remembers the ids (jti) of single-use tokens that were already accepted, until those tokens expire. The local
 * stores are synchronous: check and insert happen in one turn of the event loop, so of two racing joins exactly
 * one wins. The cluster's store (relay/cluster/cluster-id-store.ts) answers asynchronously, from an atomic
 * create-only write on NATS JetStream KV, so that of two racing joins on two relays exactly one wins too.
 */
export interface ReplayStore {
  /**
   * Records `jti` as used until `expiresAtSeconds` (unix seconds). True the first time for a live jti, false when it
   * was already claimed (or when the store is full of live entries: refusing is the safe side).
   */
  claim(jti: string, expiresAtSeconds: number): ClaimOutcome | Promise<ClaimOutcome>;
  /**
   * True while `jti` is remembered as used; never records anything (the admission pre-check asks this, so that
   * checking a single-use token does not burn it).
   */
  used(jti: string): ClaimOutcome | Promise<ClaimOutcome>;
  /** Live entries (for metrics and tests). */
  readonly size: number;
  /** Idempotent. Forgets everything and stops the sweep timer. */
  close(): void;
}

export interface MemoryReplayStoreOptions {
  /** Expired entries are swept this often. Default 60000 ms. */
  readonly sweepIntervalMs?: number;
  /** Upper bound on remembered jtis; when reached (after a sweep) new claims are refused. Default 1000000. */
  readonly maxEntries?: number;
  /** Clock in milliseconds (tests). Default Date.now. */
  readonly now?: () => number;
}

/** An in-memory replay store with periodic expiry sweep. */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 1_000_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(sweepIntervalMs) || sweepIntervalMs <= 0) {
    throw new Error(`createMemoryReplayStore: sweepIntervalMs must be a positive integer, got ${String(sweepIntervalMs)}`);
  }
  if (!Number.isInteger(maxEntries) || maxEntries <= 0) {
    throw new Error(`createMemoryReplayStore: maxEntries must be a positive integer, got ${String(maxEntries)}`);
  }
  /** jti -> expiry in unix seconds. */
  let used = new Map<string, number>();
  let closed = false;

  function sweep(): void {
    const t = now() / 1000;
    for (const [jti, exp] of used) if (exp <= t) used.delete(jti);
  }
  const timer = setInterval(sweep, sweepIntervalMs);
  timer.unref();

  return {
    claim(jti: string, expiresAtSeconds: number): boolean {
      if (closed) return false;
      const prior = used.get(jti);
      if (prior !== undefined) {
        if (prior > now() / 1000) return false;
        used.delete(jti);
      }
      if (used.size >= maxEntries) {
        sweep();
        if (used.size >= maxEntries) return false;
      }
      used.set(jti, expiresAtSeconds);
      return true;
    },
    used(jti: string): boolean {
      const exp = used.get(jti);
      return exp !== undefined && exp > now() / 1000;
    },
    get size() {
      return used.size;
    },
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      used = new Map();
    },
  };
}
