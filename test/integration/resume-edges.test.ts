/**
 * Resume edges (issue 15): a gap longer than the window (RESUME_GAP with the right counts, then normal delivery),
 * a cut longer than the grace (left with `disconnect`, the SDK emits `failed`), a removed participant's resume
 * refused, a forged credential refused, and a stolen credential used while the owner is connected (it takes the
 * session over: the owner gets 4005).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeEnvelope, Kind, type Envelope } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { ChatEvent, CloseEvent, ErrorEvent, FailedEvent, ResumedEvent, RosterEvent } from '../../client/index.js';
import { connect } from '../../client/index.js';
import { joinVia, once, startCutProxy, type CutProxy } from './resume-helpers.js';

type RawResult = { status: number; error: string } | { socket: WebSocket; frames: Envelope[] };

/** Offers a resume with a raw socket: the refusal (status, code) or the open socket and the frames it gets. */
function rawResume(url: string, meeting: string, protocol: string): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/v1/meetings/${meeting}`, ['ephemera.v1', protocol]);
    socket.binaryType = 'arraybuffer';
    const frames: Envelope[] = [];
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, error: (JSON.parse(body) as { error: string }).error }));
    });
    socket.on('message', (data: ArrayBuffer) => {
      const d = decodeEnvelope(new Uint8Array(data));
      if (d.ok) frames.push(d.value);
      if (frames.length === 1) resolve({ socket, frames });
    });
    socket.on('error', (err) => reject(err));
  });
}

describe.each(TRANSPORTS)('resume edges over %s', (transport) => {
  let h: Harness;
  let proxy: CutProxy;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, resumeGraceMs: 2_000, resumeWindowBytes: 2_000 });
    proxy = await startCutProxy(h.relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  it('a gap longer than the window: RESUME_GAP with the counts, the rest of the window, then normal delivery', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const r = await joinVia(h, proxy, mid, 'r', { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
    await waitFor(() => a.roster.size === 2, 5_000, 'both present');
    const roster: RosterEvent[] = [];
    a.on('roster', (e) => roster.push(e));
    const got: ChatEvent[] = [];
    r.on('chat', (e) => got.push(e));
    const resumed = once<ResumedEvent>(r, 'resumed');
    proxy.cut(1_000);
    await waitFor(() => roster.some((e) => e.change === 'reconnecting'), 5_000, 'the relay holds r');
    for (let i = 0; i < 200; i++) a.sendChat(`m${i}`);
    const ev = await resumed;
    expect(ev.gap).not.toBeNull();
    const gap = ev.gap!;
    expect(gap.countsKnown).toBe(true);
    const missed = gap.missed.chat ?? 0;
    expect(missed).toBeGreaterThan(0);
    a.sendChat('after');
    await waitFor(() => got.some((e) => e.text === 'after'), 5_000, 'normal delivery after the gap');
    // What the window still held arrived, in order, and with the gap accounts for all 200.
    const texts = got.map((e) => e.text);
    expect(texts.length - 1 + missed).toBe(200);
    expect(texts).toEqual([...Array.from({ length: 200 - missed }, (_, n) => `m${missed + n}`), 'after']);
    expect(gap.throughSeq).toBeLessThan(got[0]!.seq);
    expect(Object.keys(gap.missed)).toEqual(['chat']);
    a.close();
    r.close();
  }, 30_000);

  it('a cut longer than the grace: it leaves with disconnect, the SDK emits failed, then close', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const r = await joinVia(h, proxy, mid, 'r', { reconnect: { initialDelayMs: 200, maxDelayMs: 500, maxTotalMs: 10_000 } });
    await waitFor(() => a.roster.size === 2, 5_000, 'both present');
    const roster: RosterEvent[] = [];
    a.on('roster', (e) => roster.push(e));
    const failed = once<FailedEvent>(r, 'failed');
    const closed = once<CloseEvent>(r, 'close');
    proxy.cut(3_500);
    await waitFor(() => roster.length === 1, 5_000, 'r held');
    expect(a.roster.get('r')?.reconnecting).toBe(true);
    const late = await h.join(mid, 'late');
    expect(late.roster.get('r')?.reconnecting).toBe(true);
    expect(late.roster.get('a')?.reconnecting).toBeUndefined();
    late.close();
    await waitFor(() => roster.length === 3, 5_000, 'late joined and left');
    roster.splice(1, 2);
    const f = await failed;
    expect(f.reason).toBe('RELAY_ERR_RESUME_REFUSED');
    await closed;
    expect(r.isClosed).toBe(true);
    expect(roster.map((e) => [e.change, e.reason])).toEqual([['reconnecting', 'disconnect'], ['left', 'disconnect']]);
    expect(a.roster.has('r')).toBe(false);
    a.close();
  }, 30_000);

  it('a removed participant cannot resume; a forged credential is refused', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const r = await h.join(mid, 'r');
    await waitFor(() => host.roster.size === 2, 5_000, 'both present');
    const cred = r.welcome.resumeCredential!;
    expect(cred).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-z]+\.[A-Za-z0-9_-]+$/);
    const [sid, exp, mac] = cred.split('.') as [string, string, string];
    const forged = `${sid}.${exp}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await rawResume(h.relay.url, mid, `resume.${forged}.${r.lastSeq}`)).toEqual({ status: 401, error: 'RELAY_ERR_RESUME_INVALID' });
    expect(await rawResume(h.relay.url, mid, `resume.${cred}`)).toEqual({ status: 401, error: 'RELAY_ERR_RESUME_INVALID' });
    const reconnecting: unknown[] = [];
    r.on('reconnecting', (e) => reconnecting.push(e));
    host.remove('r', { bar: true });
    const ev = await r.closed;
    expect(ev.code).toBe(4006);
    expect(reconnecting).toEqual([]);
    expect(await rawResume(h.relay.url, mid, `resume.${cred}.${r.lastSeq}`)).toEqual({ status: 403, error: 'RELAY_ERR_RESUME_REFUSED' });
    host.close();
  });

  it('a stolen credential used while the owner is connected takes the session over (the owner gets 4005)', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const owner = await h.join(mid, 'o');
    await waitFor(() => a.roster.size === 2, 5_000, 'both present');
    const roster: RosterEvent[] = [];
    a.on('roster', (e) => roster.push(e));
    const errors: ErrorEvent[] = [];
    owner.on('error', (e) => errors.push(e));
    const reconnecting: unknown[] = [];
    owner.on('reconnecting', (e) => reconnecting.push(e));
    const res = await rawResume(h.relay.url, mid, `resume.${owner.welcome.resumeCredential}.${owner.lastSeq}`);
    if (!('socket' in res)) throw new Error(`refused: ${JSON.stringify(res)}`);
    expect(res.frames[0]!.kind).toBe(Kind.WELCOME);
    expect(res.frames[0]!.welcome!.resumed).toBe(true);
    const ev = await owner.closed;
    expect(ev.code).toBe(4005);
    expect(errors.map((e) => e.code)).toEqual(['RELAY_ERR_REPLACED']);
    expect(reconnecting).toEqual([]);
    a.sendChat('to o', { to: 'o' });
    await waitFor(() => res.frames.some((f) => f.kind === Kind.CHAT), 5_000, 'the chat on the new socket');
    expect(roster.map((e) => e.change)).toEqual(['resumed']);
    expect(a.roster.has('o')).toBe(true);
    res.socket.close();
    a.close();
  });

  it('media resumes at the next keyframe: the relay keeps the subscription and asks the publisher for one', async () => {
    const mid = meetingId();
    const pub = await h.join(mid, 'pub', { role: 'presenter' });
    const r = await joinVia(h, proxy, mid, 'r', { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
    await waitFor(() => pub.roster.size === 2, 5_000, 'both present');
    pub.publishTrack({ id: 2, source: 'video', codec: 'vp8' });
    await waitFor(() => r.tracks.size === 1, 5_000, 'the track at r');
    const requests: number[] = [];
    pub.on('keyframeRequest', (e) => requests.push(e.track));
    r.subscribe('pub', 2);
    await waitFor(() => requests.length === 1, 5_000, 'the first keyframe request');
    const media: Array<{ keyframe: boolean; ts: number }> = [];
    r.on('media', (e) => media.push({ keyframe: e.keyframe, ts: e.timestamp }));
    pub.sendMedia(2, new Uint8Array([1]), { keyframe: true, timestamp: 1 });
    await waitFor(() => media.length === 1, 5_000, 'media before the cut');
    const resumed = once<ResumedEvent>(r, 'resumed');
    proxy.cut(300);
    await resumed;
    await waitFor(() => requests.length === 2, 5_000, 'a keyframe request on resume');
    pub.sendMedia(2, new Uint8Array([2]), { keyframe: false, timestamp: 2 });
    pub.sendMedia(2, new Uint8Array([3]), { keyframe: true, timestamp: 3 });
    pub.sendMedia(2, new Uint8Array([4]), { keyframe: false, timestamp: 4 });
    await waitFor(() => media.some((m) => m.ts === 4), 5_000, 'media after the resume');
    expect(media.map((m) => m.ts)).toEqual([1, 3, 4]);
    pub.close();
    r.close();
  }, 20_000);

  it('the window stays within its byte bound under a chat storm and holds nothing once the meeting ended', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a', { role: 'host' });
    const b = await h.join(mid, 'b');
    await waitFor(() => a.roster.size === 2, 5_000, 'both present');
    const windowOf = (): { heldBytes: number; heldFrames: number } => {
      for (const m of h.relay.meetings()) {
        const d = (m as unknown as { meetingId: string; delivery: { window?: { heldBytes: number; heldFrames: number } } });
        if (d.meetingId === mid) return d.delivery.window!;
      }
      throw new Error('no such meeting');
    };
    const w = windowOf();
    let maxHeld = 0;
    let got = 0;
    b.on('chat', () => {
      got++;
      if (w.heldBytes > maxHeld) maxHeld = w.heldBytes;
    });
    for (let i = 0; i < 2_000; i++) a.sendChat(`storm ${i} ${'x'.repeat(40)}`);
    await waitFor(() => got === 2_000, 10_000, 'the storm at b');
    expect(maxHeld).toBeGreaterThan(1_000);
    expect(maxHeld).toBeLessThanOrEqual(2_000);
    a.endMeeting();
    await b.closed;
    expect(w.heldBytes).toBe(0);
    expect(w.heldFrames).toBe(0);
  }, 20_000);

  it('a poll survives a cut of a receiver and of its owner; an answer is never counted twice', async () => {
    const mid = meetingId();
    const ownerProxy = await startCutProxy(h.relay.url);
    try {
      const fast = { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } };
      const owner = await joinVia(h, ownerProxy, mid, 'owner', fast, 'host');
      const r = await joinVia(h, proxy, mid, 'r', fast);
      const a = await h.join(mid, 'a');
      await waitFor(() => a.roster.size === 3, 5_000, 'all present');
      const roster: RosterEvent[] = [];
      a.on('roster', (e) => roster.push(e));
      const opened: string[] = [];
      r.on('pollOpened', (e) => opened.push(e.pollId));
      const tallies: number[] = [];
      owner.on('pollTally', (e) => tallies.push(e.answers));
      const errors: string[] = [];
      r.on('error', (e) => errors.push(e.code));

      const rBack = once<ResumedEvent>(r, 'resumed');
      proxy.cut(800);
      await waitFor(() => roster.some((e) => e.participant.id === 'r' && e.change === 'reconnecting'), 5_000, 'r held');
      const pollId = owner.openPoll({ questions: [{ text: 'Lunch?', options: ['yes', 'no'] }] });
      expect((await rBack).gap).toBeNull();
      await waitFor(() => opened.length === 1, 5_000, 'the poll replayed to r');
      expect(opened).toEqual([pollId]);
      r.answerPoll(pollId, [0]);
      await waitFor(() => tallies.at(-1) === 1, 5_000, 'r counted');
      r.answerPoll(pollId, [1]);
      await waitFor(() => errors.includes('RELAY_ERR_ALREADY_ANSWERED'), 5_000, 'the second answer refused');

      const ownerBack = once<ResumedEvent>(owner, 'resumed');
      ownerProxy.cut(800);
      await waitFor(() => roster.some((e) => e.participant.id === 'owner' && e.change === 'reconnecting'), 5_000, 'owner held');
      a.answerPoll(pollId, [1]);
      expect((await ownerBack).gap).toBeNull();
      await waitFor(() => tallies.at(-1) === 2, 5_000, 'the tally that came while the owner was away');
      expect(tallies.every((n) => n <= 2)).toBe(true);
      expect(roster.filter((e) => e.change === 'left')).toEqual([]);
      for (const c of [owner, r, a]) c.close();
    } finally {
      await ownerProxy.close();
    }
  }, 30_000);

  it('a connection that goes silent (no FIN): the relay closes it as idle and holds the place, the SDK resumes', async () => {
    const quiet = await startHarness(transport, { idleTimeoutMs: 1_000, slowConsumerCheckMs: 50, resumeGraceMs: 10_000 });
    const quietProxy = await startCutProxy(quiet.relay.url);
    try {
      const mid = meetingId();
      const a = await quiet.join(mid, 'a');
      const r = await joinVia(quiet, quietProxy, mid, 'r', { reconnect: { initialDelayMs: 100, maxDelayMs: 300, silenceTimeoutMs: 3_000 } });
      await waitFor(() => a.roster.size === 2, 5_000, 'both present');
      const roster: RosterEvent[] = [];
      a.on('roster', (e) => roster.push(e));
      const got: string[] = [];
      r.on('chat', (e) => got.push(e.text));
      const resumed = once<ResumedEvent>(r, 'resumed', 15_000);
      quietProxy.stall();
      await waitFor(() => roster.some((e) => e.change === 'reconnecting'), 5_000, 'the relay holds r after its idle timeout');
      for (let i = 0; i < 50; i++) a.sendChat(`q${i}`);
      expect((await resumed).gap).toBeNull();
      await waitFor(() => got.length === 50, 5_000, 'the chats sent while r was silent');
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `q${i}`));
      expect(roster.map((e) => [e.change, e.reason])).toEqual([['reconnecting', 'idle_timeout'], ['resumed', '']]);
      a.close();
      r.close();
    } finally {
      await quietProxy.close();
      await quiet.close();
    }
  }, 30_000);

  it('resumes with the credential although the join token was single-use and has expired since', async () => {
    const mid = meetingId();
    const a = await h.join(mid, 'a');
    const r = await connect({ url: proxy.url, meetingId: mid, token: h.token(mid, 'r', { singleUse: true, ttlSeconds: 1 }), reconnect: { initialDelayMs: 100, maxDelayMs: 300 } });
    await waitFor(() => a.roster.size === 2, 5_000, 'both present');
    const expiresAt = Date.now() + 1_000;
    const got: string[] = [];
    r.on('chat', (e) => got.push(e.text));
    const joinedSeen: string[] = [];
    r.on('roster', (e) => e.change === 'joined' && joinedSeen.push(e.participant.id));
    const resumed = once<ResumedEvent>(r, 'resumed');
    const held = new Promise<void>((resolve) => a.on('roster', (e) => e.change === 'reconnecting' && resolve()));
    proxy.cut(1_500);
    await held;
    const x = await h.join(mid, 'x');
    a.sendChat('while away');
    expect((await resumed).gap).toBeNull();
    expect(Date.now()).toBeGreaterThan(expiresAt);
    await waitFor(() => got.includes('while away'), 5_000, 'the chat sent while away');
    // x joined while r was away: r's roster has it, and r was told.
    expect(r.roster.has('x')).toBe(true);
    expect(joinedSeen).toEqual(['x']);
    x.close();
    a.close();
    r.close();
  }, 20_000);
});
