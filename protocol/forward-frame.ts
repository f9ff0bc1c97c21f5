/**
 * The relay's hot-path encoder for the frames it forwards most (MEDIA and CHAT): writes exactly the bytes
 * `encodeEnvelope` would write for the same fields (a property test holds it to that), without protobufjs'
 * per-call writer allocations, into a reusable scratch buffer. Transports copy on send, so the caller zeroes the
 * scratch bytes right after the fan-out (`releaseForwardFrame`): the relay keeps no copy of content.
 */

/** The fields of a forwarded frame. Strings arrive as UTF-8 bytes (cached per participant by the caller). */
export interface ForwardFields {
  kind: number;
  from: Uint8Array;
  seq: number;
  audience: number;
  to: Uint8Array | null;
  track: number;
  keyframe: boolean;
  timestamp: number;
  audioLevel: number;
  payload: Uint8Array;
}

const SCRATCH_BYTES = 256 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);
/**
 * Views of the scratch buffer's first n bytes, made once per length up to VIEW_CACHE_MAX: a forwarded media or
 * chat frame of a length seen before costs no view allocation (frames of one stream are mostly one size).
 */
const VIEW_CACHE_MAX = 2048;
const views: (Uint8Array | undefined)[] = [];

function scratchView(n: number): Uint8Array {
  if (n > VIEW_CACHE_MAX) return scratch.subarray(0, n);
  return views[n] ?? (views[n] = scratch.subarray(0, n));
}

function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  let x = Math.floor(v / 0x10000000);
  while (x > 0) {
    n++;
    x = Math.floor(x / 0x80);
  }
  return n;
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

function writeBytesField(buf: Uint8Array, pos: number, tag: number, bytes: Uint8Array): number {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** The encoded size of a forwarded frame. */
export function forwardFrameSize(f: ForwardFields): number {
  let n = 0;
  if (f.kind !== 0) n += 1 + varintSize(f.kind);
  if (f.from.length > 0) n += 1 + varintSize(f.from.length) + f.from.length;
  if (f.seq !== 0) n += 1 + varintSize(f.seq);
  if (f.audience !== 0) n += 1 + varintSize(f.audience);
  if (f.to !== null && f.to.length > 0) n += 1 + varintSize(f.to.length) + f.to.length;
  if (f.track !== 0) n += 1 + varintSize(f.track);
  if (f.keyframe) n += 2;
  if (f.timestamp !== 0) n += 1 + varintSize(f.timestamp);
  if (f.audioLevel !== 0) n += 1 + varintSize(f.audioLevel);
  if (f.payload.length > 0) n += 1 + varintSize(f.payload.length) + f.payload.length;
  return n;
}

/**
 * Encodes a forwarded frame into the shared scratch buffer (or a fresh one when it is larger) and returns a view
 * of it. The view is valid until the next call: send it, then call releaseForwardFrame.
 */
export function encodeForwardFrame(f: ForwardFields): Uint8Array {
  const size = forwardFrameSize(f);
  const buf = size <= scratch.length ? scratch : new Uint8Array(size);
  let pos = 0;
  // Field order by number, as protobufjs writes it: 1 kind, 2 from, 3 seq, 4 audience, 5 to, 6 track,
  // 7 keyframe, 8 timestamp, 9 audio_level, 15 payload.
  if (f.kind !== 0) {
    buf[pos++] = 0x08;
    pos = writeVarint(buf, pos, f.kind);
  }
  if (f.from.length > 0) pos = writeBytesField(buf, pos, 0x12, f.from);
  if (f.seq !== 0) {
    buf[pos++] = 0x18;
    pos = writeVarint(buf, pos, f.seq);
  }
  if (f.audience !== 0) {
    buf[pos++] = 0x20;
    pos = writeVarint(buf, pos, f.audience);
  }
  if (f.to !== null && f.to.length > 0) pos = writeBytesField(buf, pos, 0x2a, f.to);
  if (f.track !== 0) {
    buf[pos++] = 0x30;
    pos = writeVarint(buf, pos, f.track);
  }
  if (f.keyframe) {
    buf[pos++] = 0x38;
    buf[pos++] = 1;
  }
  if (f.timestamp !== 0) {
    buf[pos++] = 0x40;
    pos = writeVarint(buf, pos, f.timestamp);
  }
  if (f.audioLevel !== 0) {
    buf[pos++] = 0x48;
    pos = writeVarint(buf, pos, f.audioLevel);
  }
  if (f.payload.length > 0) pos = writeBytesField(buf, pos, 0x7a, f.payload);
  return buf === scratch ? scratchView(pos) : buf.subarray(0, pos);
}

/** Zeroes a frame returned by encodeForwardFrame once the transports have taken their copies. */
export function releaseForwardFrame(frame: Uint8Array): void {
  frame.fill(0);
}

const utf8 = new TextEncoder();
/** UTF-8 bytes of a participant id, for ForwardFields.from / .to (callers cache them per session). */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}
