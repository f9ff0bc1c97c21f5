/**
 * Who sees whom (issue 16), with the SDK's typed events: a meeting that grows past its `pol.large` threshold
 * turns attendees' rosters into staff-only ones; promotions and demotions reach attendees of a large meeting;
 * leaves reach the staff; a WELCOME stays bounded by the page size and the pages complete a host's roster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EphemeraClient, RosterBatchEvent } from '../../client/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';

const LARGE = 5;

for (const transport of TRANSPORTS) {
  describe(`roster visibility over ${transport}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(transport, { rosterBatchMs: 20, rosterPageSize: 10 });
    });
    afterAll(async () => {
      await h.close();
    });

    it('turns attendees staff-only past the threshold; staff keep everyone; role changes and leaves get through', async () => {
      const mid = meetingId();
      const policy = { largeMeetingThreshold: LARGE };
      const host = await h.join(mid, 'host', { role: 'host', policy });
      const early = await h.join(mid, 'early', { policy });
      const batches: RosterBatchEvent[] = [];
      early.on('rosterBatch', (b) => batches.push(b));
      // Small: the early attendee sees every join.
      const attendees: EphemeraClient[] = [];
      for (let i = 0; i < LARGE - 2; i++) attendees.push(await h.join(mid, `a${i}`, { policy }));
      await waitFor(() => early.roster.size === LARGE, 5_000, 'small meeting: everyone listed');
      expect(early.staffOnly).toBe(false);
      // Past the threshold: the early attendee drops the other attendees, keeps the host and itself.
      for (let i = LARGE - 2; i < LARGE + 3; i++) attendees.push(await h.join(mid, `a${i}`, { policy }));
      const total = LARGE + 5;
      await waitFor(() => early.staffOnly && early.participantCount === total, 5_000, 'large: staff only, exact count');
      expect([...early.roster.keys()].sort()).toEqual(['early', 'host']);
      expect(batches.some((b) => b.staffOnly)).toBe(true);
      await waitFor(() => host.roster.size === total, 5_000, 'host sees everyone');

      // A late attendee's WELCOME lists the staff and itself only.
      const late = await h.join(mid, 'late', { policy });
      expect(late.staffOnly).toBe(true);
      expect([...late.roster.keys()].sort()).toEqual(['host', 'late']);
      expect(late.welcome.rosterFollows).toBe(0);

      // Promotion: attendees now see the presenter; demotion: it leaves their roster again.
      host.promote('a0');
      await waitFor(() => early.roster.get('a0')?.role === 'presenter' && late.roster.has('a0'), 5_000, 'promoted presenter visible');
      host.demote('a0');
      await waitFor(() => !early.roster.has('a0') && !late.roster.has('a0'), 5_000, 'demoted presenter gone for attendees');
      await waitFor(() => host.roster.get('a0')?.role === 'attendee', 5_000, 'host sees the demotion');
      const a0 = attendees[0]!;
      await waitFor(() => a0.staffOnly && a0.roster.size === 2, 5_000, 'demoted: staff-only again');

      // Promotion of an attendee that knows only the staff: it is sent everyone.
      expect(early.roster.size).toBe(2);
      host.promote('early');
      await waitFor(() => !early.staffOnly && early.roster.size === host.roster.size, 5_000, 'promoted: sees everyone');

      // An attendee leaving: the staff see it (the promoted one too), attendees only see the count.
      const leaving = attendees[1]!;
      const id = leaving.you.id;
      await leaving.leave();
      await waitFor(() => !host.roster.has(id) && !early.roster.has(id), 5_000, 'staff see the leave');
      await waitFor(() => late.participantCount === total, 5_000, 'count back after the leave');

      // A host joining now: bounded WELCOME (page size 10), the rest in pages, then everyone.
      const host2 = await h.join(mid, 'host2', { role: 'host', policy });
      expect(host2.roster.size).toBeLessThanOrEqual(10);
      expect(host2.welcome.rosterFollows).toBe(host2.welcome.participantCount! - host2.roster.size);
      await waitFor(() => host2.roster.size === host2.welcome.participantCount, 5_000, 'pages complete the roster');
      expect(host2.roster.has('a7')).toBe(true);
      for (const c of [host, early, late, host2, ...attendees]) c.close();
    }, 60_000);
  });
}
