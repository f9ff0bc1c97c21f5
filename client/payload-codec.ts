/**
 * The one place where the client turns a lane's payload bytes into what travels in `Envelope.payload`, and back.
 * Every lane (chat, polls, documents, media) sends and receives its payload through the client's PayloadCodec,
 * so that end-to-end encryption can be added here later without touching the lanes: the relay forwards payload
 * bytes untouched and never needs to read them (poll structure and document sizes travel in the envelope).
 *
 * A codec that changes the size of a payload (an AEAD tag, say) must keep document chunk sizes in mind: the
 * relay's document credit counts payload bytes as they travel.
 */
import type { Kind } from '../protocol/index.js';

export interface PayloadCodec {
  /** Outgoing: the lane's bytes for a frame of `kind` -> the bytes that travel. */
  seal(kind: Kind, payload: Uint8Array): Uint8Array;
  /**
   * Incoming: the bytes that travelled in a frame of `kind` from `from` (empty for the relay's own frames) -> the
   * lane's bytes, or null to drop the frame (it cannot be opened).
   */
  open(kind: Kind, from: string, payload: Uint8Array): Uint8Array | null;
}

/** The default codec: payloads travel as the lanes encode them (no end-to-end encryption yet). */
export const PLAIN_PAYLOADS: PayloadCodec = Object.freeze({
  seal: (_kind: Kind, payload: Uint8Array) => payload,
  open: (_kind: Kind, _from: string, payload: Uint8Array) => payload,
});
