/**
 * Same-relay resume in a cluster (issue 15): a real nats-server, two relays, and a receiver behind a TCP proxy
 * that cuts its connection without a close frame. Each relay gives the frames of the other relay its own seq as
 * it hands them out (relay/cluster/restamp-seq.ts) and keeps them in its resume window, so a resume on the same
 * relay gets everything it missed exactly once and in order, from local and remote senders alike: chat to
 * everyone and to it alone, polls, roster changes. A cut longer than the window gets the gap frame with the right
 * counts, then normal delivery.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type ChatEvent, type EphemeraClient, type IncomingDocument, type PollOpenedEvent, type ResumedEvent, type RosterEvent } from '../../client/index.js';
import type { RelayOptions } from '../../relay/index.js';
import { meetingId, TRANSPORTS, waitFor } from '../helpers/relay-harness.js';
import { once, startCutProxy, type CutProxy } from '../integration/resume-helpers.js';
import { startCluster, type ClusterHarness } from '../helpers/cluster-harness.js';

const SENDERS = 5;
const PER_SENDER = 200;
/** Senders s0, s2, s4 on relay 0 (remote to the receiver), s1, s3 on relay 1 (the receiver's). */
const relayOf = (s: number): number => s % 2;

describe.each(TRANSPORTS)('same-relay resume in a cluster over %s', (transport) => {
  let c: ClusterHarness | null = null;
  let proxy: CutProxy | null = null;
  let root = '';
  afterEach(async () => {
    await proxy?.close();
    proxy = null;
    await c?.close();
    c = null;
    rmSync(root, { recursive: true, force: true });
  });

  async function start(extra: Partial<RelayOptions>): Promise<ClusterHarness> {
    root = mkdtempSync(join(tmpdir(), 'ephemera-cluster-window-'));
    const secretFile = join(root, 'resume-secret');
    writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
    c = await startCluster(2, transport, { resumeSecretFile: secretFile, resumeGraceMs: 15_000, maxFramesPerSecond: 5_000, frameBurst: 10_000, ...extra });
    proxy = await startCutProxy(c.relays[1]!.url);
    return c;
  }

  it('5 senders on both relays x 200 chats, two 1 s cuts: everything exactly once, in per-sender order, no gap frame', async () => {
    const h = await start({});
    const mid = meetingId();
    const senders: EphemeraClient[] = [];
    // s0 hosts (remote to the receiver), s1 presents (on the receiver's relay): both open polls during a cut.
    for (let s = 0; s < SENDERS; s++) senders.push(await h.join(relayOf(s), mid, `s${s}`, { role: s === 0 ? 'host' : s === 1 ? 'presenter' : 'attendee' }));
    const r = await connect({ url: proxy!.url, meetingId: mid, token: h.token(mid, 'r'), reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
    await waitFor(() => r.roster.size === SENDERS + 1 && senders.every((s) => s.roster.size === SENDERS + 1), 10_000, 'everyone in every roster');

    const got: ChatEvent[] = [];
    r.on('chat', (e) => got.push(e));
    const polls: PollOpenedEvent[] = [];
    r.on('pollOpened', (e) => polls.push(e));
    const rosterAtR: Array<[string, string]> = [];
    r.on('roster', (e) => e.participant.id.startsWith('x') && rosterAtR.push([e.change, e.participant.id]));
    const resumes: ResumedEvent[] = [];
    r.on('resumed', (e) => resumes.push(e));
    const offers: IncomingDocument[] = [];
    const received: Array<Promise<Uint8Array>> = [];
    r.on('documentOffered', (d) => {
      offers.push(d);
      received.push(d.receive());
    });
    const seenAtS0: RosterEvent[] = [];
    senders[0]!.on('roster', (e) => e.participant.id === 'r' && seenAtS0.push(e));

    let sent = 0;
    const batch = (n: number): void => {
      for (let k = 0; k < n; k++, sent++) for (let s = 0; s < SENDERS; s++) senders[s]!.sendChat(`s${s}:${sent}`);
    };
    let direct = 0;
    const directs = (): void => {
      // To the receiver alone, from a remote sender and a local one.
      for (let k = 0; k < 5; k++, direct++) {
        senders[2]!.sendChat(`d2:${direct}`, { to: 'r' });
        senders[3]!.sendChat(`d3:${direct}`, { to: 'r' });
      }
    };

    batch(50);
    proxy!.cut(1_000);
    batch(50);
    directs();
    senders[0]!.openPoll({ pollId: 'remote-poll', questions: [{ text: 'q', options: ['a', 'b'] }] });
    senders[1]!.openPoll({ pollId: 'local-poll', questions: [{ text: 'q', options: ['a', 'b'] }] });
    // A document offered to the receiver alone by a remote sharer while it is away.
    const doc = randomBytes(200_000);
    const shared = senders[4]!.shareDocument(doc, { name: 'cut.bin', to: 'r', transferId: 'doc-cut' });
    const x0 = await h.join(0, mid, 'x0');
    await once(r, 'resumed');
    batch(50);
    proxy!.cut(1_000);
    batch(25);
    directs();
    const x1 = await h.join(1, mid, 'x1');
    await x0.leave();
    batch(25);
    await once(r, 'resumed');
    expect(sent).toBe(PER_SENDER);

    const total = SENDERS * PER_SENDER + 2 * direct;
    await waitFor(() => got.length >= total, 20_000, () => `all chat at the receiver (${got.length}/${total})`);
    // Nothing trails behind: a last frame from each relay, then the count is exact.
    senders[0]!.sendChat('last0');
    senders[1]!.sendChat('last1');
    await waitFor(() => got.some((e) => e.text === 'last0') && got.some((e) => e.text === 'last1'), 5_000, 'the last chats');
    expect(got.length).toBe(total + 2);
    for (let s = 0; s < SENDERS; s++) {
      const texts = got.filter((e) => e.from === `s${s}` && e.text.startsWith(`s${s}:`)).map((e) => e.text);
      expect(texts).toEqual(Array.from({ length: PER_SENDER }, (_, n) => `s${s}:${n}`));
    }
    for (const d of [2, 3]) {
      expect(got.filter((e) => e.text.startsWith(`d${d}:`)).map((e) => e.text)).toEqual(Array.from({ length: direct }, (_, n) => `d${d}:${n}`));
    }
    // One numbering per relay: every frame the receiver got has a seq of its own relay, none twice.
    expect(new Set(got.map((e) => e.seq)).size).toBe(got.length);
    expect(resumes).toHaveLength(2);
    expect(resumes.map((e) => e.gap)).toEqual([null, null]);
    expect(polls.map((p) => p.pollId).sort()).toEqual(['local-poll', 'remote-poll']);
    await waitFor(() => r.roster.has('x1') && !r.roster.has('x0'), 5_000, 'the roster after both cuts');
    expect(rosterAtR.filter(([ch, id]) => ch === 'joined' && id === 'x0')).toHaveLength(1);
    expect(rosterAtR.filter(([ch, id]) => ch === 'joined' && id === 'x1')).toHaveLength(1);
    expect(rosterAtR.filter(([ch, id]) => ch === 'left' && id === 'x0')).toHaveLength(1);
    expect(seenAtS0.map((e) => e.change)).toEqual(['reconnecting', 'resumed', 'reconnecting', 'resumed']);
    // The offer came once (from the window); the document, which the sharer's relay owns, arrived whole: that
    // relay learnt from ROSTER RECONNECTING / RESUMED that the receiver was away and back, and rewound the sharer.
    expect(offers.map((d) => [d.transferId, d.from, d.size])).toEqual([['doc-cut', 's4', doc.length]]);
    const bytes = await received[0]!;
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(doc).digest('hex'));
    await shared;
    await x1.leave();
    await r.leave();
  }, 90_000);

  it('a cut longer than the window: RESUME_GAP with the right counts (local and remote senders), then normal delivery', async () => {
    const h = await start({ resumeWindowMs: 1_000 });
    const mid = meetingId();
    const far = await h.join(0, mid, 'far');
    const near = await h.join(1, mid, 'near');
    const r = await connect({ url: proxy!.url, meetingId: mid, token: h.token(mid, 'r'), reconnect: { initialDelayMs: 100, maxDelayMs: 400 } });
    await waitFor(() => r.roster.size === 3 && far.roster.size === 3 && near.roster.size === 3, 10_000, 'everyone in every roster');
    const got: ChatEvent[] = [];
    r.on('chat', (e) => got.push(e));
    far.sendChat('before');
    await waitFor(() => got.length === 1, 5_000, 'the chat before the cut');

    const resumed = once<ResumedEvent>(r, 'resumed', 20_000);
    proxy!.cut(3_000);
    for (let i = 0; i < 30; i++) {
      far.sendChat(`f${i}`);
      near.sendChat(`n${i}`);
    }
    const ev = await resumed;
    // All 60 slid out of the 1 s window before the resume (3 s): none replayed, all counted, no content.
    expect(ev.gap).not.toBeNull();
    expect(ev.gap!.countsKnown).toBe(true);
    expect(ev.gap!.missed).toMatchObject({ chat: 60 });
    expect(got.map((e) => e.text)).toEqual(['before']);

    for (let i = 0; i < 20; i++) {
      far.sendChat(`F${i}`);
      near.sendChat(`N${i}`);
    }
    await waitFor(() => got.length === 41, 10_000, () => `the chats after the resume (${got.length - 1}/40)`);
    expect(got.filter((e) => e.from === 'far').map((e) => e.text)).toEqual(['before', ...Array.from({ length: 20 }, (_, i) => `F${i}`)]);
    expect(got.filter((e) => e.from === 'near').map((e) => e.text)).toEqual(Array.from({ length: 20 }, (_, i) => `N${i}`));
    await r.leave();
  }, 60_000);
});
