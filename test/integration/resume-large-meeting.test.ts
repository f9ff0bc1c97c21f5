/**
 * Resume notices in a large meeting (issue 16): an attendee's RECONNECTING and RESUMED go to the staff only, as
 * its JOINED did (the other attendees do not list it), so a mass drop does not cost N x N deliveries. The staff
 * see both; another attendee sees neither: its next frame from the host arrives with no roster event before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent, ResumedEvent, RosterEvent } from '../../client/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { joinVia, once, startCutProxy, type CutProxy } from './resume-helpers.js';

describe.each(TRANSPORTS)('resume notices in a large meeting over %s', (transport) => {
  let h: Harness;
  let proxy: CutProxy;
  beforeAll(async () => {
    h = await startHarness(transport, { resumeGraceMs: 5_000, largeMeetingThreshold: 2, rosterBatchMs: 0 });
    proxy = await startCutProxy(h.relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  it("an attendee's drop and resume reach the staff, not the other attendees", async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    await h.join(mid, 'b');
    const r = await joinVia(h, proxy, mid, 'r', { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
    await waitFor(() => host.roster.size === 4, 5_000, 'the host lists everyone');
    const hostSaw: RosterEvent[] = [];
    host.on('roster', (e) => hostSaw.push(e));
    const attendeeSaw: RosterEvent[] = [];
    a.on('roster', (e) => attendeeSaw.push(e));
    const chats: ChatEvent[] = [];
    a.on('chat', (e) => chats.push(e));

    const resumed = once<ResumedEvent>(r, 'resumed');
    proxy.cut(500);
    await waitFor(() => hostSaw.some((e) => e.change === 'reconnecting' && e.participant.id === 'r'), 5_000, 'the host hears r reconnecting');
    await resumed;
    await waitFor(() => hostSaw.some((e) => e.change === 'resumed' && e.participant.id === 'r'), 5_000, 'the host hears r resumed');
    // Frames from the relay to one socket keep their order: had the notices gone to a, they would precede this chat.
    host.sendChat('after');
    await waitFor(() => chats.some((c) => c.text === 'after'), 5_000, 'a gets the chat');
    expect(attendeeSaw.filter((e) => e.participant.id === 'r').map((e) => e.change)).toEqual([]);
  });
});
