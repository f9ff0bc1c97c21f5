/**
 * The large-meeting roster across relays (issue 16): attendees join one meeting through two relays joined by a real
 * nats-server, the meeting large above 50 (invite policy `pol.large`). As on one relay
 * (test/integration/roster-large-meeting.test.ts): the roster bytes every attendee receives (WELCOMEs and batches),
 * per join and per window of 100 joins, stay flat however many have joined on either relay (the other relay's joins
 * go through the receiving relay's batcher and large-meeting rule, not one frame per join to everyone); every
 * attendee's WELCOME keeps its size; attendees on both relays end with the cluster-wide count; a host on each relay
 * sees every attendee of both relays, and a host who joins last gets a bounded WELCOME and the rest in pages;
 * leaves on both relays reach every host and the count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';
import { bareJoin, type RosterCounter } from '../helpers/roster-counter.js';
import type { EphemeraClient } from '../../client/index.js';

const ATTENDEES = 600;
const LARGE = 50;
const WINDOW = 100;
const CONCURRENCY = 20;

describe.each(TRANSPORTS)('large-meeting roster across two relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(2, transport, {
      // A short window, as in the single-relay test: the count steps bound the bytes, not the batching.
      rosterBatchMs: 2,
      handshakesPerIpPerSecond: 100_000,
      maxConnectionsPerIp: 10_000,
      idleTimeoutMs: 600_000,
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it(`keeps roster bytes per join flat to ${ATTENDEES} attendees on 2 relays; cluster-wide count; hosts on both relays see everyone`, async () => {
    const mid = meetingId();
    const policy = { largeMeetingThreshold: LARGE };
    const hosts = [await h.join(0, mid, 'host0', { role: 'host', policy }), await h.join(1, mid, 'host1', { role: 'host', policy })];
    const presenter = await h.join(1, mid, 'presenter', { role: 'presenter', policy });
    const watchers = [await h.join(0, mid, 'watcher0', { policy }), await h.join(1, mid, 'watcher1', { policy })];
    const sdkClients: EphemeraClient[] = [...hosts, presenter, ...watchers];
    const staffTotal = sdkClients.length;
    await waitFor(() => sdkClients.every((c) => c.roster.size === staffTotal), 10_000, 'the first five see each other');
    const received = { bytes: 0 };
    const counters: RosterCounter[] = [];
    const perJoin: number[] = [];
    const welcomeSizes: number[] = [];
    try {
      let windowStart = received.bytes;
      for (let joined = 0; joined < ATTENDEES; ) {
        const wave = Math.min(CONCURRENCY, ATTENDEES - joined);
        // Alternately through relay 0 and relay 1.
        const batch = await Promise.all(
          Array.from({ length: wave }, (_, i) => {
            const pid = `a${joined + i}`;
            const relay = (joined + i) % 2;
            return bareJoin(h.relays[relay]!.url, mid, h.token(mid, pid, { policy }), pid, received);
          }),
        );
        counters.push(...batch);
        joined += wave;
        if (joined % WINDOW === 0) {
          // The window's batches (local and from the other relay) have reached the hosts of both relays.
          const n = joined + staffTotal;
          await waitFor(() => hosts.every((c) => c.roster.size === n), 10_000, () => `hosts see ${n}: ${hosts.map((c) => c.roster.size).join(', ')}`);
          perJoin.push((received.bytes - windowStart) / WINDOW);
          welcomeSizes.push(batch[batch.length - 1]!.welcomeBytes, batch[batch.length - 2]!.welcomeBytes);
          windowStart = received.bytes;
        }
      }
      const total = ATTENDEES + staffTotal;
      // Hosts on either relay and the presenter see every attendee of both relays.
      await waitFor(() => [...hosts, presenter].every((c) => c.roster.size === total), 10_000, 'staff see everyone');
      for (const c of [...hosts, presenter]) {
        for (let i = 0; i < ATTENDEES; i++) expect(c.roster.has(`a${i}`), `a${i} in the roster of ${c.welcome.you?.id}`).toBe(true);
      }
      // Attendees on both relays: the staff, themselves and the cluster-wide count.
      await waitFor(() => watchers.every((w) => w.participantCount === total), 10_000, () => `watchers' count ${total}: ${watchers.map((w) => w.participantCount).join(', ')}`);
      for (const [i, w] of watchers.entries()) {
        expect(w.staffOnly).toBe(true);
        expect([...w.roster.keys()].sort()).toEqual(['host0', 'host1', 'presenter', `watcher${i}`]);
      }
      // A host who joins last, through relay 0, gets everyone of both relays: a bounded WELCOME, then pages.
      const late = await h.join(0, mid, 'late-host', { role: 'host', policy });
      sdkClients.push(late);
      expect(late.roster.size).toBeLessThanOrEqual(h.relays[0]!.options.rosterPageSize);
      expect(late.welcome.rosterFollows).toBe(total + 1 - late.roster.size);
      await waitFor(() => late.roster.size === total + 1, 10_000, 'late host sees everyone');
      expect(late.participantCount).toBe(total + 1);

      // 100 attendees leave, half on each relay: gone from every staff roster, and the count follows everywhere.
      const leaving = counters.splice(0, 100);
      for (const c of leaving) c.socket.close();
      const after = total + 1 - leaving.length;
      await waitFor(() => [...hosts, presenter, late].every((c) => c.roster.size === after), 10_000, () => `staff see ${after}: ${[...hosts, presenter, late].map((c) => c.roster.size).join(', ')}`);
      for (let i = 0; i < leaving.length; i++) expect(hosts[0]!.roster.has(`a${i}`) || hosts[1]!.roster.has(`a${i}`)).toBe(false);
      await waitFor(() => watchers.every((w) => w.participantCount === after), 10_000, () => `watchers' count ${after}: ${watchers.map((w) => w.participantCount).join(', ')}`);

      // Roster bytes per join: windows 2..6 stay within a factor of 2.5 of each other (the count step is a sawtooth);
      // one frame per remote join to everyone would grow sixfold.
      const windows = perJoin.slice(1);
      console.log(`[${transport}] roster bytes per join, windows of ${WINDOW}: ${perJoin.map((b) => b.toFixed(0)).join(' ')}; attendee WELCOME bytes: ${welcomeSizes.join(' ')}`);
      const lo = Math.min(...windows);
      const hi = Math.max(...windows);
      expect(hi / lo, `roster bytes per join by window: ${perJoin.map((b) => b.toFixed(0)).join(' ')}`).toBeLessThan(2.5);
      expect(windows.at(-1)! / windows[0]!).toBeLessThan(2);
      // Bounded in absolute terms too, as on one relay.
      expect(hi).toBeLessThan(4_000);
      // Every attendee's WELCOME, on either relay, is the same size whatever the audience (staff, plus the joiner).
      const welcomes = welcomeSizes.slice(2);
      expect(Math.max(...welcomes) - Math.min(...welcomes)).toBeLessThanOrEqual(16);
    } finally {
      for (const c of counters) c.socket.close();
      for (const c of sdkClients) c.close();
    }
  }, 180_000);
});
