/**
 * The relay's restart-proof memories, on ExpiringIdFile (ids hashed, expiry, fsync'd, compacted, bounded):
 * - single-use token ids (jti) behind the verifier's ReplayStore, full policy `refuse` (a join that cannot be
 *   remembered is refused as replayed: the safe side);
 * - ended meeting ids behind the switchboard's EndedMeetings, full policy `evict-soonest` (the id closest to
 *   the end of its retention is forgotten first).
 * Files live in `<dataDir>/state/`. A cluster puts a shared store behind the same two interfaces.
 */
import { join } from 'node:path';
import type { ReplayStore } from '../auth/replay-store.js';
import type { EndedMeetings } from '../meeting/admission.js';
import { ExpiringIdFile } from './expiring-id-file.js';

export interface DurableStoreOptions {
  readonly dataDir: string;
  readonly maxEntries: number;
  /** Expired entries are swept (and the file compacted) this often. Default 60000 ms. */
  readonly sweepIntervalMs?: number;
  /** Called when a write fails (disk full, I/O error); the message names the file, never an id. */
  readonly onError?: (err: Error) => void;
  readonly now?: () => number;
}

/** `<dataDir>/state/used-token-ids` and `<dataDir>/state/ended-meetings`. */
export function statePaths(dataDir: string): { readonly usedTokenIds: string; readonly endedMeetings: string } {
  return { usedTokenIds: join(dataDir, 'state', 'used-token-ids'), endedMeetings: join(dataDir, 'state', 'ended-meetings') };
}

function sweeper(file: ExpiringIdFile, ms: number, onError: ((err: Error) => void) | undefined): NodeJS.Timeout {
  const timer = setInterval(() => {
    try {
      file.sweep();
    } catch (err) {
      onError?.(err as Error);
    }
  }, ms);
  timer.unref();
  return timer;
}

/** A ReplayStore kept in `<dataDir>/state/used-token-ids`. Throws the fs error at open. */
export function createFileReplayStore(o: DurableStoreOptions): ReplayStore {
  const file = new ExpiringIdFile({
    path: statePaths(o.dataDir).usedTokenIds, namespace: 'jti', maxEntries: o.maxEntries, whenFull: 'refuse',
    ...(o.now !== undefined ? { now: o.now } : {}),
  });
  const timer = sweeper(file, o.sweepIntervalMs ?? 60_000, o.onError);
  let closed = false;
  return {
    claim(jti: string, expiresAtSeconds: number): boolean {
      if (closed) return false;
      try {
        return file.add(jti, expiresAtSeconds * 1000) === 'added';
      } catch (err) {
        // Not remembered durably: refusing is the safe side (the token could otherwise be used twice).
        o.onError?.(err as Error);
        return false;
      }
    },
    used(jti: string): boolean {
      return !closed && file.has(jti);
    },
    get size() {
      return file.size;
    },
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      file.close();
    },
  };
}

/** EndedMeetings kept in `<dataDir>/state/ended-meetings` for `ttlMs`. Throws the fs error at open. */
export function createFileEndedMeetings(o: DurableStoreOptions & { readonly ttlMs: number }): EndedMeetings {
  const file = new ExpiringIdFile({
    path: statePaths(o.dataDir).endedMeetings, namespace: 'meeting', maxEntries: o.maxEntries, whenFull: 'evict-soonest',
    ...(o.now !== undefined ? { now: o.now } : {}),
  });
  const timer = sweeper(file, o.sweepIntervalMs ?? 60_000, o.onError);
  /** Ids whose durable write failed: still refused by this process. */
  const fallback = new Map<string, number>();
  let closed = false;
  return {
    add(id: string, now: number): void {
      if (closed) return;
      try {
        file.add(id, now + o.ttlMs);
      } catch (err) {
        if (fallback.size < o.maxEntries) fallback.set(id, now + o.ttlMs);
        o.onError?.(err as Error);
      }
    },
    has(id: string, now: number): boolean {
      if (file.has(id)) return true;
      const until = fallback.get(id);
      if (until === undefined) return false;
      if (until > now) return true;
      fallback.delete(id);
      return false;
    },
    close(): void {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      file.close();
    },
  };
}
