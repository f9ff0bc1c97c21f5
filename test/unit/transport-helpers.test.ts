/** The transports' pure helpers: frame building, address text, close frames, options, HTTP refusals. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { closeReason, isSendableCloseCode, sendableCloseCode } from '../../relay/transport/close-frame.js';
import { INTERNAL_REFUSAL, rawHttpResponse, refusalJson, refusalStatus, statusLine } from '../../relay/transport/http-refusal.js';
import { addressFromBinary, normalizeAddress } from '../../relay/transport/remote-address.js';
import { resolveTransportOptions } from '../../relay/transport/transport-options.js';
import { uwsIdleTimeout } from '../../relay/transport/uws-transport.js';
import { buildBinaryFrame, frameHeaderLength } from '../../relay/transport/ws-frame.js';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
const require = createRequire(import.meta.url);
// @types/ws does not declare the Sender class; ws exports it.
const { Sender } = require('ws') as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

function bytes(...values: number[]): ArrayBuffer {
  return Uint8Array.from(values).buffer;
}

describe('buildBinaryFrame', () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 70_000])('matches ws Sender.frame for %i payload bytes', (length) => {
    const payload = Buffer.from(Array.from({ length }, (_, i) => (i * 7) & 0xff));
    const expected = Buffer.concat(Sender.frame(payload, { fin: true, opcode: 2, mask: false, readOnly: false, rsv1: false }));
    const frame = buildBinaryFrame(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    expect(frame.equals(expected)).toBe(true);
    expect(frame.length - length).toBe(frameHeaderLength(length));
  });

  it('copies the payload, so the caller may reuse its buffer', () => {
    const payload = Uint8Array.of(1, 2, 3, 4);
    const frame = buildBinaryFrame(payload.subarray(1, 3));
    payload.fill(0);
    expect([...frame]).toEqual([0x82, 2, 2, 3]);
  });
});

describe('remote addresses', () => {
  it('formats binary IPv4, IPv4-mapped IPv6 and IPv6 in RFC 5952 form', () => {
    expect(addressFromBinary(bytes(127, 0, 0, 1))).toBe('127.0.0.1');
    expect(addressFromBinary(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 20))).toBe('192.168.1.20');
    expect(addressFromBinary(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe('::1');
    expect(addressFromBinary(new Uint8Array(16).buffer)).toBe('::');
    expect(addressFromBinary(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe('2001:db8::1');
    // Longest run wins; the first on a tie; a single zero group is not compressed.
    expect(addressFromBinary(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1))).toBe('2001:db8::1:0:0:1');
    expect(addressFromBinary(bytes(0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1))).toBe('2001::1:0:0:1:1');
    expect(addressFromBinary(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1))).toBe('2001:db8:0:1:1:1:1:1');
    expect(addressFromBinary(bytes(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toBe('fe80::');
    expect(addressFromBinary(new ArrayBuffer(0))).toBe('');
  });

  it('normalises Node socket addresses the same way', () => {
    expect(normalizeAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress(undefined)).toBe('');
  });
});

describe('close frames', () => {
  it('keeps sendable codes and replaces the others with 4009', () => {
    for (const code of [1000, 1001, 1009, 1011, 3000, 4003, 4999]) expect(sendableCloseCode(code)).toBe(code);
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 4000.5]) {
      expect(isSendableCloseCode(code)).toBe(false);
      expect(sendableCloseCode(code)).toBe(4009);
    }
  });

  it('cuts reasons to 123 UTF-8 bytes at a character boundary', () => {
    expect(closeReason('slow consumer')).toBe('slow consumer');
    expect(closeReason('a'.repeat(123))).toBe('a'.repeat(123));
    expect(closeReason('a'.repeat(200))).toBe('a'.repeat(123));
    const emoji = closeReason('😀'.repeat(40));
    expect(Buffer.byteLength(emoji)).toBe(120);
    expect(emoji).toBe('😀'.repeat(30));
  });
});

describe('transport options', () => {
  const good = {
    host: '127.0.0.1',
    port: 0,
    maxPayloadBytes: 1024,
    maxBackpressureBytes: 65536,
    idleTimeoutSeconds: 0,
    closeTimeoutMs: 1000,
  };

  it('returns a frozen copy of good options', () => {
    const o = resolveTransportOptions('t', good);
    expect(o).toEqual(good);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it.each([
    ['host', ''],
    ['port', -1],
    ['port', 65536],
    ['maxPayloadBytes', 0],
    ['maxPayloadBytes', 1.5],
    ['maxBackpressureBytes', 2 ** 31 + 1],
    ['idleTimeoutSeconds', -1],
    ['closeTimeoutMs', 0],
    ['closeTimeoutMs', Number.NaN],
  ])('throws naming options.%s for %s', (key, value) => {
    expect(() => resolveTransportOptions('t', { ...good, [key]: value })).toThrow(new RegExp(`options\\.${key}`));
  });

  it('checks that the TLS files are readable', () => {
    expect(() => resolveTransportOptions('t', { ...good, tls: { certFile: '/no/such/cert.pem', keyFile: '/no/such/key.pem' } })).toThrow(
      /options\.tls\.certFile is not a readable file/,
    );
  });
});

describe('uWS idle timeout', () => {
  it('maps seconds to what uWS accepts (0 or 8..960)', () => {
    expect(uwsIdleTimeout(0)).toBe(0);
    expect(uwsIdleTimeout(1)).toBe(8);
    expect(uwsIdleTimeout(7)).toBe(8);
    expect(uwsIdleTimeout(8)).toBe(8);
    expect(uwsIdleTimeout(60)).toBe(60);
    expect(uwsIdleTimeout(961)).toBe(960);
    expect(uwsIdleTimeout(86_400)).toBe(960);
  });
});

describe('HTTP refusals', () => {
  it('keeps error statuses and turns anything else into 500', () => {
    expect(refusalStatus(401)).toBe(401);
    expect(refusalStatus(503)).toBe(503);
    expect(refusalStatus(200)).toBe(500);
    expect(refusalStatus(101)).toBe(500);
    expect(refusalStatus(600)).toBe(500);
  });

  it('writes standard status texts and a complete raw response', () => {
    expect(statusLine(403)).toBe('403 Forbidden');
    expect(statusLine(426)).toBe('426 Upgrade Required');
    const json = refusalJson({ code: 'X', message: 'é' });
    const raw = rawHttpResponse(401, json);
    expect(raw.startsWith('HTTP/1.1 401 Unauthorized\r\n')).toBe(true);
    expect(raw).toContain('Content-Type: application/json\r\n');
    expect(raw).toContain(`Content-Length: ${Buffer.byteLength(json)}\r\n`);
    expect(raw.endsWith(`\r\n\r\n${json}`)).toBe(true);
  });

  it('replaces a body JSON cannot hold with the internal-error body', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(refusalJson(cyclic))).toEqual(INTERNAL_REFUSAL.body);
    expect(JSON.parse(refusalJson({ n: 1n } as unknown as Record<string, unknown>))).toEqual(INTERNAL_REFUSAL.body);
  });
});
