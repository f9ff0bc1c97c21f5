/**
 * The bench payload: a float64 send time (microseconds of the process-wide monotonic clock) at offset 0, the
 * sender's index at offset 8, zeros after. Every adapter hands receivers the offset of this payload inside the
 * message it arrived in, so latency is read the same way whatever the wire.
 */

/** Offset of the float64 little-endian send time within the payload. */
export const TIMESTAMP_OFFSET = 0;
/** Offset of the uint32 little-endian sender index within the payload. */
export const SENDER_OFFSET = 8;
/** The smallest payload the bench sends. */
export const MIN_PAYLOAD_BYTES = 16;

/** Writes a blank payload of `length` bytes at `offset` of `buf`, stamped with `sender`. */
export function writePayloadTemplate(buf: Buffer, offset: number, length: number, sender: number): void {
  if (length < MIN_PAYLOAD_BYTES) throw new Error(`payload must be at least ${MIN_PAYLOAD_BYTES} bytes, got ${length}`);
  buf.fill(0, offset, offset + length);
  buf.writeUInt32LE(sender >>> 0, offset + SENDER_OFFSET);
}
