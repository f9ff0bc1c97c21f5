/**
 * A document transfer and an open poll survive a cut (issue 15): a TCP proxy cuts the receiver's, then the
 * sharer's connection mid-transfer, without a close frame. The transfer goes on from the last acknowledged byte
 * (the relay asks the sharer to send again from there: DOC_RESEND rewind) and every receiver gets the whole
 * document, its SHA-256 checked; poll answers sent around the cut are counted once. A sharer away longer than the
 * grace ends its transfer with the documented reason `sharer_left`; a receiver away longer than the grace is
 * reported to the sharer as `receiver_left` and the transfer goes on for the others.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import type { DocumentCancelledEvent, EphemeraClient, IncomingDocument, ResumedEvent, RosterEvent } from '../../client/index.js';
import { joinVia, once, startCutProxy, type CutProxy } from './resume-helpers.js';

const SIZE = 3 * 1024 * 1024;
const fast = { reconnect: { initialDelayMs: 100, maxDelayMs: 300 } };

function sha(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function nextOffer(c: EphemeraClient): Promise<IncomingDocument> {
  return new Promise((resolve) => c.once('documentOffered', resolve));
}

/** Receives into a hash; calls `at` once, synchronously, when `threshold` bytes have arrived. */
function receiveHashed(d: IncomingDocument, threshold = Infinity, at: () => void = () => {}): { done: Promise<string>; received: () => number } {
  const h = createHash('sha256');
  let n = 0;
  let fired = false;
  const done = d
    .receive((chunk) => {
      h.update(chunk);
      n += chunk.length;
      if (!fired && n >= threshold) {
        fired = true;
        at();
      }
    })
    .then(() => h.digest('hex'));
  return { done, received: () => n };
}

