/** The hot-path forward encoder writes exactly what protobufjs writes, for any field values. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, Kind } from '../../protocol/index.js';
import { encodeForwardFrame, releaseForwardFrame, utf8Bytes } from '../../protocol/forward-frame.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('encodeForwardFrame', () => {
  it('is byte-identical to encodeEnvelope for arbitrary MEDIA and CHAT frames', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(Kind.MEDIA, Kind.CHAT),
        fc.string({ maxLength: 40 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(0, 1, 2),
        fc.string({ maxLength: 20 }),
        u32,
        fc.boolean(),
        u32,
        fc.integer({ min: 0, max: 127 }),
        fc.uint8Array({ maxLength: 3000 }),
        (kind, from, seq, audience, to, track, keyframe, timestamp, audioLevel, payload) => {
          const fast = encodeForwardFrame({ kind, from: utf8Bytes(from), seq, audience, to: utf8Bytes(to), track, keyframe, timestamp, audioLevel, payload });
          const slow = encodeEnvelope({ kind, from, seq, audience, to, track, keyframe, timestamp, audioLevel, payload });
          expect(Buffer.from(fast).equals(Buffer.from(slow))).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('handles frames larger than its scratch buffer', () => {
    const payload = new Uint8Array(300 * 1024).fill(9);
    const frame = encodeForwardFrame({ kind: Kind.MEDIA, from: utf8Bytes('a'), seq: 1, audience: 0, to: null, track: 1, keyframe: false, timestamp: 0, audioLevel: 0, payload });
    const r = decodeEnvelope(frame);
    expect(r.ok && r.value.payload.length).toBe(payload.length);
  });

  it('zeroes the content it held once released', () => {
    const payload = new Uint8Array([0xca, 0xfe, 0xba, 0xbe]);
    const frame = encodeForwardFrame({ kind: Kind.CHAT, from: utf8Bytes('a'), seq: 5, audience: 0, to: null, track: 0, keyframe: false, timestamp: 0, audioLevel: 0, payload });
    releaseForwardFrame(frame);
    expect(frame.every((b) => b === 0)).toBe(true);
  });
});
