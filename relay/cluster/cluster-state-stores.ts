/**
 * The relay's restart-proof memories in cluster mode: the local durable stores (relay/state, unchanged) in front
 * of the cluster's JetStream KV sets (cluster-id-store.ts). The local file answers what this relay already knows
 * without a round trip; the cluster answers what any relay learnt, before or after any restart.
 */
import type { ClaimOutcome, ReplayStore } from '../auth/replay-store.js';
import type { EndedMeetings } from '../meeting/admission.js';
import type { ClusterIdSet } from './cluster-id-store.js';

/**
 * Single-use token ids, cluster-wide. A claim is won only by the cluster's create-only write (so of two joins
 * with one token on two relays exactly one wins); the local file records the outcome afterwards, never before
 * (a claim the cluster could not answer must not burn the token here). Unreachable cluster store: `unavailable`.
 */
export function createClusterReplayStore(local: ReplayStore, cluster: ClusterIdSet): ReplayStore {
  let closed = false;
  return {
    async claim(jti: string, expiresAtSeconds: number): Promise<ClaimOutcome> {
      if (closed) return false;
      if ((await local.used(jti)) === true) return false;
      const r = await cluster.create(jti, expiresAtSeconds * 1000);
      if (r === 'unavailable') return 'unavailable';
      // Remembered here too (won or lost), so that the next presentation at this relay is refused at once.
      local.claim(jti, expiresAtSeconds);
      return r === 'added';
    },
    async used(jti: string): Promise<ClaimOutcome> {
      if ((await local.used(jti)) === true) return true;
      return cluster.has(jti);
    },
    get size() {
      return local.size;
    },
    close(): void {
      if (closed) return;
      closed = true;
      cluster.close();
      local.close();
    },
  };
}

/**
 * Ended meeting ids, cluster-wide. `add` records locally (synchronously, as on one relay) and in the cluster (in
 * the background); `has` answers from the local file; `lookup` asks the cluster, once per meeting id at a time,
 * for a join to a meeting this relay does not hold. An unreachable cluster store answers "not ended" (the join is
 * admitted on what this relay knows: an ended id is a courtesy refusal of a token that is still valid, not a
 * secret, so availability wins here; single-use tokens take the other side).
 */
export function createClusterEndedMeetings(local: EndedMeetings, cluster: ClusterIdSet, ttlMs: number, onWriteFailed: () => void): EndedMeetings {
  const inFlight = new Map<string, Promise<boolean>>();
  return {
    add(id: string, now: number): void {
      local.add(id, now);
      void cluster.put(id, now + ttlMs).then((ok) => {
        if (!ok) onWriteFailed();
      });
    },
    has(id: string, now: number): boolean {
      return local.has(id, now);
    },
    lookup(id: string): Promise<boolean> {
      let p = inFlight.get(id);
      if (p !== undefined) return p;
      // Not binding first: while the store is away a join waits for nothing (at most one request's timeout).
      p = cluster.has(id, Date.now(), false).then((r) => {
        inFlight.delete(id);
        if (r !== true) return false;
        // Remembered here too: the next join is refused without a round trip.
        local.add(id, Date.now());
        return true;
      });
      inFlight.set(id, p);
      return p;
    },
    close(): void {
      cluster.close();
      local.close?.();
    },
  };
}
