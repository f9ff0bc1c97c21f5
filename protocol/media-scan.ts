/**
 * The relay's hot-path reader for MEDIA frames, the frames it receives most: reads the envelope's routing fields
 * in one pass over the bytes into a reused object, without protobufjs' per-frame reader and message allocations.
 *
 * It only takes the plain shape a client writes for a media frame (fields kind, track, keyframe, timestamp,
 * audio_level, ref and payload, each with its own wire type, varints of at most 5 bytes). Anything else (another
 * kind, another field, a long varint, a truncated field) returns null and the caller decodes with protobufjs,
 * which stays the judge of what is malformed. A property test holds the two readers to the same fields.
 */
import { Kind } from './codec.js';

/** The fields of a MEDIA envelope the relay routes on. */
export interface MediaEnvelope {
  track: number;
  keyframe: boolean;
  timestamp: number;
  audioLevel: number;
  ref: number;
  /** A view into the scanned bytes (valid as long as they are). */
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);
/** Reused by every scan: valid until the next call; `payload` is cleared by releaseMediaEnvelope. */
const SCANNED: MediaEnvelope = { track: 0, keyframe: false, timestamp: 0, audioLevel: 0, ref: 0, payload: EMPTY };

// Varint scan state (module variables: no allocation per field).
let varintValue = 0;
let varintNonZero = false;

/** Reads a varint of at most 5 bytes at `pos` as protobufjs' uint32 does; returns the next position or -1. */
function readVarint(b: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let nonZero = false;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) return -1;
    const byte = b[pos++]!;
    if ((byte & 0x7f) !== 0) nonZero = true;
    value = i < 4 ? (value | ((byte & 0x7f) << (7 * i))) >>> 0 : (value | ((byte & 0x0f) << 28)) >>> 0;
    if (byte < 0x80) {
      varintValue = value;
      varintNonZero = nonZero;
      return pos;
    }
  }
  return -1;
}

/**
 * Scans `bytes` as a MEDIA envelope. Returns the reused MediaEnvelope (valid until the next call), or null when
 * the frame is not a plain media frame: decode it with decodeEnvelope then.
 */
export function scanMediaEnvelope(bytes: Uint8Array): MediaEnvelope | null {
  const end = bytes.length;
  let kind = 0;
  let track = 0;
  let keyframe = false;
  let timestamp = 0;
  let audioLevel = 0;
  let ref = 0;
  let payloadStart = 0;
  let payloadEnd = 0;
  let pos = 0;
  while (pos < end) {
    const tag = bytes[pos++]!;
    if (tag === 0x7a) {
      // 15: payload (length-delimited)
      pos = readVarint(bytes, pos, end);
      if (pos < 0 || varintValue > end - pos) return null;
      payloadStart = pos;
      payloadEnd = pos + varintValue;
      pos = payloadEnd;
      continue;
    }
    if ((tag & 7) !== 0 || tag >= 0x80) return null;
    pos = readVarint(bytes, pos, end);
    if (pos < 0) return null;
    switch (tag >>> 3) {
      case 1:
        kind = varintValue | 0;
        break;
      case 6:
        track = varintValue;
        break;
      case 7:
        keyframe = varintNonZero;
        break;
      case 8:
        timestamp = varintValue;
        break;
      case 9:
        audioLevel = varintValue;
        break;
      case 10:
        ref = varintValue;
        break;
      default:
        return null;
    }
  }
  if (kind !== Kind.MEDIA) return null;
  SCANNED.track = track;
  SCANNED.keyframe = keyframe;
  SCANNED.timestamp = timestamp;
  SCANNED.audioLevel = audioLevel;
  SCANNED.ref = ref;
  SCANNED.payload = payloadEnd > payloadStart ? bytes.subarray(payloadStart, payloadEnd) : EMPTY;
  return SCANNED;
}

/** Drops the scanned object's reference to the frame bytes once the frame is routed. */
export function releaseMediaEnvelope(): void {
  SCANNED.payload = EMPTY;
}