describe.each(TRANSPORTS)('documents and polls across cuts over %s', (transport) => {
  let h: Harness;
  let proxy: CutProxy;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, resumeGraceMs: 15_000 });
    proxy = await startCutProxy(h.relay.url);
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  it('a cut of a receiver: it resumes at its last acknowledged chunk and gets the whole document; its poll answer counts once', async () => {
    const mid = meetingId();
    const sharer = await h.join(mid, 'sharer', { role: 'host' });
    const a = await h.join(mid, 'a');
    const r = await joinVia(h, proxy, mid, 'r', fast);
    await waitFor(() => sharer.roster.size === 3 && r.roster.size === 3, 5_000, 'all present');
    const roster: RosterEvent[] = [];
    a.on('roster', (e) => roster.push(e));
    const tallies: number[] = [];
    sharer.on('pollTally', (e) => tallies.push(e.answers));
    const rErrors: string[] = [];
    r.on('error', (e) => rErrors.push(e.code));

    // An open poll, answered by r before the cut.
    const polled = new Promise<string>((resolve) => r.once('pollOpened', (e) => resolve(e.pollId)));
    const pollId = sharer.openPoll({ questions: [{ text: 'Ship it?', options: ['yes', 'no'] }] });
    expect(await polled).toBe(pollId);
    r.answerPoll(pollId, [0]);
    await waitFor(() => tallies.at(-1) === 1, 5_000, 'r counted');

    const doc = randomBytes(SIZE);
    const resumed = once<ResumedEvent>(r, 'resumed');
    const [offerA, offerR] = [nextOffer(a), nextOffer(r)];
    const shared = sharer.shareDocument(doc, { name: 'report.pdf', transferId: 'rcut' });
    const atA = receiveHashed(await offerA);
    // Once r has part of the document, what the relay writes to it is swallowed (its acks still arrive, so the
    // relay goes on), then the connection is cut: the chunks written meanwhile (a receives them too) are lost.
    const atR = receiveHashed(await offerR, 512 * 1024, () => proxy.stallDown());
    await waitFor(() => atR.received() >= 512 * 1024 && atA.received() > atR.received() + 256 * 1024, 10_000, 'chunks written to the stalled socket');
    proxy.cut(1_000);
    await waitFor(() => roster.some((e) => e.participant.id === 'r' && e.change === 'reconnecting'), 5_000, 'r held');
    expect(atR.received()).toBeLessThan(SIZE);
    a.answerPoll(pollId, [1]);
    await waitFor(() => tallies.at(-1) === 2, 5_000, 'a counted while r is away');
    expect((await resumed).gap).toBeNull();
    expect(await atR.done).toBe(sha(doc));
    expect(await atA.done).toBe(sha(doc));
    const result = await shared;
    expect(result.dropped).toEqual([]);
    // r answers again after the resume: refused, the tally stays at 2.
    r.answerPoll(pollId, [1]);
    await waitFor(() => rErrors.includes('RELAY_ERR_ALREADY_ANSWERED'), 5_000, 'the second answer refused');
    sharer.closePoll(pollId);
    await waitFor(() => tallies.length > 0 && tallies.at(-1) === 2 && tallies.every((n) => n <= 2), 5_000, 'the final tally');
    expect(roster.filter((e) => e.change === 'left')).toEqual([]);
    for (const c of [sharer, a, r]) c.close();
  }, 40_000);

  it('a cut of the sharer: the transfer pauses and goes on after its resume; the poll it owns keeps its answers', async () => {
    const mid = meetingId();
    const sharerProxy = await startCutProxy(h.relay.url);
    try {
      const sharer = await joinVia(h, sharerProxy, mid, 'sharer', fast, 'host');
      const a = await h.join(mid, 'a');
      const b = await h.join(mid, 'b');
      await waitFor(() => sharer.roster.size === 3 && a.roster.size === 3, 5_000, 'all present');
      const roster: RosterEvent[] = [];
      a.on('roster', (e) => roster.push(e));
      const tallies: number[] = [];
      sharer.on('pollTally', (e) => tallies.push(e.answers));
      const aErrors: string[] = [];
      a.on('error', (e) => aErrors.push(e.code));
      const cancels: DocumentCancelledEvent[] = [];
      for (const c of [a, b]) c.on('documentCancelled', (e) => cancels.push(e));

      const polled = new Promise<string>((resolve) => a.once('pollOpened', (e) => resolve(e.pollId)));
      const pollId = sharer.openPoll({ questions: [{ text: 'Again?', options: ['yes', 'no'] }] });
      await polled;

      // A stream source this time (a function that opens it): the sharer keeps what it may be asked again.
      const doc = randomBytes(SIZE);
      const source = async function* (): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < doc.length; i += 100_000) yield doc.subarray(i, i + 100_000);
      };
      const resumed = once<ResumedEvent>(sharer, 'resumed');
      const [offerA, offerB] = [nextOffer(a), nextOffer(b)];
      const shared = sharer.shareDocument(source, { name: 'slides.key', transferId: 'scut', size: doc.length, sha256: createHash('sha256').update(doc).digest() });
      const atB = receiveHashed(await offerB);
      const atA = receiveHashed(await offerA, 512 * 1024, () => sharerProxy.cut(1_000));
      await waitFor(() => roster.some((e) => e.participant.id === 'sharer' && e.change === 'reconnecting'), 5_000, 'the sharer held');
      a.answerPoll(pollId, [0]);
      expect((await resumed).gap).toBeNull();
      expect(await atA.done).toBe(sha(doc));
      expect(await atB.done).toBe(sha(doc));
      expect((await shared).dropped).toEqual([]);
      expect(cancels).toEqual([]);
      await waitFor(() => tallies.at(-1) === 1, 5_000, 'the answer given while the owner was away');
      b.answerPoll(pollId, [1]);
      a.answerPoll(pollId, [1]);
      await waitFor(() => tallies.at(-1) === 2 && aErrors.includes('RELAY_ERR_ALREADY_ANSWERED'), 5_000, 'b counted, a refused');
      expect(tallies.every((n) => n <= 2)).toBe(true);
      expect(roster.filter((e) => e.change === 'left')).toEqual([]);
      for (const c of [sharer, a, b]) c.close();
    } finally {
      await sharerProxy.close();
    }
  }, 40_000);

  it('away longer than the grace: a sharer\'s transfer ends with sharer_left; a receiver is reported receiver_left and the others finish', async () => {
    const short = await startHarness(transport, { maxFramesPerSecond: 5_000, frameBurst: 10_000, resumeGraceMs: 1_000 });
    const shortProxy = await startCutProxy(short.relay.url);
    try {
      const mid = meetingId();
      const sharer = await joinVia(short, shortProxy, mid, 'sharer', { reconnect: { initialDelayMs: 200, maxDelayMs: 500, maxTotalMs: 8_000 } }, 'host');
      const a = await short.join(mid, 'a');
      await waitFor(() => a.roster.size === 2, 5_000, 'both present');
      const cancels: DocumentCancelledEvent[] = [];
      a.on('documentCancelled', (e) => cancels.push(e));
      const offer = nextOffer(a);
      const shared = sharer.shareDocument(randomBytes(SIZE), { name: 'gone', transferId: 'late' }).catch((e: unknown) => e);
      const atA = receiveHashed(await offer, 256 * 1024, () => shortProxy.cut(3_000));
      await expect(atA.done).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'sharer_left' });
      expect(cancels.map((e) => [e.transferId, e.reason])).toEqual([['late', 'sharer_left']]);
      expect(await shared).toMatchObject({ code: 'DOC_ERR_CLOSED' });
      a.close();

      // A receiver away longer than the grace: the sharer hears receiver_left, the others get the whole document.
      const mid2 = meetingId();
      const sharer2 = await short.join(mid2, 'sharer', { role: 'host' });
      const b = await short.join(mid2, 'b');
      const r = await joinVia(short, shortProxy, mid2, 'r', { reconnect: { initialDelayMs: 200, maxDelayMs: 500, maxTotalMs: 8_000 } });
      await waitFor(() => sharer2.roster.size === 3, 5_000, 'all present');
      const doc = randomBytes(SIZE);
      const [offerB, offerR] = [nextOffer(b), nextOffer(r)];
      const shared2 = sharer2.shareDocument(doc, { name: 'stays', transferId: 'rgone' });
      const atB = receiveHashed(await offerB);
      const atR = receiveHashed(await offerR, 256 * 1024, () => shortProxy.cut(3_000));
      const failed = once(r, 'failed', 15_000);
      expect(await atB.done).toBe(sha(doc));
      expect((await shared2).dropped).toEqual([{ participant: 'r', reason: 'receiver_left' }]);
      await failed;
      await expect(atR.done).rejects.toMatchObject({ code: 'DOC_ERR_CLOSED' });
      sharer2.close();
      b.close();
    } finally {
      await shortProxy.close();
      await short.close();
    }
  }, 30_000);
});
