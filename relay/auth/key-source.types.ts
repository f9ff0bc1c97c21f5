import type { KeyObject } from 'node:crypto';

/**
 * Where the relay finds the public key a token names by `kid`. `key` never throws: an unknown kid, an unreachable
 * key server or a closed source all mean undefined. Sources answer synchronously from their cache and return a
 * promise only when they must look further (so a cached verify stays synchronous).
 */
export interface KeySource {
  key(kid: string): KeyObject | undefined | Promise<KeyObject | undefined>;
  /** Stops timers and pending fetches. Idempotent. */
  close(): void;
}

/** A key source that always answers from memory (a JWKS file). */
export interface SyncKeySource extends KeySource {
  key(kid: string): KeyObject | undefined;
}
