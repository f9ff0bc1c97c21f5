/**
 * Finds the kind and the payload of an Ephemera Envelope without decoding it: the load generator reads only
 * field 1 (kind) and field 15 (payload) and skips the rest, so its per-frame cost stays that of a tag walk.
 * Returns false for bytes that are not a well-formed protobuf message.
 */

/** The result of a scan; reused across calls to avoid an allocation per frame. */
export interface EnvelopeScan {
  kind: number;
  /** Offset of the payload bytes, -1 when the envelope has none. */
  payloadOffset: number;
  payloadLength: number;
}

export function scanEnvelope(buf: Uint8Array, out: EnvelopeScan): boolean {
  out.kind = 0;
  out.payloadOffset = -1;
  out.payloadLength = 0;
  const end = buf.length;
  let pos = 0;
  while (pos < end) {
    // Tag (field numbers here are small: one or two bytes).
    let tag = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= end || shift > 28) return false;
      b = buf[pos++]!;
      tag |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    const field = tag >>> 3;
    switch (tag & 7) {
      case 0: {
        let value = 0;
        let mul = 1;
        do {
          if (pos >= end || mul > 2 ** 63) return false;
          b = buf[pos++]!;
          value += (b & 0x7f) * mul;
          mul *= 128;
        } while (b & 0x80);
        if (field === 1) out.kind = value;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 2: {
        let len = 0;
        let mul = 1;
        do {
          if (pos >= end || mul > 2 ** 35) return false;
          b = buf[pos++]!;
          len += (b & 0x7f) * mul;
          mul *= 128;
        } while (b & 0x80);
        if (pos + len > end) return false;
        if (field === 15) {
          out.payloadOffset = pos;
          out.payloadLength = len;
        }
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        return false;
    }
  }
  return pos === end;
}
