/**
 * Resume after a dropped connection (issue 15): a receiver behind a TCP proxy that cuts its connection without a
 * close frame, twice (1 s and 5 s), while 5 senders send 500 chats each. It gets all 2 500, in per-sender order,
 * none twice; the others' roster shows it reconnecting and back, never gone; the CDR has one session with gaps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { waitForCdr } from '../helpers/cdr-file.js';
import { validateCdrRecord } from '../../relay/cdr/validate-cdr.js';
import type { ChatEvent, EphemeraClient, MediaEvent, ResumedEvent, RosterEvent } from '../../client/index.js';
import { joinVia, once, startCutProxy, type CutProxy } from './resume-helpers.js';
import { roundTrip } from './lanes-helpers.js';

const SENDERS = 5;
const PER_SENDER = 500;

describe.each(TRANSPORTS)('resume over %s', (transport) => {
  let h: Harness;
  let proxy: CutProxy;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, resumeGraceMs: 15_000, emptyTimeoutMs: 200 });
    proxy = await startCutProxy(h.relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  it('delivers all 2 500 chats across two cuts (1 s, 5 s), in order, none twice, as one session', async () => {
    const mid = meetingId();
    const senders: EphemeraClient[] = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await h.join(mid, `s${i}`));
    const receiver = await joinVia(h, proxy, mid, 'r', { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
    await waitFor(() => senders.every((s) => s.roster.size === SENDERS + 1), 5_000, 'everyone present');
    const seen: RosterEvent[] = [];
    senders[0]!.on('roster', (e) => e.participant.id === 'r' && seen.push(e));
    const got: ChatEvent[] = [];
    receiver.on('chat', (e) => got.push(e));
    const resumes: ResumedEvent[] = [];
    receiver.on('resumed', (e) => resumes.push(e));
    let sent = 0;
    const sendBatch = (n: number): void => {
      for (let k = 0; k < n; k++) {
        for (let s = 0; s < SENDERS; s++) senders[s]!.sendChat(`s${s}:${sent}`);
        sent++;
      }
    };
    sendBatch(100);
    proxy.cut(1_000);
    sendBatch(100);
    await once(receiver, 'resumed');
    sendBatch(100);
    proxy.cut(5_000);
    sendBatch(100);
    await once(receiver, 'resumed');
    sendBatch(PER_SENDER - sent);
    await waitFor(() => got.length >= SENDERS * PER_SENDER, 20_000, 'all chat at the receiver');
    // Nothing more arrives (no duplicates trailing behind).
    senders[0]!.sendChat('last');
    await waitFor(() => got.some((e) => e.text === 'last'), 5_000, 'the last chat');
    expect(got.length).toBe(SENDERS * PER_SENDER + 1);
    for (let s = 0; s < SENDERS; s++) {
      const texts = got.filter((e) => e.from === `s${s}` && e.text !== 'last').map((e) => e.text);
      expect(texts).toEqual(Array.from({ length: PER_SENDER }, (_, n) => `s${s}:${n}`));
    }
    expect(new Set(got.map((e) => e.seq)).size).toBe(got.length);
    expect(resumes).toHaveLength(2);
    expect(resumes.every((r) => r.gap === null)).toBe(true);
    expect(seen.map((e) => e.change)).toEqual(['reconnecting', 'resumed', 'reconnecting', 'resumed']);
    expect(senders[0]!.roster.has('r')).toBe(true);
    // Roster changes after the resumes reach the resumed socket too.
    const late = await h.join(mid, 'late');
    await waitFor(() => receiver.roster.has('late'), 5_000, 'a later join in the resumed roster');
    await late.leave();

    await receiver.leave();
    for (const s of senders) await s.leave();
    const cdr = await waitForCdr(h.dataDir, mid, 10_000);
    expect(validateCdrRecord(cdr)).toEqual([]);
    const r = cdr.participants.find((p) => p.id === 'r')!;
    expect(r.sessions).toHaveLength(1);
    const session = r.sessions[0] as { leaveReason: string; gaps?: Array<{ from: string; to: string }> };
    expect(session.leaveReason).toBe('leave');
    expect(session.gaps).toHaveLength(2);
    // Each gap runs from when the relay saw the drop to the resume (the second cut refused connections longer).
    const lengths = session.gaps!.map((g) => Date.parse(g.to) - Date.parse(g.from));
    expect(lengths.every((ms) => ms > 0)).toBe(true);
    expect(lengths[1]!).toBeGreaterThan(lengths[0]!);
  }, 60_000);

  it('a track subscriber away in its grace still counts: a participant who never subscribed gets none of the track', async () => {
    const mid = meetingId();
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    const away = await joinVia(h, proxy, mid, 'away', { reconnect: { initialDelayMs: 100, maxDelayMs: 500 } });
    const b = await h.join(mid, 'b');
    await waitFor(() => pub.roster.size === 3 && b.roster.size === 3, 5_000, 'everyone present');
    pub.publishTrack({ id: 1, source: 'audio', codec: 'opus' });
    await waitFor(() => away.tracks.size === 1 && b.tracks.size === 1, 5_000, 'the track announced');
    away.subscribe('pub', 1);
    b.subscribe('pub', 1);
    await Promise.all([roundTrip(away), roundTrip(b)]);
    const gotB: MediaEvent[] = [];
    b.on('media', (e) => gotB.push(e));
    const seen: RosterEvent[] = [];
    pub.on('roster', (e) => e.participant.id === 'away' && seen.push(e));
    proxy.cut(3_000);
    await waitFor(() => seen.some((e) => e.change === 'reconnecting'), 10_000, 'the relay saw the drop');
    // Now: pub and b and c on the meeting topic, b and the away session on the track: c must get nothing.
    const c = await h.join(mid, 'c');
    const gotC: MediaEvent[] = [];
    c.on('media', (e) => gotC.push(e));
    await waitFor(() => pub.roster.has('c'), 5_000, 'c present');
    for (let i = 0; i < 3; i++) pub.sendMedia(1, new Uint8Array([1, i]));
    await waitFor(() => gotB.length === 3, 5_000, 'b got the frames');
    // pub's chat is queued to c after any of pub's media frames: once c has it, c has all it would get.
    const atC: ChatEvent[] = [];
    c.on('chat', (e) => atC.push(e));
    pub.sendChat('after');
    await waitFor(() => atC.some((e) => e.text === 'after'), 5_000, 'c got the chat sent after the frames');
    expect(gotC).toEqual([]);
    await once(away, 'resumed');
    for (const x of [pub, away, b, c]) x.close();
  });
});
