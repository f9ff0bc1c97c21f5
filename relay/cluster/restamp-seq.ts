/**
 * Gives a frame that came from another relay this relay's meeting seq, so that every frame a participant gets
 * carries one numbering: the one of the relay it is connected to. That is what lets a same-relay resume in a
 * cluster find what the client missed from its last seq, exactly as on one relay (protocol/README.md, "In a
 * cluster"). Only the envelope's `seq` varint (field 3) changes; the payload and every other byte stay as the
 * sending relay built them (the relay never decodes or re-encodes a frame it forwards).
 *
 * The frame is the relay's own copy, fresh from NATS, patched once before its local fan-out (still encoded once
 * per relay). When the new seq fits in the bytes of the old varint it is written in place, padded if shorter
 * (a varint with trailing 0x80 continuation bytes is valid protobuf: every decoder reads it as the same number);
 * only when it needs more bytes is the frame copied once, with the new varint spliced in.
 */

/** Position of field 3's varint found by locateSeq (module state: no allocation per frame). */
let seqAt = -1;
let seqLen = 0;

/** Reads a varint at `p`; returns the position after it, or -1 (truncated, or longer than 10 bytes). */
function skipVarint(b: Uint8Array, p: number): number {
  for (let k = 0; k < 10; k++) {
    if (p >= b.length) return -1;
    if (b[p++]! < 0x80) return p;
  }
  return -1;
}

/**
 * Finds the top-level field 3 varint. The frame was built by a relay (it came over the relays' own subjects), whose
 * encoder writes each field once and in field order: the scan stops at the seq (right after `kind` and `from`),
 * never walking the payload. False if what comes before it is unreadable.
 */
function locateSeq(b: Uint8Array): boolean {
  seqAt = -1;
  seqLen = 0;
  let p = 0;
  while (p < b.length) {
    let tag = 0;
    let mul = 1;
    let k = 0;
    for (; k < 5 && p < b.length; k++) {
      const c = b[p++]!;
      tag += (c & 0x7f) * mul;
      if (c < 0x80) break;
      mul *= 128;
    }
    if (k === 5) return false;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const end = skipVarint(b, p);
      if (end < 0) return false;
      if (field === 3) {
        seqAt = p;
        seqLen = end - p;
        return true;
      }
      p = end;
    } else if (wire === 2) {
      let len = 0;
      let m = 1;
      let j = 0;
      for (; j < 5 && p < b.length; j++) {
        const c = b[p++]!;
        len += (c & 0x7f) * m;
        if (c < 0x80) break;
        m *= 128;
      }
      if (j === 5) return false;
      p += len;
      if (p > b.length) return false;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else return false;
  }
  return p === b.length;
}

function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Writes `v` as a varint of exactly `len` bytes at `at` (padded with continuation bytes when shorter). */
function writeVarint(b: Uint8Array, at: number, v: number, len: number): void {
  for (let i = 0; i < len - 1; i++) {
    b[at + i] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[at + len - 1] = v % 128;
}

/** Where the new seq comes from: the meeting's counter (Meeting.nextSeq). */
export interface SeqSource {
  nextSeq(): number;
}

/**
 * Stamps the next seq of `counter` into a frame's envelope. Returns the frame (patched in place) or, when the new
 * varint is longer than the old, a new copy. A frame without a seq (0 or absent: media resends, flow control that
 * is never kept for resume), or one that cannot be read, is returned untouched and takes no seq.
 */
export function restampSeq(frame: Uint8Array, counter: SeqSource): Uint8Array {
  if (!locateSeq(frame) || seqAt < 0) return frame;
  let zero = true;
  for (let i = 0; i < seqLen; i++) if ((frame[seqAt + i]! & 0x7f) !== 0) zero = false;
  if (zero) return frame;
  const seq = counter.nextSeq();
  const need = varintLength(seq);
  if (need <= seqLen) {
    writeVarint(frame, seqAt, seq, seqLen);
    return frame;
  }
  const out = new Uint8Array(frame.length - seqLen + need);
  out.set(frame.subarray(0, seqAt), 0);
  writeVarint(out, seqAt, seq, need);
  out.set(frame.subarray(seqAt + seqLen), seqAt + need);
  return out;
}

/**
 * Width of the seq varint in the frames a relay sends to the others (cluster-codec.ts pads it as it copies the
 * frame into the NATS message, a copy it makes anyway): 5 bytes hold every seq below 2^35, so the receiving relay
 * always restamps in place, whatever the two relays' counters are.
 */
export const SEQ_WIDTH = 5;

/** Bytes the seq varint of `frame` lacks to be SEQ_WIDTH long (0 when absent, zero, unreadable or long enough). */
export function seqPadding(frame: Uint8Array): number {
  if (!locateSeq(frame) || seqAt < 0 || seqLen >= SEQ_WIDTH) return 0;
  for (let i = 0; i < seqLen; i++) if ((frame[seqAt + i]! & 0x7f) !== 0) return SEQ_WIDTH - seqLen;
  return 0;
}

/** Copies `frame` to `out` at `pos` with its seq varint `pad` bytes longer (pad from seqPadding, same value). */
export function copyPadded(frame: Uint8Array, out: Uint8Array, pos: number, pad: number): void {
  if (pad === 0 || !locateSeq(frame) || seqAt < 0) {
    out.set(frame, pos);
    return;
  }
  let v = 0;
  let mul = 1;
  for (let i = 0; i < seqLen; i++) {
    v += (frame[seqAt + i]! & 0x7f) * mul;
    mul *= 128;
  }
  out.set(frame.subarray(0, seqAt), pos);
  writeVarint(out, pos + seqAt, v, seqLen + pad);
  out.set(frame.subarray(seqAt + seqLen), pos + seqAt + seqLen + pad);
}
