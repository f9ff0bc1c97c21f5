/**
 * Property tests of the codec (protocol/codec.ts), the relay's first contact with untrusted bytes:
 * - any byte string decodes to a typed value or a typed error (ProtocolDecodeError, RELAY_ERR_MALFORMED_FRAME),
 *   nothing is thrown, no error message carries the bytes, and a decoded envelope always has a known kind;
 * - the same for mutations of valid frames (bit flips, truncations, splices, deep nesting), which reach far
 *   deeper into the decoder than random bytes do;
 * - arbitrary valid envelopes (every kind, every body, payloads up to 4 KiB) round-trip: decode(encode(x)) has
 *   x's fields, and encoding the decoded value gives the same bytes;
 * - decoded payloads are views of the input (the relay forwards them without a copy it would have to wipe).
 * Seeded (EPHEMERA_FUZZ_SEED to replay a failure) and bounded by run counts: about a second per property.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeChatMessage,
  decodeDocumentInfo,
  decodeEnvelope,
  decodePollText,
  encodeChatMessage,
  encodeDocumentInfo,
  encodeEnvelope,
  encodePollText,
  Kind,
  ProtocolDecodeError,
  type DecodeResult,
  type EnvelopeInit,
} from '../../protocol/index.js';

const SEED = Number(process.env.EPHEMERA_FUZZ_SEED ?? 0x5eed);
const RUNS = 2_000;
const params = (numRuns = RUNS): fc.Parameters<unknown> => ({ seed: SEED, numRuns });

const KINDS = Object.values(Kind).filter((k): k is number => typeof k === 'number' && k !== 0);
const DECODERS: ReadonlyArray<readonly [string, (b: Uint8Array) => DecodeResult<unknown>]> = [
  ['envelope', decodeEnvelope],
  ['chat message', decodeChatMessage],
  ['poll text', decodePollText],
  ['document info', decodeDocumentInfo],
];

/** Fails the property with a message (plain checks: expect() is too slow for thousands of runs). */
function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

/** A decode result is either a value or a ProtocolDecodeError that names no byte of the input. */
function checkResult(r: DecodeResult<unknown>, input: Uint8Array, name: string): void {
  if (r.ok) return;
  check(r.error instanceof ProtocolDecodeError, `${name}: error is not a ProtocolDecodeError`);
  check(r.error.code === 'RELAY_ERR_MALFORMED_FRAME', `${name}: error code ${r.error.code}`);
  // A fixed sentence: it cannot carry content.
  check(/^malformed [a-z ]+$/.test(r.error.message), `${name}: error message ${JSON.stringify(r.error.message)}`);
}

function decodeAll(bytes: Uint8Array): void {
  for (const [name, decode] of DECODERS) {
    let r: DecodeResult<unknown>;
    try {
      r = decode(bytes);
    } catch (err) {
      throw new Error(`${name} decoder threw ${String(err)}`);
    }
    checkResult(r, bytes, name);
  }
  const env = decodeEnvelope(bytes);
  if (env.ok) check(KINDS.includes(env.value.kind), `decoded an unknown kind ${env.value.kind}`);
}

// ---- arbitraries for valid envelopes ----
const text = (maxLength = 24): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', maxLength });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const participant = fc.record(
  { id: text(), role: fc.constantFrom('host', 'presenter', 'attendee'), capabilities: fc.array(text(8), { maxLength: 6 }), displayName: text(), joinedAt: u64 },
  { requiredKeys: [] },
);
const track = fc.record({ id: u32, source: fc.integer({ min: 0, max: 3 }), codec: text(8), publisher: text() }, { requiredKeys: [] });

