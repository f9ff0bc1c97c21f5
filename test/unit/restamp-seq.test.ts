import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, Kind } from '../../protocol/index.js';
import { copyPadded, restampSeq, seqPadding, SEQ_WIDTH } from '../../relay/cluster/restamp-seq.js';
import { decodeMessage, encodeMessage, MsgType } from '../../relay/cluster/cluster-codec.js';
import { peekKindAndSeq } from '../../relay/meeting/resume-window.js';

function counter(start: number): { next: number; nextSeq(): number } {
  return { next: start, nextSeq() { return this.next++; } };
}

describe('restampSeq (a frame from another relay gets this relay\'s seq)', () => {
  it('changes only the seq: in place when it fits (padded varint), else one copy; payload untouched', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 20 }), (oldSeq, newSeq, payload, from) => {
        const frame = encodeEnvelope({ kind: Kind.CHAT, from, seq: oldSeq, payload });
        const c = counter(newSeq);
        const out = restampSeq(frame, c);
        expect(c.next).toBe(newSeq + 1);
        const d = decodeEnvelope(out);
        expect(d.ok).toBe(true);
        if (!d.ok) return;
        expect(d.value.seq).toBe(newSeq);
        expect(d.value.from).toBe(from);
        expect(Buffer.from(d.value.payload ?? new Uint8Array(0)).equals(Buffer.from(payload))).toBe(true);
        const peek = { kind: 0, seq: 0 };
        expect(peekKindAndSeq(out, peek)).toBe(true);
        expect(peek).toEqual({ kind: Kind.CHAT, seq: newSeq });
        if (out !== frame) expect(out.length).toBeGreaterThan(frame.length);
        else expect(out.length).toBe(frame.length);
      }),
      { numRuns: 500 },
    );
  });

  it('a frame without a seq takes none and is left as is', () => {
    const frame = encodeEnvelope({ kind: Kind.DOC_RESEND, from: 'a', docResend: { transferId: 't' } });
    const copy = Uint8Array.from(frame);
    const c = counter(7);
    expect(restampSeq(frame, c)).toBe(frame);
    expect(c.next).toBe(7);
    expect(Buffer.from(frame).equals(Buffer.from(copy))).toBe(true);
  });

  it('garbage is left as is and takes no seq', () => {
    const c = counter(1);
    const junk = Uint8Array.from([0x18, 0xff, 0xff]);
    expect(restampSeq(junk, c)).toBe(junk);
    expect(c.next).toBe(1);
  });

  it('a frame crossing NATS carries a padded seq: it decodes the same, and any seq below 2^35 is then stamped in place', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 34 }), fc.integer({ min: 1, max: 2 ** 35 - 1 }), fc.uint8Array({ maxLength: 200 }), (oldSeq, newSeq, payload) => {
        const frame = encodeEnvelope({ kind: Kind.CHAT, from: 'p', seq: oldSeq, payload });
        const pad = seqPadding(frame);
        const out = new Uint8Array(frame.length + pad);
        copyPadded(frame, out, 0, pad);
        const d = decodeEnvelope(out);
        expect(d.ok && d.value.seq).toBe(oldSeq);
        const msg = decodeMessage(encodeMessage(MsgType.ALL, 'chat', 0, 1, new TextEncoder().encode('r0'), new Uint8Array(0), frame))!;
        expect(Buffer.from(msg.body).equals(Buffer.from(out))).toBe(true);
        expect(restampSeq(msg.body, counter(newSeq))).toBe(msg.body);
        const e = decodeEnvelope(msg.body);
        expect(e.ok && e.value.seq).toBe(newSeq);
        expect(e.ok && Buffer.from(e.value.payload ?? new Uint8Array(0)).equals(Buffer.from(payload))).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(SEQ_WIDTH).toBe(5);
  });
});
