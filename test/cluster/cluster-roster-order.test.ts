/**
 * Across relays too, a participant's roster entry reaches the others before anything it sends, although the
 * receiving relay batches the other relays' roster changes with its own (issue 16): a frame from another relay
 * flushes a pending remote JOINED first. With a 5 s batch window, without that flush the chat would come 5 s before
 * the JOINED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';

describe.each(TRANSPORTS)('roster before frames across relays over %s', (transport) => {
  let h: ClusterHarness;
  beforeAll(async () => {
    h = await startCluster(2, transport, { rosterBatchMs: 5_000 });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a newcomer on another relay that speaks at once (everyone, hosts, one) is in the roster before its chat', async () => {
    const mid = meetingId();
    const host = await h.join(0, mid, 'host', { role: 'host' });
    const attendee = await h.join(0, mid, 'attendee');
    // The first join of relay 1 to the meeting: relay 0 learns of it in relay 1's HELLO; the rest as JOINED.
    const first = await h.join(1, mid, 'first');
    const seenAtChat: string[] = [];
    host.on('chat', (m) => seenAtChat.push(`host:${m.from}:${host.roster.has(m.from)}`));
    attendee.on('chat', (m) => seenAtChat.push(`attendee:${m.from}:${attendee.roster.has(m.from)}`));
    first.sendChat('hello from the first');
    const a = await h.join(1, mid, 'newcomer-a', { displayName: 'A' });
    a.sendChat('hello at once');
    const b = await h.join(1, mid, 'newcomer-b');
    b.sendChat('to the hosts', { hosts: true });
    const c = await h.join(1, mid, 'newcomer-c');
    c.sendChat('to the attendee', { to: 'attendee' });
    await waitFor(() => seenAtChat.length === 6, 4_000, () => `the chats: ${seenAtChat.join(' ')}`);
    expect(seenAtChat.sort()).toEqual([
      'attendee:first:true', 'attendee:newcomer-a:true', 'attendee:newcomer-c:true', 'host:first:true', 'host:newcomer-a:true', 'host:newcomer-b:true',
    ]);
    expect(host.roster.get('newcomer-a')?.displayName).toBe('A');
    for (const x of [host, attendee, first, a, b, c]) x.close();
  });

  it("a relay that joins a meeting late lists a publisher of another relay before announcing its track (STATE)", async () => {
    const mid = meetingId();
    const presenter = await h.join(1, mid, 'presenter', { role: 'presenter' });
    presenter.publishTrack({ id: 3, source: 'video', codec: 'vp8' });
    // Relay 0's first member of the meeting: relay 1's STATE brings the presenter and its track.
    const viewer = await h.join(0, mid, 'viewer');
    const seenAtTrack: boolean[] = [];
    if (viewer.roster.has('presenter') && viewer.welcome.tracks?.length) seenAtTrack.push(true);
    viewer.on('trackPublished', (t: { publisher: string }) => seenAtTrack.push(viewer.roster.has(t.publisher)));
    await waitFor(() => seenAtTrack.length >= 1, 4_000, 'the track at the viewer');
    expect(seenAtTrack.every((x) => x)).toBe(true);
    for (const x of [presenter, viewer]) x.close();
  });
});
