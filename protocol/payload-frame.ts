/**
 * Encodes an Envelope that carries content (POLL_OPEN question texts, DOC_OFFER document info, DOC_CHUNK bytes)
 * so that the content is copied exactly once, into memory the relay owns and wipes.
 *
 * Why not `encodeEnvelope`: protobufjs 8's writer grows a backing buffer from `Buffer.allocUnsafe` (128 bytes,
 * doubled as needed: slices of Node's shared 8 KiB Buffer pool below 4 KiB, own allocations above) and `finish()`
 * copies the result into another `allocUnsafe` buffer. The caller can wipe the buffer it gets back, but not the
 * writer's backing buffers: those copies of the payload stayed in live pool blocks until Node reused the pool
 * (about 20 s on an idle relay), or in freed heap chunks (issue 11, SECURITY.md).
 *
 * Here protobufjs encodes only the metadata around the payload (fields 1-10, then the body, 20+; ids, counts,
 * hashes, never content); the payload field (15) is written by hand between them, so the bytes are exactly those
 * `encodeEnvelope` writes for the same fields (protobufjs writes fields in number order; a unit test holds it to
 * that). The frame lives in a reusable scratch buffer outside Node's pool: the view is valid until the next
 * call, and the caller zeroes it with `releasePayloadFrame` once `send`/`publish` returned (transports copy).
 */
import { encodeEnvelope, type EnvelopeInit } from './codec.js';

/** The envelope fields of a content frame, without the payload. */
export type PayloadFrameFields = Omit<EnvelopeInit, 'payload'>;

const PAYLOAD_TAG = 0x7a; // field 15, wire type 2
const SCRATCH_BYTES = 256 * 1024;
/** Allocated outside Node's Buffer pool (a typed array of its own), reused, zero between uses. */
const scratch = new Uint8Array(SCRATCH_BYTES);

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/** The fields numbered below the payload (1-10), in a new object (no payload, no body). */
function headOf(f: PayloadFrameFields): EnvelopeInit {
  return {
    kind: f.kind,
    from: f.from,
    seq: f.seq,
    audience: f.audience,
    to: f.to,
    track: f.track,
    keyframe: f.keyframe,
    timestamp: f.timestamp,
    audioLevel: f.audioLevel,
    ref: f.ref,
  };
}

const HEAD_KEYS = new Set(['kind', 'from', 'seq', 'audience', 'to', 'track', 'keyframe', 'timestamp', 'audioLevel', 'ref']);

/** The body fields (20 and up) alone. */
function bodyOf(f: PayloadFrameFields): EnvelopeInit {
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(f)) if (!HEAD_KEYS.has(key)) body[key] = (f as Record<string, unknown>)[key];
  return body as EnvelopeInit;
}

/**
 * Encodes `fields` plus `payload` as one Envelope into the payload scratch buffer (or, above 256 KiB, a fresh
 * typed array) and returns a view of it. Send it, then call releasePayloadFrame. Never copies the payload
 * anywhere else.
 */
export function encodePayloadFrame(fields: PayloadFrameFields, payload: Uint8Array): Uint8Array {
  const head = encodeEnvelope(headOf(fields));
  const body = encodeEnvelope(bodyOf(fields));
  const payloadPart = payload.length === 0 ? 0 : 1 + varintSize(payload.length) + payload.length;
  const size = head.length + payloadPart + body.length;
  const buf = size <= scratch.length ? scratch : new Uint8Array(size);
  buf.set(head, 0);
  let pos = head.length;
  if (payload.length > 0) {
    buf[pos++] = PAYLOAD_TAG;
    let v = payload.length;
    while (v >= 0x80) {
      buf[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[pos++] = v;
    buf.set(payload, pos);
    pos += payload.length;
  }
  buf.set(body, pos);
  return buf.subarray(0, size);
}

/** Zeroes a frame returned by encodePayloadFrame once every send/publish of it returned. */
export function releasePayloadFrame(frame: Uint8Array): void {
  frame.fill(0);
}