/** One `body` variant of the oneof (or none), with arbitrary fields. */
const body: fc.Arbitrary<Partial<EnvelopeInit>> = fc.oneof(
  fc.constant({}),
  fc.record({
    welcome: fc.record(
      {
        protocolVersion: u32,
        meetingId: text(),
        you: participant,
        roster: fc.array(participant, { maxLength: 4 }),
        relayNode: text(),
        limits: fc.record({ maxFrameBytes: u32, maxFramesPerSecond: u32, idleTimeoutMs: u32, maxReliableBacklogBytes: u32 }, { requiredKeys: [] }),
        startedAt: u64,
        tracks: fc.array(track, { maxLength: 3 }),
        locked: fc.boolean(),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ roster: fc.record({ change: fc.integer({ min: 0, max: 2 }), participant, reason: text() }, { requiredKeys: [] }) }),
  fc.record({ error: fc.record({ code: text(), message: text(), closeCode: u32, ref: u32 }, { requiredKeys: [] }) }),
  fc.record({ leave: fc.record({ reason: text() }, { requiredKeys: [] }) }),
  fc.record({ hostControl: fc.record({ action: fc.integer({ min: 0, max: 7 }), target: text(), bar: fc.boolean(), track: u32 }, { requiredKeys: [] }) }),
  fc.record({ meetingEnded: fc.record({ reason: text() }, { requiredKeys: [] }) }),
  fc.record({ pollOpen: fc.record({ pollId: text(), optionCounts: fc.array(u32, { maxLength: 5 }), anonymous: fc.boolean(), multipleChoice: fc.boolean() }, { requiredKeys: [] }) }),
  fc.record({
    pollAnswer: fc.record(
      { pollId: text(), choices: fc.array(fc.record({ question: u32, options: fc.array(u32, { maxLength: 4 }) }, { requiredKeys: [] }), { maxLength: 4 }) },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ pollClose: fc.record({ pollId: text() }, { requiredKeys: [] }) }),
  fc.record({
    pollTally: fc.record(
      {
        pollId: text(),
        questions: fc.array(fc.record({ counts: fc.array(u32, { maxLength: 5 }) }, { requiredKeys: [] }), { maxLength: 4 }),
        answers: u32,
        closed: fc.boolean(),
        answeredBy: fc.array(text(), { maxLength: 4 }),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({ docOffer: fc.record({ transferId: text(), size: u64, sha256: bytes(32), chunkSize: u32 }, { requiredKeys: [] }) }),
  fc.record({ docChunk: fc.record({ transferId: text(), offset: u64, last: fc.boolean() }, { requiredKeys: [] }) }),
  fc.record({ docAck: fc.record({ transferId: text(), received: u64 }, { requiredKeys: [] }) }),
  fc.record({ docCancel: fc.record({ transferId: text(), reason: text(), participant: text() }, { requiredKeys: [] }) }),
  fc.record({ docResend: fc.record({ transferId: text() }, { requiredKeys: [] }) }),
  fc.record({ docCredit: fc.record({ transferId: text(), allowed: u64 }, { requiredKeys: [] }) }),
  fc.record({ trackInfo: track }),
  fc.record({ subscription: fc.record({ publisher: text(), track: u32 }, { requiredKeys: [] }) }),
  fc.record({ keyframeRequest: fc.record({ track: u32 }, { requiredKeys: [] }) }),
  fc.record({ activeSpeakers: fc.record({ participants: fc.array(text(), { maxLength: 3 }) }, { requiredKeys: [] }) }),
) as fc.Arbitrary<Partial<EnvelopeInit>>;

const envelope: fc.Arbitrary<EnvelopeInit> = fc
  .tuple(
    fc.constantFrom(...KINDS),
    fc.record(
      { from: text(), seq: u64, audience: fc.integer({ min: 0, max: 2 }), to: text(), track: u32, keyframe: fc.boolean(), timestamp: u32, audioLevel: fc.integer({ min: 0, max: 127 }), ref: u32, payload: bytes(4096) },
      { requiredKeys: [] },
    ),
    body,
  )
  .map(([kind, fields, b]) => ({ kind, ...fields, ...b }) as EnvelopeInit);

/** JSON-comparable form: bytes as hex, proto3 zero values dropped as the wire drops them. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.length === 0 ? undefined : Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const v = plain((value as Record<string, unknown>)[key]);
      if (v === 0 || v === false || v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      out[key] = v;
    }
    return out;
  }
  return value;
}

/** Valid frames to mutate: one encoding of every kind with typical fields. */
const CORPUS: Uint8Array[] = [
  encodeEnvelope({ kind: Kind.CHAT, audience: 1, to: 'bob', ref: 7, payload: encodeChatMessage({ text: 'hello there', sentAt: Date.now() }) }),
  encodeEnvelope({ kind: Kind.MEDIA, track: 3, keyframe: true, timestamp: 90_000, audioLevel: 40, payload: new Uint8Array(300).fill(0x5a) }),
  encodeEnvelope({ kind: Kind.PING, ref: 1 }),
  encodeEnvelope({ kind: Kind.HOST_CONTROL, hostControl: { action: 2, target: 'mallory', bar: true } }),
  encodeEnvelope({ kind: Kind.POLL_OPEN, pollOpen: { pollId: 'p1', optionCounts: [3, 2] }, payload: encodePollText({ questions: [{ text: 'q?', options: ['a', 'b', 'c'] }] }) }),
  encodeEnvelope({ kind: Kind.POLL_ANSWER, pollAnswer: { pollId: 'p1', choices: [{ question: 0, options: [1] }] } }),
  encodeEnvelope({ kind: Kind.DOC_OFFER, docOffer: { transferId: 't1', size: 1_000_000, sha256: new Uint8Array(32).fill(1), chunkSize: 65536 }, payload: encodeDocumentInfo({ name: 'a.pdf', mediaType: 'application/pdf' }) }),
  encodeEnvelope({ kind: Kind.DOC_CHUNK, docChunk: { transferId: 't1', offset: 65536 }, payload: new Uint8Array(500).fill(3) }),
  encodeEnvelope({ kind: Kind.TRACK_PUBLISH, trackInfo: { id: 2, source: 2, codec: 'vp8' } }),
  encodeEnvelope({ kind: Kind.WELCOME, welcome: { meetingId: 'm', you: { id: 'a', role: 'host' }, roster: [{ id: 'a' }, { id: 'b' }] } }),
];

/** A valid frame mutated: bit flips, truncation, extension, splice with another frame, or a byte overwrite. */
const mutated: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom(...CORPUS), fc.constantFrom(...CORPUS), fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 4 }), bytes(16))
  .map(([a, b, flips, cut, cut2, how, extra]) => {
    const out = Buffer.from(a);
    switch (how) {
      case 0:
        for (const [at, bit] of flips) out[at % out.length]! ^= 1 << bit;
        return out;
      case 1:
        return out.subarray(0, cut % out.length);
      case 2:
        return Buffer.concat([out, extra]);
      case 3:
        return Buffer.concat([out.subarray(0, cut % (out.length + 1)), b.subarray(cut2 % (b.length + 1))]);
      default:
        for (const [at] of flips) out[at % out.length] = extra[at % Math.max(1, extra.length)] ?? 0xff;
        return out;
    }
  });

describe('codec under arbitrary bytes', () => {
  it('decodes any byte string to a typed value or a typed error, never a throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (b) => decodeAll(b)), params());
  });

  it('survives mutated valid frames (bit flips, truncations, splices, overwrites)', () => {
    fc.assert(fc.property(mutated, (b) => decodeAll(b)), params());
  });

  it('refuses deep nesting and huge length prefixes without throwing or recursing without bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom(0x0b, 0xa3, 0x7a, 0xa2), (depth, tag) => {
        // Start-group tags (0x0b, 0xa3 = field 20 group) nested `depth` deep, or length prefixes claiming more
        // bytes than there are.
        const b = tag === 0x0b || tag === 0xa3 ? new Uint8Array(depth).fill(tag) : Uint8Array.from([0x08, 0x0a, tag, 0xff, 0xff, 0xff, 0xff, 0x0f, ...new Uint8Array(depth % 64)]);
        decodeAll(b);
      }),
      params(300),
    );
  });
});

