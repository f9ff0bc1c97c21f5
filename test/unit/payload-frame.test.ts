/**
 * The content-frame encoder (POLL_OPEN, DOC_OFFER, DOC_CHUNK) writes exactly what protobufjs writes, copies the
 * payload only into its own scratch (never into Node's shared Buffer pool), and leaves nothing after release.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, Kind, type EnvelopeInit } from '../../protocol/index.js';
import { encodePayloadFrame, releasePayloadFrame, type PayloadFrameFields } from '../../protocol/payload-frame.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const id = fc.string({ minLength: 1, maxLength: 40 });

/** The three content frames the relay builds, with arbitrary metadata. */
const fields: fc.Arbitrary<PayloadFrameFields> = fc.oneof(
  fc.record({
    kind: fc.constant(Kind.POLL_OPEN),
    from: fc.string({ maxLength: 40 }),
    seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    pollOpen: fc.record({ pollId: id, optionCounts: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), anonymous: fc.boolean(), multipleChoice: fc.boolean() }),
  }),
  fc.record({
    kind: fc.constant(Kind.DOC_OFFER),
    from: fc.string({ maxLength: 40 }),
    seq: u32,
    audience: fc.constantFrom(0, 1, 2),
    to: fc.string({ maxLength: 20 }),
    docOffer: fc.record({ transferId: id, size: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }), chunkSize: u32 }),
  }),
  fc.record({
    kind: fc.constant(Kind.DOC_CHUNK),
    from: fc.string({ maxLength: 40 }),
    seq: u32,
    audience: fc.constantFrom(0, 1, 2),
    to: fc.string({ maxLength: 20 }),
    ref: u32,
    docChunk: fc.record({ transferId: id, offset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), last: fc.boolean() }),
  }),
);

describe('encodePayloadFrame', () => {
  it('is byte-identical to encodeEnvelope for arbitrary POLL_OPEN, DOC_OFFER and DOC_CHUNK frames', () => {
    fc.assert(
      fc.property(fields, fc.uint8Array({ maxLength: 5000 }), (f, payload) => {
        const frame = encodePayloadFrame(f, payload);
        const expected = encodeEnvelope({ ...f, payload } as EnvelopeInit);
        expect(Buffer.from(frame).equals(Buffer.from(expected))).toBe(true);
        releasePayloadFrame(frame);
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes the payload only into memory of its own, outside Node\'s Buffer pool, and zeroes it on release', () => {
    const marker = Buffer.from('payload-frame-marker-0123456789');
    const frame = encodePayloadFrame({ kind: Kind.POLL_OPEN, from: 'host', seq: 7, pollOpen: { pollId: 'p', optionCounts: [2] } }, marker);
    // Not a slice of the shared pool (an 8 KiB ArrayBuffer that other Buffers share): the relay owns this memory.
    expect(frame.buffer.byteLength).not.toBe(Buffer.poolSize);
    expect(Buffer.from(frame.buffer).includes(marker)).toBe(true);
    releasePayloadFrame(frame);
    expect(Buffer.from(frame.buffer).includes(marker)).toBe(false);
    expect(frame.every((b) => b === 0)).toBe(true);
  });

  it('handles payloads larger than its scratch buffer', () => {
    const payload = new Uint8Array(300 * 1024).fill(9);
    const frame = encodePayloadFrame({ kind: Kind.DOC_CHUNK, from: 'a', seq: 1, docChunk: { transferId: 't', offset: 0, last: true } }, payload);
    const r = decodeEnvelope(frame);
    expect(r.ok && r.value.payload.length).toBe(payload.length);
    expect(r.ok && r.value.docChunk?.last).toBe(true);
    releasePayloadFrame(frame);
  });
});
