/**
 * The large-meeting roster (issue 16): 2,000 attendees join one meeting whose policy makes it large above 50.
 * Every roster byte every participant receives (WELCOMEs and ROSTER_BATCH frames) is counted per window of 100
 * joins: the figure per join must not grow with the audience; the count attendees see must end exact; hosts and
 * presenters must see every attendee, a host who joins last through the pages that follow its WELCOME.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BEARER_PREFIX, decodeEnvelope, Kind, SUBPROTOCOL } from '../../protocol/index.js';
import { joinUrl, type EphemeraClient, type RosterBatchEvent } from '../../client/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';

const ATTENDEES = 2_000;
const LARGE = 50;
const WINDOW = 100;
const CONCURRENCY = 20;

/** A bare socket that counts the roster bytes it receives (the SDK would cost the test process too much). */
interface Counter {
  rosterBytes: number;
  welcomeBytes: number;
  socket: WebSocket;
}

function rosterBytesOf(data: Buffer): { roster: number; welcome: number } {
  const env = decodeEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (!env.ok) return { roster: 0, welcome: 0 };
  if (env.value.kind === Kind.WELCOME) return { roster: data.byteLength, welcome: data.byteLength };
  if (env.value.kind === Kind.ROSTER_BATCH || env.value.kind === Kind.ROSTER) return { roster: data.byteLength, welcome: 0 };
  return { roster: 0, welcome: 0 };
}

function bareJoin(h: Harness, mid: string, pid: string, total: { bytes: number }): Promise<Counter> {
  return new Promise((resolve, reject) => {
    const token = h.token(mid, pid, { policy: { largeMeetingThreshold: LARGE } });
    const socket = new WebSocket(joinUrl(h.relay.url, mid), [SUBPROTOCOL, BEARER_PREFIX + token]);
    const counter: Counter = { rosterBytes: 0, welcomeBytes: 0, socket };
    socket.on('message', (data: Buffer) => {
      const b = rosterBytesOf(data);
      counter.rosterBytes += b.roster;
      total.bytes += b.roster;
      if (b.welcome > 0) {
        counter.welcomeBytes = b.welcome;
        resolve(counter);
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`${pid} closed with ${code} before its WELCOME`)));
  });
}

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
      const counters: Counter[] = [];
      const perJoin: number[] = [];
      const welcomeSizes: number[] = [];
      try {
        let windowStart = received.bytes;
        for (let joined = 0; joined < ATTENDEES; ) {
          const wave = Math.min(CONCURRENCY, ATTENDEES - joined);
          const batch = await Promise.all(Array.from({ length: wave }, (_, i) => bareJoin(h, mid, `a${joined + i}`, received)));
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
