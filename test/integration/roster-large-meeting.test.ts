/**
 * The large-meeting roster (issue 16): 2,000 attendees join one meeting whose policy makes it large above 50.
 * Every roster byte every participant receives (WELCOMEs and ROSTER_BATCH frames) is counted per window of 100
 * joins: the figure per join must not grow with the audience; the count attendees see must end exact; hosts and
 * presenters must see every attendee, a host who joins last through the pages that follow its WELCOME.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EphemeraClient, RosterBatchEvent } from '../../client/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { bareJoin, type RosterCounter } from '../helpers/roster-counter.js';

const ATTENDEES = 2_000;
const LARGE = 50;
const WINDOW = 100;
const CONCURRENCY = 20;

for (const transport of TRANSPORTS) {
  describe(`large-meeting roster over ${transport}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(transport, {
        // A short window: one join per batch, so the count steps are what bounds the bytes, not the batching.
        rosterBatchMs: 2,
        handshakesPerIpPerSecond: 100_000,
        maxConnectionsPerIp: 10_000,
        idleTimeoutMs: 600_000,
      });
    });
    afterAll(async () => {
      await h.close();
    });

    it('keeps roster bytes per join flat from the 100th to the 2,000th attendee; counts right; staff see everyone', async () => {
      const mid = meetingId();
      const policy = { largeMeetingThreshold: LARGE };
      const host = await h.join(mid, 'host', { role: 'host', policy });
      const presenter = await h.join(mid, 'presenter', { role: 'presenter', policy });
      const watcher = await h.join(mid, 'watcher', { policy });
      const batches: RosterBatchEvent[] = [];
      watcher.on('rosterBatch', (e) => batches.push(e));
      const counts: number[] = [];
      watcher.on('participantCount', (e) => counts.push(e.count));
      const sdkClients: EphemeraClient[] = [host, presenter, watcher];
      const received = { bytes: 0 };
      const counters: RosterCounter[] = [];
      const perJoin: number[] = [];
      const welcomeSizes: number[] = [];
      try {
        let windowStart = received.bytes;
        for (let joined = 0; joined < ATTENDEES; ) {
          const wave = Math.min(CONCURRENCY, ATTENDEES - joined);
          const batch = await Promise.all(Array.from({ length: wave }, (_, i) => bareJoin(h.relay.url, mid, h.token(mid, `a${joined + i}`, { policy }), `a${joined + i}`, received)));
          counters.push(...batch);
          joined += wave;
          if (joined % WINDOW === 0) {
            // The window's batches have reached the host (and, in the same flush, everyone) before it is closed.
            await waitFor(() => host.roster.size === joined + 3, 10_000, `host sees ${joined + 3}`);
            perJoin.push((received.bytes - windowStart) / WINDOW);
            welcomeSizes.push(batch[batch.length - 1]!.welcomeBytes);
            windowStart = received.bytes;
          }
        }
        const total = ATTENDEES + 3;
        // Hosts and presenters see every attendee.
        await waitFor(() => host.roster.size === total && presenter.roster.size === total, 10_000, 'staff see everyone');
        // Attendees see the staff, themselves and the right count (the exact count arrives once the joins pause).
        await waitFor(() => watcher.participantCount === total, 10_000, `watcher count ${total}`);
        expect(watcher.staffOnly).toBe(true);
        expect([...watcher.roster.keys()].sort()).toEqual(['host', 'presenter', 'watcher']);
        expect(batches.some((b) => b.staffOnly && b.updates.length === 0)).toBe(true);
        expect(counts.at(-1)).toBe(total);
        // A host who joins last gets everyone: a bounded WELCOME, then pages.
        const late = await h.join(mid, 'late-host', { role: 'host', policy });
        sdkClients.push(late);
        expect(late.roster.size).toBeLessThanOrEqual(h.relay.options.rosterPageSize);
        expect(late.welcome.rosterFollows).toBe(total + 1 - late.roster.size);
        await waitFor(() => late.roster.size === total + 1, 10_000, 'late host sees everyone');
        expect(late.participantCount).toBe(total + 1);

        // Roster bytes per join: windows 2..20 (joins 100..2,000) stay within a factor of 2.5 of each other
        // (the count step rounds down, a sawtooth), where one frame per join to everyone would grow twentyfold.
        const windows = perJoin.slice(1);
        console.log(`[${transport}] roster bytes per join, windows of ${WINDOW}: ${perJoin.map((b) => b.toFixed(0)).join(' ')}; attendee WELCOME bytes: ${welcomeSizes.join(' ')}`);
        const lo = Math.min(...windows);
        const hi = Math.max(...windows);
        expect(hi / lo, `roster bytes per join by window: ${perJoin.map((b) => b.toFixed(0)).join(' ')}`).toBeLessThan(2.5);
        expect(windows.at(-1)! / windows[0]!).toBeLessThan(2);
        // Bounded in absolute terms too: ~10 count deliveries plus the staff's entries and the WELCOME.
        expect(hi).toBeLessThan(4_000);
        // Every attendee's WELCOME is the same size whatever the audience (staff only, plus the joiner).
        expect(Math.max(...welcomeSizes.slice(1)) - Math.min(...welcomeSizes.slice(1))).toBeLessThanOrEqual(16);
      } finally {
        for (const c of counters) c.socket.close();
        for (const c of sdkClients) c.close();
      }
    }, 180_000);
  });
}
