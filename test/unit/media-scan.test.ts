/** The hot-path MEDIA reader agrees with protobufjs on every frame it accepts, and passes anything unusual on. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEnvelope, encodeEnvelope, Kind } from '../../protocol/index.js';
import { releaseMediaEnvelope, scanMediaEnvelope } from '../../protocol/media-scan.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** The fields both readers must agree on, from protobufjs. */
function slowFields(bytes: Uint8Array): object | null {
  const r = decodeEnvelope(bytes);
  if (!r.ok) return null;
  const e = r.value;
  return { kind: e.kind, track: e.track, keyframe: e.keyframe, timestamp: e.timestamp, audioLevel: e.audioLevel, ref: e.ref, payload: [...e.payload] };
}

function fastFields(bytes: Uint8Array): object | null {
  const m = scanMediaEnvelope(bytes);
  if (m === null) return null;
  return { kind: Kind.MEDIA, track: m.track, keyframe: m.keyframe, timestamp: m.timestamp, audioLevel: m.audioLevel, ref: m.ref, payload: [...m.payload] };
}

describe('scanMediaEnvelope', () => {
  it('reads every media frame a client encodes exactly as protobufjs does', () => {
    fc.assert(
      fc.property(u32, fc.boolean(), u32, fc.integer({ min: 0, max: 127 }), u32, fc.uint8Array({ maxLength: 2000 }), (track, keyframe, timestamp, audioLevel, ref, payload) => {
        const bytes = encodeEnvelope({ kind: Kind.MEDIA, track, keyframe, timestamp, audioLevel, ref, payload });
        const fast = fastFields(bytes);
        expect(fast).not.toBeNull();
        expect(fast).toEqual(slowFields(bytes));
      }),
      { numRuns: 2_000 },
    );
  });

  it('never accepts bytes protobufjs reads differently (random bytes and mutated media frames)', () => {
    const mutated = fc
      .tuple(u32, fc.uint8Array({ maxLength: 64 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(80))
      .map(([track, payload, edits, cut]) => {
        const b = encodeEnvelope({ kind: Kind.MEDIA, track, timestamp: 7, payload });
        for (const [at, v] of edits) b[at % b.length] = v;
        return b.subarray(0, Math.max(1, b.length - (cut % 4)));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), mutated), (bytes) => {
        const fast = fastFields(bytes);
        if (fast !== null) expect(fast).toEqual(slowFields(bytes));
      }),
      { numRuns: 20_000 },
    );
  });

  it('passes other kinds, other fields and long varints to the full decoder', () => {
    expect(scanMediaEnvelope(encodeEnvelope({ kind: Kind.CHAT, payload: new Uint8Array([1]) }))).toBeNull();
    expect(scanMediaEnvelope(encodeEnvelope({ kind: Kind.MEDIA, track: 1, to: 'x' }))).toBeNull();
    expect(scanMediaEnvelope(encodeEnvelope({ kind: Kind.MEDIA, trackInfo: { id: 1 } }))).toBeNull();
    // kind as a 10-byte negative varint
    expect(scanMediaEnvelope(encodeEnvelope({ kind: -1 as Kind }))).toBeNull();
    // a truncated payload
    const b = encodeEnvelope({ kind: Kind.MEDIA, track: 1, payload: new Uint8Array(10) });
    expect(scanMediaEnvelope(b.subarray(0, b.length - 1))).toBeNull();
  });

  it('lets go of the frame bytes once released', () => {
    const m = scanMediaEnvelope(encodeEnvelope({ kind: Kind.MEDIA, track: 1, payload: new Uint8Array([1, 2, 3]) }));
    expect(m?.payload.length).toBe(3);
    releaseMediaEnvelope();
    expect(m?.payload.length).toBe(0);
  });
});
