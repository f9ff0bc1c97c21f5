import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, Kind } from '../../protocol/index.js';
import { restampSeq } from '../../relay/cluster/restamp-seq.js';
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
});