describe('codec round trip', () => {
  it('decode(encode(x)) has the fields of x, and re-encoding gives the same bytes, for every kind and body', () => {
    fc.assert(
      fc.property(envelope, (env) => {
        const wire = encodeEnvelope(env);
        const r = decodeEnvelope(wire);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(plain(r.value)).toEqual(plain(env));
        expect(Buffer.from(encodeEnvelope(r.value)).equals(Buffer.from(wire))).toBe(true);
      }),
      params(),
    );
  });

  it('round-trips the payload messages (chat, poll text, document info)', () => {
    fc.assert(
      fc.property(text(200), u64, fc.array(fc.record({ text: text(), options: fc.array(text(), { maxLength: 5 }) }), { maxLength: 4 }), text(), text(), (t, sentAt, questions, name, mediaType) => {
        const chat = decodeChatMessage(encodeChatMessage({ text: t, sentAt }));
        expect(chat.ok && chat.value.text === t && Number(chat.value.sentAt) === sentAt).toBe(true);
        const poll = decodePollText(encodePollText({ questions }));
        expect(poll.ok && plain(poll.value)).toEqual(plain({ questions }));
        const info = decodeDocumentInfo(encodeDocumentInfo({ name, mediaType }));
        expect(info.ok && info.value.name === name && info.value.mediaType === mediaType).toBe(true);
      }),
      params(1_000),
    );
  });

  it('decodes payloads as views of the received bytes, not copies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4096 }), fc.constantFrom(Kind.CHAT, Kind.MEDIA, Kind.DOC_CHUNK), (payload, kind) => {
        const wire = encodeEnvelope({ kind, from: 'x', seq: 9, payload });
        const r = decodeEnvelope(wire);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value.payload.buffer).toBe(wire.buffer);
        // Wiping the received bytes wipes the payload: the transports rely on it (SECURITY.md).
        wire.fill(0);
        expect(r.value.payload.every((v) => v === 0)).toBe(true);
      }),
      params(500),
    );
  });
});
