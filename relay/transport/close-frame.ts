/**
 * Close codes and reasons as both transports put them on the wire. A code the core passes that may not be sent
 * (1004-1006, 1015, out of range: RFC 6455 7.4) becomes 4009 internal error rather than an exception, and a
 * reason longer than the 123 bytes a close frame can hold is cut at a character boundary.
 */
import { CloseCode } from '../../protocol/codes.js';

/** Longest close reason in UTF-8 bytes (125-byte control frame payload minus the 2-byte code). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** The reason the transports give when they close a socket past its hard backpressure cap. */
export const SLOW_CONSUMER_REASON = 'slow consumer';
/** The reason the transports give when they close every socket at close(). */
export const GOING_AWAY_REASON = 'going away';

/** True for codes an endpoint may send in a close frame. */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999))
  );
}

/** `code` when it may be sent, else 4009. */
export function sendableCloseCode(code: number): number {
  return isSendableCloseCode(code) ? code : CloseCode.INTERNAL;
}

/** `reason` cut to at most 123 UTF-8 bytes without splitting a character. */
export function closeReason(reason: string): string {
  if (typeof reason !== 'string') return '';
  // Fast path: even all-4-byte characters fit.
  if (reason.length <= MAX_CLOSE_REASON_BYTES / 4 || Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let bytes = 0;
  let end = 0;
  for (const ch of reason) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > MAX_CLOSE_REASON_BYTES) break;
    bytes += size;
    end += ch.length;
  }
  return reason.slice(0, end);
}
