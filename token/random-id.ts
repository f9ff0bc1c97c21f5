/**
 * Random identifiers (token ids, participant ids): base64url of fresh random bytes, drawn from a pool refilled
 * 4 KiB at a time, so issuing thousands of tokens per second costs one getrandom per 256 ids instead of one each.
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` (1 to 64, default 16) random bytes as base64url. */
export function randomId(bytes = 16): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 64) throw new Error(`randomId: bytes must be an integer from 1 to 64, got ${String(bytes)}`);
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  // Consumed bytes are zeroed so an id does not linger in the pool.
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return id;
}
