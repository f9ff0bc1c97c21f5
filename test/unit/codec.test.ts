/** The codec from bytes: committed golden bytes decode to the expected typed values, for every kind. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeEnvelope, encodeEnvelope, Kind, kindName, ErrorCodes, CloseCode } from '../../protocol/index.js';
import { GOLDEN } from './fixtures/golden-envelopes.js';

const hex: Record<string, string> = JSON.parse(readFileSync(new URL('./fixtures/golden-envelopes.json', import.meta.url), 'utf8'));

/** JSON-comparable form: bytes as hex, proto3 zero values (0, false, '', []) dropped as the wire drops them. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === 0 || v === false || v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = plain(v);
    }
    return out;
  }
  return value;
}

describe('golden envelopes', () => {
  it('covers every kind of the protocol', () => {
    const kinds = Object.keys(Kind).filter((k) => Number.isNaN(Number(k)) && k !== 'KIND_UNSPECIFIED');
    expect(Object.keys(hex).sort()).toEqual(kinds.sort());
  });

  for (const [name, expected] of Object.entries(GOLDEN)) {
    it(`decodes the committed bytes of ${name}`, () => {
      const bytes = Buffer.from(hex[name]!, 'hex');
      const r = decodeEnvelope(bytes);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(kindName(r.value.kind)).toBe(name);
      expect(plain(r.value)).toEqual(plain(expected));
      // And the encoder still produces exactly those bytes.
      expect(Buffer.from(encodeEnvelope(expected)).toString('hex')).toBe(hex[name]);
    });
  }
});

describe('decoding bad bytes', () => {
  it('reports malformed bytes as a typed error, never a throw', () => {
    for (const bad of [[0xff, 0xff, 0xff], [0x0a, 0x05, 0x01], [0x08], [0x7a, 0xff, 0xff, 0xff, 0xff, 0x0f]]) {
      const r = decodeEnvelope(new Uint8Array(bad));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('RELAY_ERR_MALFORMED_FRAME');
    }
  });

  it('refuses an envelope without a kind and one with an unknown kind', () => {
    expect(decodeEnvelope(new Uint8Array([])).ok).toBe(false);
    expect(decodeEnvelope(encodeEnvelope({ kind: 999 as Kind })).ok).toBe(false);
  });

  it('decodes payloads as views without copying', () => {
    const bytes = encodeEnvelope({ kind: Kind.CHAT, payload: new Uint8Array([1, 2, 3]) });
    const r = decodeEnvelope(bytes);
    expect(r.ok && r.value.payload.buffer === bytes.buffer).toBe(true);
  });
});

describe('error registry', () => {
  it('gives every fatal error a close code in the application range or a standard one', () => {
    const closes = new Set<number>(Object.values(CloseCode));
    for (const [code, spec] of Object.entries(ErrorCodes)) {
      expect(code).toMatch(/^RELAY_ERR_[A-Z_]+$/);
      expect(spec.message.length).toBeGreaterThan(10);
      if (spec.close !== 0) expect(closes.has(spec.close)).toBe(true);
      expect(spec.close !== 0 || spec.http !== 0 || spec.message.length > 0).toBe(true);
    }
  });
});
