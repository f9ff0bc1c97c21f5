/**
 * Document lane over real sockets: offers to everyone, to one participant and to the hosts; chunks flow under the
 * relay's credit; receivers verify the SHA-256; cancel by either side; the sharer leaving; a late joiner asking
 * for a resend; a receiver that acknowledges bytes it does not read is dropped from the transfer (too_slow)
 * while the others finish; and every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { Audience, Kind } from '../../protocol/index.js';
import { meetingId, startHarness, TRANSPORTS, waitFor, type Harness } from '../helpers/relay-harness.js';
import { waitForCdr } from '../helpers/cdr-file.js';
import { DocumentError, type DocumentCancelledEvent, type EphemeraClient, type IncomingDocument } from '../../client/index.js';
import { PureSha256, toHex } from '../../client/sha256.js';
import { errorFor, fullRoster, pauseReading, recordFrames, refusal, resumeReading, roundTrip } from './lanes-helpers.js';

function sha(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** Resolves with the next document offered to `c`. */
function nextOffer(c: EphemeraClient): Promise<IncomingDocument> {
  return new Promise((resolve) => c.once('documentOffered', resolve));
}

describe.each(TRANSPORTS)('documents over %s', (transport) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(transport, { maxFramesPerSecond: 2_000, frameBurst: 4_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('shares a document with everyone: identical bytes, verified hash, counted in the CDR', async () => {
    const mid = meetingId();
    const host = await h.join(mid, 'host', { role: 'host' });
    const receivers = [await h.join(mid, 'a'), await h.join(mid, 'b'), await h.join(mid, 'c')];
    await fullRoster([host, ...receivers]);
    const doc = randomBytes(3 * 1024 * 1024 + 17);
    const offers = receivers.map(nextOffer);
    const shared = host.shareDocument(doc, { name: 'report.pdf', type: 'application/pdf' });
    const incoming = await Promise.all(offers);
    for (const d of incoming) {
      expect(d).toMatchObject({ from: 'host', name: 'report.pdf', type: 'application/pdf', size: doc.length });
      expect(toHex(d.sha256)).toBe(toHex(sha(doc)));
    }
    const got = await Promise.all(incoming.map((d) => d.receive()));
    const result = await shared;
    expect(result).toMatchObject({ size: doc.length, sha256: toHex(sha(doc)), dropped: [] });
    for (const g of got) expect(Buffer.from(g).equals(doc)).toBe(true);
    host.endMeeting();
    const cdr = await waitForCdr(h.dataDir, mid);
    expect(cdr.features).toContain('documents');
    expect(cdr.activity).toMatchObject({ documentsOffered: 1 });
    expect(cdr.lanes.document!.bytesIn).toBeGreaterThan(doc.length);
    expect(cdr.lanes.document!.bytesOut).toBeGreaterThan(3 * doc.length);
  });

  it('shares with one participant or with the hosts only; streams to a sink; reads a stream twice when given a function', async () => {
    const mid = meetingId();
    const sharer = await h.join(mid, 'sharer', { role: 'presenter' });
    const host = await h.join(mid, 'host', { role: 'host' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([sharer, host, a, b]);
    const offersTo: Record<string, string[]> = { host: [], a: [], b: [] };
    for (const [id, c] of [['host', host], ['a', a], ['b', b]] as const) c.on('documentOffered', (d) => offersTo[id]!.push(d.transferId));

    // To one participant, from a function source (hashed in a first pass), received through a sink.
    const doc = randomBytes(700_000);
    const pieces = (): Iterable<Uint8Array> => [doc.subarray(0, 1000), doc.subarray(1000, 300_000), doc.subarray(300_000)];
    const offered = nextOffer(b);
    const toB = sharer.shareDocument(pieces, { name: 'b.bin', to: 'b', transferId: 'to-b' });
    const d = await offered;
    const h2 = createHash('sha256');
    let streamed = 0;
    let lastOffset = -1;
    await d.receive(async (chunk, offset) => {
      expect(offset).toBeGreaterThan(lastOffset);
      lastOffset = offset;
      h2.update(chunk);
      streamed += chunk.length;
      await new Promise((r) => setImmediate(r));
    });
    await toB;
    expect(streamed).toBe(doc.length);
    expect(h2.digest('hex')).toBe(toHex(sha(doc)));

    // To the hosts.
    const small = randomBytes(1000);
    const hostOffer = nextOffer(host);
    const toHosts = sharer.shareDocument(small, { name: 'h.txt', hosts: true, transferId: 'to-hosts' });
    expect(Buffer.from(await (await hostOffer).receive()).equals(small)).toBe(true);
    await toHosts;

    // An empty document.
    const emptyOffer = nextOffer(a);
    const empty = sharer.shareDocument(new Uint8Array(0), { name: 'empty', to: 'a', transferId: 'empty' });
    expect((await (await emptyOffer).receive()).length).toBe(0);
    await empty;

    await roundTrip(a);
    await roundTrip(b);
    await roundTrip(host);
    expect(offersTo).toEqual({ host: ['to-hosts'], a: ['empty'], b: ['to-b'] });

    // A one-shot stream needs its size and hash up front; a stream that does not match them is not sent whole.
    await expect(sharer.shareDocument((async function* () { yield doc; })(), { name: 'x' })).rejects.toThrow(TypeError);
    const liar = nextOffer(a);
    const wrong = sharer.shareDocument((async function* () { yield doc; })(), { name: 'x', to: 'a', size: doc.length, sha256: sha(small) });
    const liarDoc = await liar;
    const liarReceive = liarDoc.receive();
    await expect(wrong).rejects.toMatchObject({ code: 'DOC_ERR_SOURCE' });
    await expect(liarReceive).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'sharer_cancelled' });
    for (const c of [sharer, host, a, b]) c.close();
  });

  it('a client with no documentOffered listener declines offers at once', async () => {
    const mid = meetingId();
    const sharer = await h.join(mid, 'sharer', { role: 'presenter' });
    const deaf = await h.join(mid, 'deaf');
    await fullRoster([sharer, deaf]);
    const started = performance.now();
    const outcome = await sharer.shareDocument(randomBytes(2 * 1024 * 1024), { name: 'x' }).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'no_receivers' });
    expect(performance.now() - started).toBeLessThan(5_000);
    for (const c of [sharer, deaf]) c.close();
  });

  it('the client falls back to a pure TypeScript SHA-256 that matches node:crypto', () => {
    for (const n of [0, 1, 55, 56, 64, 119, 1000, 100_003]) {
      const bytes = randomBytes(n);
      const p = new PureSha256();
      p.update(bytes.subarray(0, Math.floor(n / 3)));
      p.update(bytes.subarray(Math.floor(n / 3)));
      expect(toHex(p.digest())).toBe(toHex(sha(bytes)));
    }
  });

  it('cancel: by the sharer ends it for everyone; by a receiver only for that receiver; the sharer leaving ends it', async () => {
    const mid = meetingId();
    const sharer = await h.join(mid, 'sharer', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    const b = await h.join(mid, 'b');
    await fullRoster([sharer, a, b]);
    const doc = randomBytes(2 * 1024 * 1024);

    // A receiver cancels: the other one still gets everything; the sharer learns who left.
    const cancels: DocumentCancelledEvent[] = [];
    sharer.on('documentCancelled', (e) => cancels.push(e));
    const [oa, ob] = [nextOffer(a), nextOffer(b)];
    const shared = sharer.shareDocument(doc, { name: 'd', transferId: 't1' });
    const [da, db] = await Promise.all([oa, ob]);
    const gotB = db.receive();
    da.cancel();
    await expect(da.receive()).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED' });
    expect(Buffer.from(await gotB).equals(doc)).toBe(true);
    const result = await shared;
    expect(result.dropped).toEqual([{ participant: 'a', reason: 'receiver_cancelled' }]);
    expect(cancels).toEqual([{ transferId: 't1', from: 'a', reason: 'receiver_cancelled', participant: 'a' }]);

    // The sharer cancels mid-transfer: its share rejects, the transfer ends for every receiver.
    const [oa2, ob2] = [nextOffer(a), nextOffer(b)];
    const endless = function* (): Generator<Uint8Array> {
      for (let i = 0; i < 1000; i++) yield randomBytes(64 * 1024);
    };
    const big = sharer.shareDocument(endless(), { name: 'big', transferId: 't2', size: 1000 * 64 * 1024, sha256: new Uint8Array(32) });
    const [da2, db2] = await Promise.all([oa2, ob2]);
    let got2 = 0;
    const ra = da2.receive((c) => void (got2 += c.length));
    const rb = db2.receive(() => {});
    await waitFor(() => got2 > 0);
    expect(sharer.cancelDocument('t2')).toBe(true);
    await expect(big).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'sharer_cancelled' });
    await expect(ra).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'sharer_cancelled' });
    await expect(rb).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'sharer_cancelled' });
    expect(got2).toBeLessThan(1000 * 64 * 1024);

    // The sharer leaves mid-transfer.
    const [oa3] = [nextOffer(a)];
    const slowSource = async function* (): AsyncGenerator<Uint8Array> {
      yield randomBytes(100_000);
      await new Promise((r) => setTimeout(r, 60_000));
    };
    const left = sharer.shareDocument(slowSource(), { name: 'gone', to: 'a', transferId: 't3', size: 200_000, sha256: new Uint8Array(32) }).catch((e: unknown) => e);
    const da3 = await oa3;
    const ra3 = da3.receive(() => {});
    sharer.close();
    await expect(ra3).rejects.toMatchObject({ code: 'DOC_ERR_CANCELLED', reason: 'sharer_left' });
    expect(await left).toMatchObject({ code: 'DOC_ERR_CLOSED' });
    expect(await left).toBeInstanceOf(DocumentError);
    a.close();
    b.close();
  });

  it('a late joiner asks the sharer to send again; the sharer offers it to that participant', async () => {
    const mid = meetingId();
    const sharer = await h.join(mid, 'sharer', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    await fullRoster([sharer, a]);
    const doc = randomBytes(50_000);
    const oa = nextOffer(a);
    const first = sharer.shareDocument(doc, { name: 'agenda.txt', transferId: 'agenda-1' });
    await (await oa).receive();
    await first;
    const late = await h.join(mid, 'late');
    const requests: Array<{ transferId: string; from: string }> = [];
    sharer.on('documentResendRequested', (e) => {
      requests.push(e);
      void sharer.shareDocument(doc, { name: 'agenda.txt', to: e.from });
    });
    const offered = nextOffer(late);
    late.requestResend('agenda-1');
    const again = await offered;
    expect(Buffer.from(await again.receive()).equals(doc)).toBe(true);
    expect(requests).toEqual([{ transferId: 'agenda-1', from: 'late' }]);
    expect(await refusal(late, () => late.requestResend('never-offered'))).toBe('RELAY_ERR_UNKNOWN_TRANSFER');
    expect(await refusal(sharer, () => sharer.requestResend('agenda-1'))).toBe('RELAY_ERR_UNKNOWN_TARGET');
    for (const c of [sharer, a, late]) c.close();
  });

  it('refuses offers and chunks the rules do not allow', async () => {
    const mid = meetingId();
    const sharer = await h.join(mid, 'sharer', { role: 'presenter' });
    const a = await h.join(mid, 'a');
    const nodoc = await h.join(mid, 'nodoc', { capabilities: ['chat'] });
    await fullRoster([sharer, a, nodoc]);
    const framesA = recordFrames(a);
    // a acknowledges by hand below: it takes offers without receive() (with no listener the SDK declines them).
    a.on('documentOffered', () => {});
    const sha256 = new Uint8Array(32);

    // No document capability: the share fails with the relay's code, nothing reaches anyone.
    await expect(nodoc.shareDocument(randomBytes(10), { name: 'x' })).rejects.toMatchObject({ code: 'DOC_ERR_REFUSED', reason: 'RELAY_ERR_NOT_PERMITTED' });
    await expect(sharer.shareDocument(randomBytes(10), { name: 'x', to: 'ghost' })).rejects.toMatchObject({ reason: 'RELAY_ERR_UNKNOWN_TARGET' });
    const offer = (docOffer: Record<string, unknown>, extra: Record<string, unknown> = {}): number =>
      sharer.send({ kind: Kind.DOC_OFFER, docOffer, ...extra });
    expect(await refusal(sharer, () => offer({ transferId: 'bad', size: 10, sha256: new Uint8Array(10), chunkSize: 10 }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(sharer, () => offer({ transferId: '', size: 10, sha256, chunkSize: 10 }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(sharer, () => offer({ transferId: 'big-chunks', size: 10, sha256, chunkSize: 10_000_000 }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(sharer, () => offer({ transferId: 'self', size: 10, sha256, chunkSize: 10 }, { audience: Audience.ONE, to: 'sharer' }))).toBe('RELAY_ERR_UNKNOWN_TARGET');

    // A raw transfer: credit arrives, chunks must follow the rules.
    const credits: number[] = [];
    sharer.on('frame', (f) => f.kind === Kind.DOC_CREDIT && f.docCredit?.transferId === 'raw' && credits.push(f.docCredit.allowed ?? 0));
    const size = 4 * 1024 * 1024;
    offer({ transferId: 'raw', size, sha256, chunkSize: 64 * 1024 }, { audience: Audience.ONE, to: 'a' });
    await waitFor(() => credits.length === 1);
    const window = credits[0]!;
    expect(window).toBeGreaterThan(0);
    expect(window).toBeLessThan(size);
    expect(await refusal(sharer, () => offer({ transferId: 'raw', size: 10, sha256, chunkSize: 10 }, { audience: Audience.ONE, to: 'a' }))).toBe('RELAY_ERR_BAD_REQUEST');
    const chunk = (offset: number, length: number, last = false, from = sharer, id = 'raw'): number =>
      from.send({ kind: Kind.DOC_CHUNK, docChunk: { transferId: id, offset, last }, payload: new Uint8Array(length) });
    expect(await refusal(sharer, () => chunk(100, 10))).toBe('RELAY_ERR_BAD_REQUEST'); // not where the last one ended
    expect(await refusal(sharer, () => chunk(0, 128 * 1024))).toBe('RELAY_ERR_BAD_REQUEST'); // above the chunk size
    expect(await refusal(sharer, () => chunk(0, 10, true))).toBe('RELAY_ERR_BAD_REQUEST'); // last before the end
    expect(await refusal(a, () => chunk(0, 10, false, a))).toBe('RELAY_ERR_NOT_PERMITTED'); // not the sharer
    expect(await refusal(sharer, () => chunk(0, 10, false, sharer, 'nope'))).toBe('RELAY_ERR_UNKNOWN_TRANSFER');
    let offset = 0;
    while (offset + 64 * 1024 <= window) {
      chunk(offset, 64 * 1024);
      offset += 64 * 1024;
    }
    // Past the credit: a receiver that has not acknowledged anything holds the sharer at the window.
    expect(await refusal(sharer, () => chunk(offset, 64 * 1024))).toBe('RELAY_ERR_WINDOW_EXCEEDED');
    // Acks: only up to what was forwarded; unknown ids refused; the credit moves with the ack.
    expect(await refusal(a, () => a.send({ kind: Kind.DOC_ACK, docAck: { transferId: 'raw', received: offset + 1 } }))).toBe('RELAY_ERR_BAD_REQUEST');
    expect(await refusal(a, () => a.send({ kind: Kind.DOC_ACK, docAck: { transferId: 'nope', received: 1 } }))).toBe('RELAY_ERR_UNKNOWN_TRANSFER');
    a.send({ kind: Kind.DOC_ACK, docAck: { transferId: 'raw', received: offset } });
    await waitFor(() => credits.length === 2);
    expect(credits[1]).toBe(Math.min(size, offset + window));
    chunk(offset, 64 * 1024);
    await roundTrip(sharer);
    expect(await refusal(a, () => a.send({ kind: Kind.DOC_CANCEL, docCancel: { transferId: 'nope' } }))).toBe('RELAY_ERR_UNKNOWN_TRANSFER');
    // The receiver got the offer and exactly the chunks that were accepted, payloads untouched.
    await roundTrip(a);
    const chunks = framesA.filter((f) => f.kind === Kind.DOC_CHUNK);
    expect(framesA.filter((f) => f.kind === Kind.DOC_OFFER).map((f) => f.docOffer?.transferId)).toEqual(['raw']);
    expect(chunks.map((f) => f.docChunk?.offset)).toEqual(Array.from({ length: offset / (64 * 1024) + 1 }, (_, i) => i * 64 * 1024));
    expect(chunks.every((f) => f.from === 'sharer' && f.payload.length === 64 * 1024)).toBe(true);
    expect(framesA.some((f) => f.kind === Kind.DOC_CREDIT)).toBe(false);
    const refErr = errorFor(sharer, sharer.send({ kind: Kind.DOC_CREDIT, docCredit: { transferId: 'raw', allowed: 1 } }));
    expect((await refErr).code).toBe('RELAY_ERR_UNKNOWN_KIND');
    for (const c of [sharer, a, nodoc]) c.close();
  });

  it('drops a receiver that acknowledges bytes it does not read (backlog bound) while the others finish', async () => {
    const small = await startHarness(transport, {
      maxFramesPerSecond: 5_000,
      frameBurst: 10_000,
      maxReliableBacklogBytes: 256 * 1024,
      lossyDropBytes: 64 * 1024,
    });
    try {
      const mid = meetingId();
      const sharer = await small.join(mid, 'sharer', { role: 'presenter' });
      const honest = await small.join(mid, 'honest');
      const liar = await small.join(mid, 'liar');
      await fullRoster([sharer, honest, liar]);
      const doc = randomBytes(48 * 1024 * 1024);
      const [oh, ol] = [nextOffer(honest), nextOffer(liar)];
      const shared = sharer.shareDocument(doc, { name: 'big', transferId: 'lie' });
      const [dh, dl] = await Promise.all([oh, ol]);
      // The liar stops reading but acknowledges whatever the honest receiver has received.
      pauseReading(liar);
      let honestReceived = 0;
      const hash = createHash('sha256');
      const done = dh.receive((c) => {
        hash.update(c);
        honestReceived += c.length;
      });
      let lastAck = 0;
      const acker = setInterval(() => {
        if (honestReceived > lastAck) {
          lastAck = honestReceived;
          liar.send({ kind: Kind.DOC_ACK, docAck: { transferId: 'lie', received: lastAck } });
        }
      }, 2);
      const liarEvents: DocumentCancelledEvent[] = [];
      liar.on('documentCancelled', (e) => liarEvents.push(e));
      try {
        await done;
      } finally {
        clearInterval(acker);
      }
      const result = await shared;
      expect(hash.digest('hex')).toBe(toHex(sha(doc)));
      expect(result.dropped).toEqual([{ participant: 'liar', reason: 'too_slow' }]);
      // Dropped from the transfer, not disconnected: once it reads again it learns why and stays in the meeting.
      resumeReading(liar);
      await waitFor(() => liarEvents.length === 1, 10_000, 'the liar to read its cancel');
      expect(liarEvents[0]).toMatchObject({ transferId: 'lie', reason: 'too_slow', participant: '' });
      void dl;
      await roundTrip(liar);
      expect(liar.isClosed).toBe(false);
      for (const c of [sharer, honest, liar]) c.close();
    } finally {
      await small.close();
    }
  });
});
