/**
 * A complete server-to-client WebSocket frame (FIN, binary opcode, unmasked, RSV bits clear) in ONE buffer:
 * header and a copy of the payload. What `WebSocket.Sender.frame(data, { fin: true, opcode: 2, mask: false,
 * rsv1: false })` produces as two buffers (test/unit/ws-frame.test.ts checks they match), merged so that a
 * fan-out writes one buffer per recipient, and copied so that the caller may reuse or zero its bytes as soon as
 * send/publish returns (as with uWS, which copies into its own buffers).
 */

/** Header length of an unmasked frame carrying `length` payload bytes. */
export function frameHeaderLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

/** Builds the frame for `payload`. Small frames come from Node's shared buffer pool. */
export function buildBinaryFrame(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const header = frameHeaderLength(length);
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x82; // FIN + opcode 2 (binary)
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    // Payloads stay far below 2^53; the high word is written for completeness.
    frame.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, header);
  return frame;
}
