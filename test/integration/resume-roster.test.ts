/**
 * ROSTER_BATCH frames go through the resume window like ROSTER frames (issue 15): the roster batcher publishes
 * them to its topics, and the window keeps them with their audience (staff or attendees), so a participant that
 * resumes gets the batches it missed, in seq order, and its roster and participant count are right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kind, RosterChange, type Envelope } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { ResumedEvent, RosterEvent } from '../../client/index.js';
import { joinVia, once, startCutProxy, type CutProxy } from './resume-helpers.js';

describe.each(TRANSPORTS)('resume and roster batches over %s', (transport) => {
  let h: Harness;
  let proxy: CutProxy;
  beforeAll(async () => {
    h = await startHarness(transport, { resumeGraceMs: 15_000, rosterBatchMs: 20 });
    proxy = await startCutProxy(h.relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  it('the batches sent while a participant was away are delivered on resume, after its WELCOME, in seq order', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const r = await joinVia(h, proxy, mid, 'r', { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
    await waitFor(() => a.roster.size === 2 && r.roster.size === 2, 5_000, 'both present');
    const aRoster: RosterEvent[] = [];
    a.on('roster', (e) => aRoster.push(e));
    const frames: Envelope[] = [];
    r.on('frame', (f) => frames.push(f));
    const before = r.lastSeq;
    const resumed = once<ResumedEvent>(r, 'resumed');
    proxy.cut(1_500);
    await waitFor(() => aRoster.some((e) => e.change === 'reconnecting'), 5_000, 'r held');
    const x = await h.join(mid, 'x');
    const y = await h.join(mid, 'y');
    await waitFor(() => a.roster.has('x') && a.roster.has('y'), 5_000, 'x and y joined (a batch went out)');
    y.close();
    await waitFor(() => !a.roster.has('y'), 5_000, 'y left (another batch)');
    expect((await resumed).gap).toBeNull();
    a.sendChat('after');
    await waitFor(() => frames.some((f) => f.kind === Kind.CHAT), 5_000, 'the chat after the resume');
    // The replayed batches: x's and y's JOINED, then y's LEFT, each with its original seq (the resumed WELCOME is
    // the opener's, not a `frame` event: these all came after it).
    const batches = frames.filter((f) => f.kind === Kind.ROSTER_BATCH && f.rosterBatch?.page !== true);
    const changes = batches.flatMap((b) => (b.rosterBatch?.updates ?? []).map((u) => `${u.change === RosterChange.LEFT ? 'left' : 'joined'}:${u.participant?.id}`));
    expect(changes.filter((c) => c.endsWith(':x') || c.endsWith(':y'))).toEqual(['joined:x', 'joined:y', 'left:y']);
    const seqs = batches.map((b) => Number(b.seq));
    expect(seqs.every((s) => s > before)).toBe(true);
    expect([...seqs].sort((p, q) => p - q)).toEqual(seqs);
    expect([...r.roster.keys()].sort()).toEqual(['a', 'r', 'x']);
    x.close();
    a.close();
    r.close();
  }, 30_000);

  it('a large meeting: the attendee that resumes gets the count batches it missed (its participant count is right)', async () => {
    const mid = meetingId();
    const policy = { largeMeetingThreshold: 2 };
    const host = await h.join(mid, 'host', { role: 'host', policy });
    const watcher = await h.join(mid, 'w', { policy });
    const r = await joinVia(h, proxy, mid, 'r', { token: h.token(mid, 'r', { policy }), reconnect: { initialDelayMs: 100, maxDelayMs: 300, maxTotalMs: 15_000 } });
    await waitFor(() => host.roster.size === 3, 5_000, 'three present');
    await waitFor(() => r.participantCount === 3 && watcher.participantCount === 3, 5_000, 'the count at r');
    const hostRoster: RosterEvent[] = [];
    host.on('roster', (e) => hostRoster.push(e));
    const counts: number[] = [];
    r.on('participantCount', (e) => counts.push(e.count));
    const resumed = once<ResumedEvent>(r, 'resumed');
    proxy.cut(4_000);
    await waitFor(() => hostRoster.some((e) => e.change === 'reconnecting'), 5_000, 'r held');
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await h.join(mid, `o${i}`, { policy }));
    // The count batch reaches the attendees once joins pause for a second: the watcher hears it while r is away.
    await waitFor(() => watcher.participantCount === 7, 6_000, 'the count at the watcher');
    expect((await resumed).gap).toBeNull();
    await waitFor(() => r.participantCount === 7, 5_000, 'the missed count at r');
    // Every count batch went out while r was away, so these came from the window (no batch followed them).
    expect(counts.at(-1)).toBe(7);
    expect(r.staffOnly).toBe(true);
    expect([...r.roster.keys()].sort()).toEqual(['host', 'r']);
    for (const c of [...others, host, watcher, r]) c.close();
  }, 30_000);
});
