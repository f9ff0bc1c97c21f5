import { describe, expect, it } from 'vitest';
import { Kind, encodeEnvelope } from '../../protocol/codec.js';
import { scanEnvelope, type EnvelopeScan } from '../load/adapters/envelope-scan.js';

const out = (): EnvelopeScan => ({ kind: -1, payloadOffset: -2, payloadLength: -3 });

describe('scanEnvelope', () => {
  it('finds kind and payload of a relay-stamped MEDIA envelope', () => {
    const payload = new Uint8Array(100).map((_, i) => i);
    const bytes = encodeEnvelope({ kind: Kind.MEDIA, from: 'participant-17', seq: 2 ** 40 + 3, track: 1, audioLevel: 40, payload });
    const s = out();
    expect(scanEnvelope(bytes, s)).toBe(true);
    expect(s.kind).toBe(Kind.MEDIA);
    expect(s.payloadLength).toBe(100);
    expect([...bytes.subarray(s.payloadOffset, s.payloadOffset + 100)]).toEqual([...payload]);
  });

  it('reads envelopes with typed bodies and no payload', () => {
    const bytes = encodeEnvelope({ kind: Kind.WELCOME, welcome: { protocolVersion: 1, meetingId: 'm', you: { id: 'p' } } });
    const s = out();
    expect(scanEnvelope(bytes, s)).toBe(true);
    expect(s.kind).toBe(Kind.WELCOME);
    expect(s.payloadOffset).toBe(-1);
  });

  it('rejects truncated and malformed bytes', () => {
    const bytes = encodeEnvelope({ kind: Kind.CHAT, from: 'p', payload: new Uint8Array(50) });
    expect(scanEnvelope(bytes.subarray(0, bytes.length - 1), out())).toBe(false);
    expect(scanEnvelope(Uint8Array.of(0x0f), out())).toBe(false); // wire type 7
    expect(scanEnvelope(Uint8Array.of(0x08), out())).toBe(false); // tag without its varint
  });
});
